import type {
  ChannelKey,
  HomeSpec,
  MeterRole,
  SimReading,
  Simulation,
  SimulationOptions,
  Truth,
} from '../types.js';
import {
  BOILER_AUX_W,
  BOILER_DESIGN_DELTA_K,
  BOILER_MIN_MODULATION,
  BOILER_STANDBY_W,
  condensingEfficiency,
  GAS_KWH_PER_M3,
} from './boiler.js';
import { clockDriftMs, isActive, type ResolvedFault, resolveFault } from './faults.js';
import {
  AIR_EVAPORATOR_APPROACH_K,
  airCapacityFactor,
  BRINE_EVAPORATOR_APPROACH_K,
  brineTemperatureC,
  carnotCop,
  DEFAULT_CARNOT_FRACTION_AIR,
  DEFAULT_CARNOT_FRACTION_GROUND,
  DEFROST_ELECTRIC_FRACTION,
  DEFROST_HEAT_FRACTION,
  DEFROST_MINUTES,
  frostRatePerHour,
  HEAT_PUMP_DESIGN_DELTA_K,
  HEAT_PUMP_PUMP_W,
  HEAT_PUMP_STANDBY_W,
  MIN_MODULATION_AIR,
  MIN_MODULATION_GROUND,
  STARTUP_COP_FACTOR,
  STARTUP_MINUTES,
} from './heat-pump.js';
import {
  BOILER_COIL_APPROACH_K,
  BOILER_CYLINDER_C,
  CYLINDER_HYSTERESIS_K,
  coldWaterC,
  cylinderLitres,
  type DrawEvent,
  drawHeatKwh,
  drawsOfDay,
  HEAT_PUMP_COIL_APPROACH_K,
  HEAT_PUMP_CYLINDER_C,
  LEGIONELLA_C,
  LEGIONELLA_LOCAL_HOUR,
  litresDrawn,
  standingLossWPerK,
} from './hot-water.js';
import {
  emitterOutputW,
  flowForOutputC,
  HEATING_CUTOFF_OUTDOOR_C,
  internalGainsW,
  setpointC,
  sizeEmitters,
  solarApertureM2,
  WATER_SPECIFIC_HEAT_KJ_PER_KG_K,
  weatherCompensatedFlowC,
} from './house.js';
import {
  CHANNEL_DECIMALS,
  HEAT_METER_COMMON_NOISE_C,
  HEAT_METER_DIFFERENTIAL_NOISE_C,
  isRegister,
  METER_CHANNELS,
  OUTDOOR_SENSOR_NOISE_C,
  REGISTER_CHANNELS,
  type RegisterChannel,
  ROOM_SENSOR_NOISE_C,
  registerStartValue,
  roundTo,
} from './meters.js';
import { pvPowerW } from './pv.js';
import { hash3, hashGauss, hashUnit, streamSeed } from './random.js';
import { DAY_MS, epochDay, HOUR_MS, londonOffsetMs, MINUTE_MS } from './time.js';
import { TruthLedger } from './truth.js';
import { ukWeather } from './weather.js';

/** The model's time step. Steps are aligned to whole minutes of the epoch. */
export const STEP_MS = MINUTE_MS;

/** Room thermostat: the heating stops this far above the set-point and resumes below the lower margin. */
const ROOM_OFF_MARGIN_K = 0.7;
const ROOM_ON_MARGIN_K = 0.3;
/** Room feedback on the weather curve: K of flow per K of room error, and its limit. */
const ROOM_FEEDBACK_K_PER_K = 3;
const ROOM_FEEDBACK_LIMIT_K = 5;
/** Integral action on the room error (K of flow per K·hour), applied only near the set-point. */
const ROOM_INTEGRAL_K_PER_K_HOUR = 0.5;
const ROOM_INTEGRAL_BAND_K = 1;
/**
 * Below minimum modulation the unit cycles on an energy integral ("degree-minutes"): it runs at its
 * minimum until it has given this many hours' worth of its minimum output too much, and rests until
 * the same deficit builds up. 0.07 h keeps a healthy unit under about two starts an hour.
 */
