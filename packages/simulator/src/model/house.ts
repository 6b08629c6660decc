import type { SetpointSchedule } from '../types.js';

/** Specific heat of water, kJ/(kg·K); one litre is taken as one kilogram. */
export const WATER_SPECIFIC_HEAT_KJ_PER_KG_K = 4.186;

/** Radiator/underfloor output grows with (mean water − room)^n; 1.3 is the EN 442 radiator exponent. */
export const EMITTER_EXPONENT = 1.3;

/** Outdoor temperature above which space heating stays off (a common controller cut-off). */
export const HEATING_CUTOFF_OUTDOOR_C = 16;

/**
 * Emitters come in catalogue sizes and installers round up: they give about 20 % more than the
 * design heat loss at the design flow temperature, which is what lets a house recover from setback.
 */
export const EMITTER_MARGIN = 1.2;

/** Indoor temperature the emitters are sized for at the design outdoor temperature. */
export const DESIGN_INDOOR_C = 21;

/** The set-point in force at a local hour; a day period that wraps midnight is allowed. */
export function setpointC(schedule: SetpointSchedule, localHour: number): number {
  const { dayStartHour: from, dayEndHour: to } = schedule;
  const isDay = from <= to ? localHour >= from && localHour < to : localHour >= from || localHour < to;
  return isDay ? schedule.dayC : schedule.nightC;
}

/** Occupants, cooking and appliances: about 300 W on average, more in the evening and morning. */
export function internalGainsW(localHour: number): number {
  let gains = 240;
  if (localHour >= 17 && localHour < 23) gains += 180;
  if (localHour >= 6.5 && localHour < 9) gains += 90;
  return gains;
}

/**
 * Effective south-facing glazing area times its solar transmittance, m². Scaled with the heat loss
 * because bigger, leakier homes tend to have more windows: 3 m² for 120 W/K.
 */
export function solarApertureM2(heatLossWPerK: number): number {
  return heatLossWPerK / 40;
}

/**
 * Weather compensation: a straight line from 25 °C at 15 °C outdoor to the design flow temperature at
 * the design outdoor temperature, held at 25 °C above 15 °C and allowed 5 K past the design point.
 */
export function weatherCompensatedFlowC(
  outdoorC: number,
  designFlowC: number,
  designOutdoorC: number,
): number {
  const slope = (designFlowC - 25) / (15 - designOutdoorC);
  const flow = 25 + slope * (15 - outdoorC);
  return Math.min(designFlowC + 5, Math.max(25, flow));
}

/**
 * The emitters, sized to deliver the design heat loss at the design flow temperature with the design
 * flow–return difference. Output follows the EN 442 power law in (flow − ΔT/2 − room).
 */
export interface Emitters {
  designOutputW: number;
  designExcessK: number;
  halfDesignDeltaK: number;
}

export function sizeEmitters(
  heatLossWPerK: number,
  designFlowC: number,
  designOutdoorC: number,
  designDeltaK: number,
  margin = EMITTER_MARGIN,
): Emitters {
  return {
    designOutputW: margin * heatLossWPerK * (DESIGN_INDOOR_C - designOutdoorC),
    designExcessK: Math.max(5, designFlowC - designDeltaK / 2 - 20),
    halfDesignDeltaK: designDeltaK / 2,
  };
}

/** Heat the emitters give off with water at `flowC`, W. */
export function emitterOutputW(emitters: Emitters, flowC: number, indoorC: number): number {
  const excess = flowC - emitters.halfDesignDeltaK - indoorC;
  if (excess <= 0) return 0;
  return emitters.designOutputW * (excess / emitters.designExcessK) ** EMITTER_EXPONENT;
}

/** The flow temperature at which the emitters give off `outputW`: the inverse of emitterOutputW. */
export function flowForOutputC(emitters: Emitters, outputW: number, indoorC: number): number {
  const ratio = Math.max(0, outputW) / emitters.designOutputW;
  return indoorC + emitters.halfDesignDeltaK + emitters.designExcessK * ratio ** (1 / EMITTER_EXPONENT);
}
