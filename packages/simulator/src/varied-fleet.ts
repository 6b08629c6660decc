/**
 * A fleet that varies the way real UK retrofit heat pump installations do: the unit's quality, its
 * sizing, the design flow temperature and the emitters, the pump's flow rate, the controls, set-backs
 * and hot water. Every home is a pure function of (seed, prefix, index): the same options always give
 * the same homes, and home n is the same whatever `count` is. The distributions and their sources are
 * in docs/simulator.md, "A varied fleet".
 */
import { airCapacityFactor } from './model/heat-pump.js';
import { hashGauss, hashString, hashUnit, mix32 } from './model/random.js';
import type { HeatingControl, HomeSpec, MeterRole, Technology } from './types.js';

export interface VariedFleetOptions {
  /** How many homes. */
  count: number;
  /** Seed of the fleet: another seed gives another fleet of the same kind. */
  seed: number;
  /** Order reference prefix (default HOME): references are `<prefix>-001` … */
  prefix?: string;
  /** Seconds between readings of every meter (default 300). */
  intervalSeconds?: number;
  /** Share of ground source heat pumps, 0–1 (default 0.1); the others are air source. */
  groundSourceShare?: number;
  /** Share of fixed-flow, on/off room-thermostat controls, 0–1 (default 0.25); the others weather-compensate. */
  fixedFlowShare?: number;
  /**
   * One weather for every home (the built-in weather's seed). Default: each home has its own, as a
   * fleet spread over the country does.
   */
  weatherSeed?: number;
}

/** The options' defaults. */
export const VARIED_FLEET_DEFAULTS = {
  prefix: 'HOME',
  intervalSeconds: 300,
  groundSourceShare: 0.1,
  fixedFlowShare: 0.25,
} as const;

/** Catalogue sizes of domestic heat pumps, kW. */
const AIR_SIZES_KW = [4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16];
const GROUND_SIZES_KW = [6, 8, 10, 12, 14, 16];

/** Design flow temperatures as UK retrofit designs choose them, °C, with their shares. */
const DESIGN_FLOW_C: readonly (readonly [number, number])[] = [
  [35, 0.15],
  [38, 0.1],
  [40, 0.3],
  [45, 0.2],
  [50, 0.15],
  [55, 0.1],
];
/** The emitters' design flow–return difference, K, with shares. */
const DESIGN_DELTA_K: readonly (readonly [number, number])[] = [
  [4, 0.1],
  [5, 0.45],
  [6, 0.2],
  [7, 0.15],
  [8, 0.1],
];
/**
 * Spread of the Carnot fraction between installations, as a normal split at its median: models differ
 * both ways (EN 14511 A7/W35 COPs of about 4 to 5), while installations mostly lose (refrigerant
 * charge, siting and recirculation, defrost control, pumps and controls), so the spread below the
 * median is wider than above it.
 */
const CARNOT_SD_ABOVE = 0.08;
const CARNOT_SD_BELOW = 0.11;
/** The Carnot fraction's median and range, air source and ground source. */
const CARNOT_AIR = { median: 0.45, min: 0.28, max: 0.59 } as const;
const CARNOT_GROUND = { median: 0.5, min: 0.33, max: 0.64 } as const;
/** Median flow–return difference the pump gives at the design heat loss, K. */
const PUMP_DELTA_MEDIAN_K = 6;
const CYLINDER_TARGET_C: readonly (readonly [number, number])[] = [
  [45, 0.2],
  [48, 0.2],
  [50, 0.4],
  [55, 0.2],
];
const BACKUP_KW: readonly (readonly [number, number])[] = [
  [0, 0.3],
  [3, 0.55],
  [6, 0.15],
];

const HEAT_PUMP_METERS: MeterRole[] = ['heat_meter', 'electricity_meter', 'indoor_sensor', 'outdoor_sensor'];

/** The draws of one home: uniform and normal numbers from the fleet's stream, one index per quantity. */
function drawsOf(fleetSeed: number, index: number) {
  let k = 0;
  return {
    unit: () => hashUnit(fleetSeed, index, k++),
    gauss: () => hashGauss(fleetSeed, index, k++),
  };
}