const CYCLING_INTEGRAL_HOURS = 0.07;
const MIN_RUN_MS = 6 * MINUTE_MS;
const MIN_REST_MS = 6 * MINUTE_MS;
/**
 * While cycling, the water in the pipes and emitters buffers the on-phase: the flow runs at most this
 * far above the curve rather than at the emitters' steady state for the minimum output.
 */
const CYCLING_OVERSHOOT_K = 3;
/** The backup heater helps space heating only when it is cold and the room has fallen well behind. */
const BACKUP_BELOW_OUTDOOR_C = 2;
const BACKUP_ROOM_DEFICIT_K = 1;
/**
 * A defrost never pulls the flow below this: units end a defrost (or fire the backup heater) before
 * the plate heat exchanger risks freezing. Only a slow pump reaches it (the loop has no heat capacity
 * of its own in the model, so a low flow's drop compounds over the defrost's minutes).
 */
const DEFROST_MIN_FLOW_C = 10;
/** A still heating circuit cools towards the room with this time constant. */
const LOOP_COOLING_S = 1200;

const REGISTER_INDEX: Readonly<Record<RegisterChannel, number>> = {
  heat_energy: 0,
  electricity_energy: 1,
  gas_volume: 2,
  pv_energy: 3,
};

interface RegisterEvent {
  t: number;
  offset: number;
}

/** Validates the parts of a spec the physics divides by, so a typo fails loudly rather than as NaN. */
function checkSpec(spec: HomeSpec): void {
  const positive: [string, number][] = [
    ['heatLossWPerK', spec.heatLossWPerK],
    ['thermalMassKWhPerK', spec.thermalMassKWhPerK],
    ['ratedCapacityKw', spec.ratedCapacityKw],
    ['intervalSeconds', spec.intervalSeconds],
  ];
  const optional = {
    emitterMargin: spec.emitterMargin,
    designDeltaK: spec.designDeltaK,
    pumpLitresPerMin: spec.pumpLitresPerMin,
  };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) positive.push([name, value]);
  for (const [name, value] of positive) {
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`${spec.reference}: ${name} must be > 0`);
  }
  if (spec.designOutdoorC >= 15)
    throw new RangeError(`${spec.reference}: designOutdoorC must be below 15 °C`);
  if (spec.backupHeaterKw < 0 || spec.pvKwp < 0 || spec.hotWaterLitresPerDay < 0) {
    throw new RangeError(`${spec.reference}: backupHeaterKw, pvKwp and hotWaterLitresPerDay must be ≥ 0`);
  }
  if (spec.minModulation !== undefined && !(spec.minModulation > 0 && spec.minModulation <= 1))
    throw new RangeError(`${spec.reference}: minModulation must be in (0, 1]`);
}

/**
 * Simulates one home minute by minute: weather, the house, its heating (heat pump or boiler), hot
 * water and PV, the meters and the injected faults. See docs/simulator.md for the equations.
 */
