import { dayOfYear } from './time.js';

export const KELVIN = 273.15;

/**
 * The refrigerant condenses a little above the flow temperature and evaporates below the source;
 * these approach temperatures make a 0.45 Carnot fraction land on published EN 14511 figures
 * (A7/W35 ≈ 4.2, A−7/W55 ≈ 2.2).
 */
export const CONDENSER_APPROACH_K = 2;
export const AIR_EVAPORATOR_APPROACH_K = 3;
export const BRINE_EVAPORATOR_APPROACH_K = 2;
/** Below this lift the Carnot formula runs away; real machines top out around COP 8–9. */
export const MIN_LIFT_K = 15;

export const DEFAULT_CARNOT_FRACTION_AIR = 0.45;
export const DEFAULT_CARNOT_FRACTION_GROUND = 0.5;

/** Lowest steady output as a fraction of rated capacity; below it the unit cycles on and off. */
export const MIN_MODULATION_AIR = 0.35;
export const MIN_MODULATION_GROUND = 0.4;

/** Controls and standby, W, always drawn. */
export const HEAT_PUMP_STANDBY_W = 15;
/** Circulation pump while water flows, W. */
export const HEAT_PUMP_PUMP_W = 45;
/** Design flow–return difference of a heat pump circuit, K (the pump's flow rate follows from it). */
export const HEAT_PUMP_DESIGN_DELTA_K = 5;

/** A defrost reverses the cycle for this long. */
export const DEFROST_MINUTES = 4;
/** During a defrost: electricity drawn and heat pulled back from the water, as fractions of rated kW. */
export const DEFROST_ELECTRIC_FRACTION = 0.2;
export const DEFROST_HEAT_FRACTION = 0.35;

/** Start-up: the first minutes of a run deliver less per kWh (pressures and oil settle). */
export const STARTUP_MINUTES = 2;
export const STARTUP_COP_FACTOR = 0.8;

/**
 * COP as a fraction of the Carnot limit between the condensing temperature (flow + approach) and the
 * evaporating temperature (source − approach).
 */
export function carnotCop(
  flowC: number,
  sourceC: number,
  carnotFraction: number,
  evaporatorApproachK = AIR_EVAPORATOR_APPROACH_K,
): number {
  const hot = flowC + CONDENSER_APPROACH_K + KELVIN;
  const cold = sourceC - evaporatorApproachK + KELVIN;
  return (carnotFraction * hot) / Math.max(MIN_LIFT_K, hot - cold);
}

/** An air source unit's capacity falls about 2.2 % per K below the A7 rating point. */
export function airCapacityFactor(outdoorC: number): number {
  return Math.min(1.15, Math.max(0.55, 1 + 0.022 * (outdoorC - 7)));
}

/** Undisturbed ground at 1–2 m: 10 °C ± 1.5 K, lagging the air by about two months (coldest in March). */
export function groundTemperatureC(t: number): number {
  return 10 - 1.5 * Math.cos((2 * Math.PI * (dayOfYear(t) - 70)) / 365.25);
}

/**
 * Brine returning from the ground loop: below the ground by the loop's approach, more at high load,
 * and drawn down over the heating season as the ground round the loop cools.
 */
export function brineTemperatureC(t: number, loadFraction: number): number {
  const winterness = (1 + Math.cos((2 * Math.PI * (dayOfYear(t) - 40)) / 365.25)) / 2;
  return groundTemperatureC(t) - 1.5 - 3 * loadFraction - 1.5 * winterness;
}

/**
 * How fast frost builds on an air source evaporator, in defrosts per running hour. Worst between
 * about −2 and 3 °C in humid air; colder air holds too little water, warmer air does not freeze.
 */
export function frostRatePerHour(outdoorC: number, humidity: number): number {
  let temperatureFactor: number;
  if (outdoorC >= 6) temperatureFactor = 0;
  else if (outdoorC > 3) temperatureFactor = (6 - outdoorC) / 3;
  else if (outdoorC >= -2) temperatureFactor = 1;
  else temperatureFactor = Math.max(0.3, 1 - 0.08 * (-2 - outdoorC));
  const humidityFactor = Math.min(1, Math.max(0, (humidity - 65) / 25));
  return 1.3 * temperatureFactor * humidityFactor;
}