function pick<T>(table: readonly (readonly [T, number])[], u: number): T {
  let cumulative = 0;
  for (const [value, share] of table) {
    cumulative += share;
    if (u < cumulative) return value;
  }
  return (table.at(-1) as readonly [T, number])[0];
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
/** x to the nearest multiple of step, without binary noise for steps like 0.1 (1/step is whole). */
const round = (x: number, step: number) =>
  step >= 1 ? Math.round(x / step) * step : Math.round(x / step) / Math.round(1 / step);
/** Log-normal with the given median and sd of the logarithm, from a standard normal draw. */
const logNormal = (median: number, sdLog: number, z: number) => median * Math.exp(sdLog * z);

/**
 * `count` heat pump homes drawn from distributions typical of UK retrofit installations (see
 * docs/simulator.md, "A varied fleet"). Deterministic: home n depends only on the seed, the prefix and
 * n. No faults; add them to the specs as needed.
 */
export function variedFleet(options: VariedFleetOptions): HomeSpec[] {
  return Array.from({ length: options.count }, (_, i) => variedHome(options, i));
}

/**
 * Home `index` (0-based) of `variedFleet(options)`; with `forced`, the same draws for that
 * technology (the demo keeps its homes' technologies and varies the rest).
 */
export function variedHome(
  options: Omit<VariedFleetOptions, 'count'>,
  index: number,
  forced?: Exclude<Technology, 'gas_boiler'>,
): HomeSpec {
  const i = index;
  const prefix = options.prefix ?? VARIED_FLEET_DEFAULTS.prefix;
  const groundShare = options.groundSourceShare ?? VARIED_FLEET_DEFAULTS.groundSourceShare;
  const fixedShare = options.fixedFlowShare ?? VARIED_FLEET_DEFAULTS.fixedFlowShare;
  const intervalSeconds = options.intervalSeconds ?? VARIED_FLEET_DEFAULTS.intervalSeconds;
  const fleetSeed = mix32((options.seed >>> 0) ^ hashString(`varied-fleet:${prefix}`));
  const d = drawsOf(fleetSeed, i);
  const drawn: Technology = d.unit() < groundShare ? 'ground_source_heat_pump' : 'air_source_heat_pump';
  const technology = forced ?? drawn;
  const ground = technology === 'ground_source_heat_pump';
  const heatLossWPerK = Math.round(clamp(logNormal(150, 0.35, d.gauss()), 70, 400));
  const thermalMassKWhPerK = round(clamp((heatLossWPerK / 14) * Math.exp(0.25 * d.gauss()), 4, 30), 0.1);
  const designOutdoorC = round(-1.5 - 3 * d.unit(), 0.1);
  // Sized so the output at the design outdoor temperature covers the design heat loss with a margin,
  // then rounded up to a catalogue size: many installations end up well oversized.
  const sizing = clamp(logNormal(1.2, 0.2, d.gauss()), 0.9, 2.2);
  const designLoadKw = (heatLossWPerK * (21 - designOutdoorC)) / 1000;
  const atDesign = ground ? 1 : airCapacityFactor(designOutdoorC);
  const sizes = ground ? GROUND_SIZES_KW : AIR_SIZES_KW;
  const ratedCapacityKw =
    sizes.find((kw) => kw * atDesign >= designLoadKw * sizing) ?? (sizes.at(-1) as number);
  const carnot = ground ? CARNOT_GROUND : CARNOT_AIR;
  const carnotZ = d.gauss();
  const carnotFraction = round(
    clamp(
      carnot.median + carnotZ * (carnotZ < 0 ? CARNOT_SD_BELOW : CARNOT_SD_ABOVE),
      carnot.min,
      carnot.max,
    ),
    0.001,
  );
  const designFlowTemperatureC = pick(DESIGN_FLOW_C, d.unit());
  const emitterMargin = round(clamp(logNormal(1.2, 0.15, d.gauss()), 0.95, 1.8), 0.01);
  const designDeltaK = pick(DESIGN_DELTA_K, d.unit());
  // The fixed-speed pump's flow: set for a difference at the design heat loss that is often wider
  // than the emitters' design (pump speed left low, long or narrow pipe runs).
  const pumpDeltaK = clamp(logNormal(PUMP_DELTA_MEDIAN_K, 0.3, d.gauss()), 3.5, 12);
  const pumpLitresPerMin = round((designLoadKw / (4.186 * pumpDeltaK)) * 60, 0.1);
  const control: HeatingControl = d.unit() < fixedShare ? 'fixed_flow' : 'weather_compensation';
  const minModulation = round(ground ? 0.3 + 0.2 * d.unit() : 0.25 + 0.25 * d.unit(), 0.01);
  const dayC = clamp(round(20.3 + 0.6 * d.gauss(), 0.5), 18.5, 22);
  const hasSetback = d.unit() >= 0.45;
  const setbackDepthK = round(1 + 2 * d.unit(), 0.5);
  const setbackK = hasSetback ? setbackDepthK : 0;
  const dayStartHour = 5 + Math.floor(3 * d.unit());
  const dayEndHour = 22 + Math.floor(2 * d.unit());
  const hotWaterLitresPerDay = round(clamp(logNormal(120, 0.35, d.gauss()), 50, 260), 10);
  const cylinderTargetC = pick(CYLINDER_TARGET_C, d.unit());
  const backupHeaterKw = pick(BACKUP_KW, d.unit());
  const hasPv = d.unit() < 0.25;
  const pvSizeKwp = round(2 + 3 * d.unit(), 0.5);
  const pvKwp = hasPv ? pvSizeKwp : 0;
  const homeSeed = options.weatherSeed ?? hashUnit(fleetSeed, i, 999) * 2 ** 31;
  return {
    reference: `${prefix}-${String(i + 1).padStart(3, '0')}`,
    technology,
    seed: Math.floor(homeSeed),
    heatLossWPerK,
    thermalMassKWhPerK,
    setpoint: { dayC, nightC: dayC - setbackK, dayStartHour, dayEndHour },
    hotWaterLitresPerDay,
    ratedCapacityKw,
    designFlowTemperatureC,
    designOutdoorC,
    carnotFraction,
    emitterMargin,
    designDeltaK,
    pumpLitresPerMin,
    control,
    minModulation,
    cylinderTargetC,
    backupHeaterKw,
    pvKwp,
    meters: pvKwp > 0 ? [...HEAT_PUMP_METERS, 'pv_inverter'] : [...HEAT_PUMP_METERS],
    intervalSeconds,
    faults: [],
  };
}