export function simulateHome(spec: HomeSpec, options: SimulationOptions): Simulation {
  checkSpec(spec);
  const weather = options.weather ?? ukWeather(spec.seed);
  const start = options.start;
  const isHeatPump = spec.technology !== 'gas_boiler';
  const isAir = spec.technology === 'air_source_heat_pump';
  const meters = [...new Set(spec.meters)];
  const faults = spec.faults.map((f) => resolveFault(f, meters)).sort((a, b) => a.start - b.start);

  const seedOf = (purpose: string) => streamSeed(spec.seed, spec.reference, purpose);
  const drawSeed = seedOf('hot-water');
  const noiseSeed = seedOf('meter-noise');
  const registerSeed = seedOf('registers');
  const cyclingSeed = seedOf('short-cycling');

  // The plant.
  const ratedW = spec.ratedCapacityKw * 1000;
  const designDeltaK = spec.designDeltaK ?? (isHeatPump ? HEAT_PUMP_DESIGN_DELTA_K : BOILER_DESIGN_DELTA_K);
  const emitters = sizeEmitters(
    spec.heatLossWPerK,
    spec.designFlowTemperatureC,
    spec.designOutdoorC,
    designDeltaK,
    spec.emitterMargin,
  );
  const fixedFlow = spec.control === 'fixed_flow';
  // The pump runs at one speed, sized for the design difference at rated output: ṁ·c in W/K.
  const circuitWPerK =
    spec.pumpLitresPerMin === undefined
      ? ratedW / designDeltaK
      : (spec.pumpLitresPerMin / 60) * WATER_SPECIFIC_HEAT_KJ_PER_KG_K * 1000;
  const circuitLitresPerMin = (circuitWPerK / (WATER_SPECIFIC_HEAT_KJ_PER_KG_K * 1000)) * 60;
  const houseJPerK = spec.thermalMassKWhPerK * 3.6e6;
  const apertureM2 = solarApertureM2(spec.heatLossWPerK);
  const carnotFraction =
    spec.carnotFraction ?? (isAir ? DEFAULT_CARNOT_FRACTION_AIR : DEFAULT_CARNOT_FRACTION_GROUND);
  const evaporatorApproachK = isAir ? AIR_EVAPORATOR_APPROACH_K : BRINE_EVAPORATOR_APPROACH_K;
  const minModulation =
    spec.minModulation ??
    (isHeatPump ? (isAir ? MIN_MODULATION_AIR : MIN_MODULATION_GROUND) : BOILER_MIN_MODULATION);
  const backupW = spec.backupHeaterKw * 1000;
  const hasCylinder = spec.hotWaterLitresPerDay > 0;
  const cylLitres = cylinderLitres(spec.hotWaterLitresPerDay);
  const cylJPerK = cylLitres * WATER_SPECIFIC_HEAT_KJ_PER_KG_K * 1000;
  const cylLossWPerK = standingLossWPerK(cylLitres);
  const cylTargetC = spec.cylinderTargetC ?? (isHeatPump ? HEAT_PUMP_CYLINDER_C : BOILER_CYLINDER_C);
  const coilApproachK = isHeatPump ? HEAT_PUMP_COIL_APPROACH_K : BOILER_COIL_APPROACH_K;

  // The physics' state.
  const startOffset = londonOffsetMs(start);
  let indoorC = setpointC(spec.setpoint, ((((start + startOffset) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
  let cylinderC = cylTargetC - 3;
  let loopC = indoorC;
  let heatingOn = false;
  let lastSwitch = start - HOUR_MS;
  let surplusWh = 0;
  let roomSatisfied = false;
  let curveTrimK = 0;
  let compressorWasOn = false;
  let runStartedAt = start - HOUR_MS;
  let frost = 0.5 * hashUnit(seedOf('frost'), 0);
  let defrostStepsLeft = 0;
  let reheating = false;
  let legionella = false;
  let legionellaDay = -1;
  let shortCycleOn = false;
  let shortCycleUntil = Number.NEGATIVE_INFINITY;
  let shortCycles = 0;
  let drawDay = Number.NaN;
  let draws: DrawEvent[] = [];

  // Cumulative metered energies since the start, kWh: forward heat, electricity, gas, PV.
  const cumulative = new Float64Array(4);
  const stepStartCumulative = new Float64Array(4);
  const sampleEnergy = new Float64Array(4);
  const previousSampleEnergy = new Float64Array(4);
  const registerBase = REGISTER_CHANNELS.map((c) => registerStartValue(registerSeed, c));
  const registerEvents: RegisterEvent[][] = [[], [], [], []];
  const registerEventCursor = [0, 0, 0, 0];
  const registerOffset = [0, 0, 0, 0];
  const registerFaults = faults.filter(
    (f) =>
      (f.kind === 'register_reset' || f.kind === 'register_rollback') && f.channel && isRegister(f.channel),
  );
  let nextRegisterFault = 0;
  const stuckFaults = faults.filter((f) => f.kind === 'stuck_sensor' && f.channel !== undefined);
  const stuckValues = new Map<ResolvedFault, number>();
  const commFaults = faults.filter((f) => f.kind === 'communication_loss');
  const driftFaults = faults.filter((f) => f.kind === 'clock_drift');
  const lastStamp = new Map<MeterRole, number>();
  const physicsFaults = faults.filter((f) =>
    ['immersion_stuck_on', 'short_cycling', 'degraded_cop', 'high_flow_temperature'].includes(f.kind),
  );

  // What the meters see of the step being sampled.
  let stepFlowC = loopC;
  let stepReturnC = loopC;
  let stepLitresPerMin = 0;
  let stepToCylinder = false;
  /**
   * hot_water_mode readings waiting for their value: the valve's position at the stamp, i.e. in the
   * step that begins there (the platform attributes an interval to the flag at its start).
   */
  const flagReadings: SimReading[] = [];
  let stepOutdoorC = weather.at(start).outdoorC;
  let stepIndoorStartC = indoorC;
  let stepIndoorEndC = indoorC;

  const intervalMs = Math.round(spec.intervalSeconds * 1000);
  let nextSampleT = (Math.floor(start / intervalMs) + 1) * intervalMs;
  let previousSampleT = start;

  const ledger = new TruthLedger(isHeatPump);
  let physicsT = start;
  let now = start;
  let lastStepMs = STEP_MS;
  /** Readings taken after `until` (the last step overran it), with the true time they were taken. */
  let pending: { taken: number; reading: SimReading }[] = [];

  function runStep(s: number, e: number): void {
    const seconds = (e - s) / 1000;
    const hours = seconds / 3600;
    const w = weather.at(s);
    const outdoorC = w.outdoorC;
    const offsetMs = londonOffsetMs(s);
    const localMs = s + offsetMs;
    const localHour = (((localMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
    const setC = setpointC(spec.setpoint, localHour);

    let copFactor = 1;
    let flowOffsetC = 0;
    let immersionStuck = false;
    let shortCycling = false;
    for (const f of physicsFaults) {
      if (!isActive(f, s)) continue;
      if (f.kind === 'degraded_cop') copFactor *= f.factor;
      else if (f.kind === 'high_flow_temperature') flowOffsetC += f.offsetC;
      else if (f.kind === 'immersion_stuck_on') immersionStuck = true;
      else if (f.kind === 'short_cycling') shortCycling = true;
    }

    // Hot water: the day's draws, the cylinder's standing loss, and whether it calls for heat.
    let cylinderLossW = 0;
    if (hasCylinder) {
      const localDay = Math.floor(localMs / DAY_MS);
      if (localDay !== drawDay) {
        drawDay = localDay;
        draws = drawsOfDay(hash3(drawSeed, localDay), localDay * DAY_MS, offsetMs, spec.hotWaterLitresPerDay);
      }
      const coldC = coldWaterC(s);
      const litres = litresDrawn(draws, s, e);
      if (litres > 0)
        cylinderC = Math.max(coldC, cylinderC - (drawHeatKwh(litres, coldC) * 3.6e6) / cylJPerK);
      cylinderLossW = cylLossWPerK * (cylinderC - indoorC);
      cylinderC -= (cylinderLossW * seconds) / cylJPerK;
      if (cylinderC < cylTargetC - CYLINDER_HYSTERESIS_K) reheating = true;
      // Sunday (1970-01-01 was a Thursday) at 02:00 local: the weekly legionella cycle.
      if (
        backupW > 0 &&
        (localDay + 4) % 7 === 0 &&
        localHour >= LEGIONELLA_LOCAL_HOUR &&
        legionellaDay !== localDay
      ) {
        legionella = true;
        legionellaDay = localDay;
      }
      if (legionella && cylinderC >= LEGIONELLA_C) legionella = false;
    }

    // Space heating demand: weather curve with room feedback, behind a room thermostat.
    if (indoorC > setC + ROOM_OFF_MARGIN_K) roomSatisfied = true;
    else if (indoorC < setC + ROOM_ON_MARGIN_K) roomSatisfied = false;
    // A fixed-flow (room-stat) installation aims at the design flow whatever the weather.
    const curveC = fixedFlow
      ? spec.designFlowTemperatureC
      : weatherCompensatedFlowC(outdoorC, spec.designFlowTemperatureC, spec.designOutdoorC);
    const feedbackK = fixedFlow
      ? 0
      : Math.min(
          ROOM_FEEDBACK_LIMIT_K,
          Math.max(-ROOM_FEEDBACK_LIMIT_K, ROOM_FEEDBACK_K_PER_K * (setC - indoorC)),
        );
    // Slow integral action trims the curve so the room settles at its set-point, not just near it.
    if (
      !fixedFlow &&
      !roomSatisfied &&
      Math.abs(setC - indoorC) < ROOM_INTEGRAL_BAND_K &&
      outdoorC < HEATING_CUTOFF_OUTDOOR_C
    ) {
      curveTrimK += ROOM_INTEGRAL_K_PER_K_HOUR * (setC - indoorC) * hours;
      curveTrimK = Math.min(ROOM_FEEDBACK_LIMIT_K, Math.max(-ROOM_FEEDBACK_LIMIT_K, curveTrimK));
    }
    const targetFlowC = curveC + feedbackK + curveTrimK + flowOffsetC;
    const demandW =
      !roomSatisfied && outdoorC < HEATING_CUTOFF_OUTDOOR_C
        ? emitterOutputW(emitters, targetFlowC, indoorC)
        : 0;
    const capacityW = isAir ? ratedW * airCapacityFactor(outdoorC) : ratedW;
    const minW = Math.min(minModulation * ratedW, capacityW);

    let unitW = 0; // heat pump or boiler output, W
    let backupHeatW = 0;
    let defrostW = 0;
    let defrostElectricW = 0;
    let toCylinder = false;
    let cycling = false;
    if (defrostStepsLeft > 0) {
      defrostStepsLeft--;
      defrostW = DEFROST_HEAT_FRACTION * ratedW;
      defrostElectricW = DEFROST_ELECTRIC_FRACTION * ratedW;
    } else if (legionella) {
      toCylinder = true;
      backupHeatW = Math.min(backupW, ((LEGIONELLA_C + 0.5 - cylinderC) * cylJPerK) / seconds);
    } else if (reheating && hasCylinder) {
      toCylinder = true;
      const needW = ((cylTargetC + 0.5 - cylinderC) * cylJPerK) / seconds;
      unitW = Math.max(0, Math.min((isHeatPump ? 0.9 : 1) * capacityW, needW));
    } else if (shortCycling && outdoorC < HEATING_CUTOFF_OUTDOOR_C) {
      // The unit's own controls are at fault, so it cycles whatever the room thermostat says.
      if (s >= shortCycleUntil) {
        shortCycleOn = !shortCycleOn;
        shortCycles++;
        const minutes = (shortCycleOn ? 3 : 2) + Math.floor(3 * hashUnit(cyclingSeed, shortCycles));
        shortCycleUntil = s + minutes * MINUTE_MS;
      }
      heatingOn = shortCycleOn;
      unitW = heatingOn ? Math.min(capacityW, Math.max(minW, 2 * demandW)) : 0;
      cycling = true;
    } else if (demandW <= 0) {
      if (heatingOn) lastSwitch = s;
      heatingOn = false;
      surplusWh = 0;
    } else if (demandW >= minW) {
      if (!heatingOn) lastSwitch = s;
      heatingOn = true;
      surplusWh = 0;
      unitW = Math.min(demandW, capacityW);
      if (backupW > 0 && demandW > capacityW && outdoorC < BACKUP_BELOW_OUTDOOR_C) {
        if (indoorC < setC - BACKUP_ROOM_DEFICIT_K) backupHeatW = Math.min(backupW, demandW - capacityW);
      }
    } else {
      const threshold = minW * CYCLING_INTEGRAL_HOURS;
      if (heatingOn && surplusWh < -threshold && s - lastSwitch >= MIN_RUN_MS) {
        heatingOn = false;
        lastSwitch = s;
      } else if (!heatingOn && surplusWh > threshold && s - lastSwitch >= MIN_REST_MS) {
        heatingOn = true;
        lastSwitch = s;
      }
      unitW = heatingOn ? minW : 0;
      cycling = true;
      surplusWh = Math.min(2 * threshold, Math.max(-2 * threshold, surplusWh + (demandW - unitW) * hours));
    }
    if (immersionStuck && backupW > 0) backupHeatW = backupW;

    // The circuit: flow temperature from where the heat goes, return from the pump's flow.
    const circuitW = unitW + backupHeatW - defrostW;
    const pumping = circuitW !== 0;
    let flowC: number;
    if (!pumping) flowC = loopC;
    else if (defrostW > 0)
      flowC = Math.max(DEFROST_MIN_FLOW_C, loopC - defrostW / circuitWPerK + backupHeatW / circuitWPerK);
    else if (toCylinder) flowC = cylinderC + coilApproachK + (backupHeatW > 0 && unitW === 0 ? 2 : 0);
    else if (cycling)
      flowC = Math.min(flowForOutputC(emitters, circuitW, indoorC), targetFlowC + CYCLING_OVERSHOOT_K);
    else flowC = flowForOutputC(emitters, circuitW, indoorC);
    const returnC = pumping ? flowC - circuitW / circuitWPerK : loopC;
    loopC = pumping
      ? (flowC + returnC) / 2
      : loopC + (indoorC + 1 - loopC) * (1 - Math.exp(-seconds / LOOP_COOLING_S));

    // The unit's energy.
    const running = unitW > 0 || defrostW > 0;
    const starts = running && !compressorWasOn ? 1 : 0;
    if (starts) runStartedAt = s;
    compressorWasOn = running;
    let compressorElectricityKwh = 0;
    let compressorHeatKwh = 0;
    let gasKwh = 0;
    const unitKwh = (unitW * hours) / 1000;
    if (isHeatPump && unitW > 0) {
      const sourceC = isAir ? outdoorC : brineTemperatureC(s, unitW / ratedW);
      const startup = s - runStartedAt < STARTUP_MINUTES * MINUTE_MS ? STARTUP_COP_FACTOR : 1;
      const cop = carnotCop(flowC, sourceC, carnotFraction, evaporatorApproachK) * copFactor * startup;
      compressorElectricityKwh = unitKwh / cop;
      compressorHeatKwh = compressorElectricityKwh * cop;
      if (isAir) {
        frost += frostRatePerHour(outdoorC, w.humidity) * hours;
        if (frost >= 1) {
          frost = 0;
          defrostStepsLeft = DEFROST_MINUTES;
        }
      }
    } else if (!isHeatPump && unitW > 0) {
      compressorHeatKwh = unitKwh;
      gasKwh = unitKwh / condensingEfficiency(returnC);
    }
    const backupKwh = (backupHeatW * hours) / 1000;
    const defrostKwh = (defrostW * hours) / 1000;
    const auxW = isHeatPump
      ? HEAT_PUMP_STANDBY_W + (pumping ? HEAT_PUMP_PUMP_W : 0)
      : BOILER_STANDBY_W + (pumping ? BOILER_AUX_W : 0);
    const electricityKwh =
      compressorElectricityKwh + (defrostElectricW * hours) / 1000 + backupKwh + (auxW * hours) / 1000;
    const grossHeatKwh = compressorHeatKwh + backupKwh;
    const pvKwh = (pvPowerW(spec.pvKwp, w.solarWm2) * hours) / 1000;

    // The house and the cylinder move on.
    const spaceW = toCylinder ? -defrostW : circuitW;
    const gainsW = internalGainsW(localHour) + apertureM2 * w.solarWm2 + Math.max(0, cylinderLossW);
    stepIndoorStartC = indoorC;
    indoorC += ((spaceW + gainsW - spec.heatLossWPerK * (indoorC - outdoorC)) * seconds) / houseJPerK;
    stepIndoorEndC = indoorC;
    if (toCylinder) {
      cylinderC += (grossHeatKwh * 3.6e6) / cylJPerK;
      if (cylinderC >= cylTargetC) reheating = false;
    }

    stepFlowC = flowC;
    stepReturnC = returnC;
    stepLitresPerMin = pumping ? circuitLitresPerMin : 0;
    stepToCylinder = toCylinder;
    stepOutdoorC = outdoorC;
    for (let i = 0; i < 4; i++) stepStartCumulative[i] = cumulative[i] ?? 0;
    cumulative[0] = (cumulative[0] ?? 0) + grossHeatKwh;
    cumulative[1] = (cumulative[1] ?? 0) + electricityKwh;
    cumulative[2] = (cumulative[2] ?? 0) + gasKwh;
    cumulative[3] = (cumulative[3] ?? 0) + pvKwh;
    lastStepMs = e - s;
    const unitRan = running || backupHeatW > 0;
    ledger.add({
      day: epochDay(s),
      durationMs: e - s,
      outdoorC,
      spaceHeatingKwh: toCylinder ? -defrostKwh : grossHeatKwh - defrostKwh,
      hotWaterKwh: toCylinder ? grossHeatKwh : 0,
      electricityKwh,
      spaceHeatingElectricityKwh: toCylinder ? 0 : electricityKwh,
      hotWaterElectricityKwh: toCylinder ? electricityKwh : 0,
      runningHeatKwh: unitRan ? grossHeatKwh - defrostKwh : 0,
      runningElectricityKwh: unitRan ? electricityKwh : 0,
      backupElectricityKwh: backupKwh,
      defrostKwh,
      gasKwh,
      pvKwh,
      compressorElectricityKwh,
      compressorHeatKwh: isHeatPump ? compressorHeatKwh : 0,
      starts,
    });
  }

  /** Energy of accumulator i at time t inside the step just run. */
  function energyAt(i: number, t: number, s: number, e: number): number {
    const before = stepStartCumulative[i] ?? 0;
    return before + ((cumulative[i] ?? 0) - before) * ((t - s) / (e - s));
  }

  /** A register's reading before faults: the seeded start plus what has flowed through it. */
  function rawRegister(channel: RegisterChannel, energyKwh: number): number {
    const base = registerBase[REGISTER_CHANNELS.indexOf(channel)] ?? 0;
    return base + (channel === 'gas_volume' ? energyKwh / GAS_KWH_PER_M3 : energyKwh);
  }

  function applyRegisterFaults(s: number, e: number): void {
    while (nextRegisterFault < registerFaults.length) {
      const f = registerFaults[nextRegisterFault] as ResolvedFault;
      const at = Math.max(f.start, start);
      if (at > e) break;
      nextRegisterFault++;
      const channel = f.channel as RegisterChannel;
      const index = REGISTER_INDEX[channel];
      const energy = energyAt(index, Math.max(at, s), s, e);
      const current = registerOffset[REGISTER_CHANNELS.indexOf(channel)] ?? 0;
      const offset = f.kind === 'register_reset' ? -rawRegister(channel, energy) : current - f.amount;
      registerOffset[REGISTER_CHANNELS.indexOf(channel)] = offset;
      registerEvents[REGISTER_CHANNELS.indexOf(channel)]?.push({ t: at, offset });
    }
  }

  function registerReading(channel: RegisterChannel, t: number): number {
    const k = REGISTER_CHANNELS.indexOf(channel);
    const events = registerEvents[k] as RegisterEvent[];
    let cursor = registerEventCursor[k] ?? 0;
    while (cursor < events.length && (events[cursor] as RegisterEvent).t <= t) cursor++;
    registerEventCursor[k] = cursor;
    const offset = cursor > 0 ? (events[cursor - 1] as RegisterEvent).offset : 0;
    const energy = sampleEnergy[REGISTER_INDEX[channel]] ?? 0;
    return Math.max(0, roundTo(rawRegister(channel, energy) + offset, 3));
  }

  /** Mean power of accumulator i since the previous sample, W: so Σ power·Δt equals the register's rise. */
  function meanPowerW(i: number, t: number): number {
    const spanHours = (t - previousSampleT) / HOUR_MS;
    return spanHours > 0
      ? Math.round((((sampleEnergy[i] ?? 0) - (previousSampleEnergy[i] ?? 0)) * 1000) / spanHours)
      : 0;
  }

  function channelValue(channel: ChannelKey, t: number, s: number, e: number, sampleIndex: number): number {
    switch (channel) {
      case 'heat_energy':
      case 'electricity_energy':
      case 'pv_energy':
      case 'gas_volume':
        return registerReading(channel, t);
      case 'heat_power':
        return meanPowerW(0, t);
      case 'electricity_power':
        return meanPowerW(1, t);
      case 'pv_power':
        return meanPowerW(3, t);
      case 'flow_temperature':
      case 'return_temperature': {
        const common = HEAT_METER_COMMON_NOISE_C * hashGauss(noiseSeed, sampleIndex, 1);
        const own =
          HEAT_METER_DIFFERENTIAL_NOISE_C *
          hashGauss(noiseSeed, sampleIndex, channel === 'flow_temperature' ? 2 : 3);
        return roundTo((channel === 'flow_temperature' ? stepFlowC : stepReturnC) + common + own, 2);
      }
      case 'flow_rate':
        return roundTo(stepLitresPerMin, 2);
      case 'hot_water_mode':
        // Provisional: `advance` sets it to the next step's valve position once that step has run.
        return stepToCylinder ? 1 : 0;
      case 'indoor_temperature': {
        const indoor = stepIndoorStartC + (stepIndoorEndC - stepIndoorStartC) * ((t - s) / (e - s));
        return roundTo(
          indoor + ROOM_SENSOR_NOISE_C * hashGauss(noiseSeed, sampleIndex, 4),
          CHANNEL_DECIMALS[channel],
        );
      }
      case 'outdoor_temperature':
        return roundTo(stepOutdoorC + OUTDOOR_SENSOR_NOISE_C * hashGauss(noiseSeed, sampleIndex, 5), 1);
    }
  }

  function sample(t: number, s: number, e: number, until: number, out: SimReading[]): void {
    for (let i = 0; i < 4; i++) sampleEnergy[i] = energyAt(i, t, s, e);
    const sampleIndex = Math.round(t / intervalMs);
    let silent = false;
    for (const f of commFaults) if (isActive(f, t)) silent = true;
    for (const meter of meters) {
      let stamp = t;
      let drifting = false;
      for (const f of driftFaults) {
        if (f.meter !== meter) continue;
        drifting = true;
        stamp += clockDriftMs(f, t);
      }
      const channels = METER_CHANNELS[meter];
      for (let c = 0; c < channels.length; c++) {
        const channel = channels[c] as ChannelKey;
        let value = channelValue(channel, t, s, e, sampleIndex);
        let stuck = false;
        for (const f of stuckFaults) {
          if (f.channel !== channel || !isActive(f, t)) continue;
          stuck = true;
          const held = stuckValues.get(f);
          if (held === undefined) stuckValues.set(f, value);
          else value = held;
        }
        if (silent) continue;
        // A clock set back when the drift ends would repeat stamps already sent: the meter skips them.
        if (drifting && stamp <= (lastStamp.get(meter) ?? Number.NEGATIVE_INFINITY)) break;
        // A reading taken after `until` (the last step overran it) waits for the call that reaches
        // it; one taken in time goes out now, even stamped ahead by a fast clock, as a real meter's would.
        const reading = { meter, channel, t: stamp, value };
        if (channel === 'hot_water_mode' && !stuck) flagReadings.push(reading);
        if (t <= until) out.push(reading);
        else pending.push({ taken: t, reading });
      }
      if (drifting && !silent) lastStamp.set(meter, Math.max(lastStamp.get(meter) ?? stamp, stamp));
    }
    for (let i = 0; i < 4; i++) previousSampleEnergy[i] = sampleEnergy[i] ?? 0;
    previousSampleT = t;
  }

  function releasePending(until: number, out: SimReading[]): void {
    if (pending.length === 0) return;
    const keep: typeof pending = [];
    for (const p of pending) {
      if (p.taken <= until) out.push(p.reading);
      else keep.push(p);
    }
    pending = keep;
  }

  return {
    get now() {
      return now;
    },
    advance(until: number): SimReading[] {
      const out: SimReading[] = [];
      if (!(until > now)) return out;
      releasePending(until, out);
      // Up to and including the step that begins at `until`: a flag reading stamped `until` is that step's.
      while (physicsT <= until) {
        const s = physicsT;
        const e = Math.min(s + STEP_MS, (Math.floor(s / STEP_MS) + 1) * STEP_MS);
        runStep(s, e);
        for (const r of flagReadings) r.value = stepToCylinder ? 1 : 0;
        flagReadings.length = 0;
        applyRegisterFaults(s, e);
        physicsT = e;
        while (nextSampleT <= e) {
          sample(nextSampleT, s, e, until, out);
          nextSampleT += intervalMs;
        }
      }
      now = until;
      return out;
    },
    truth(): Truth {
      const unfinished = physicsT > now ? (physicsT - now) / lastStepMs : 0;
      return ledger.snapshot(unfinished, faults, start, now);
    },
  };
}
