import type { FaultSpec, HomeSpec, MeterRole, Technology } from './types.js';
import { variedHome } from './varied-fleet.js';

const DAY = 86_400_000;

/** Where the demo's homes are: north Wales, whose weather the simulator's defaults resemble. */
export const DEMO_PLACES = [
  { town: 'Llanberis', postcode: 'LL55 4UR' },
  { town: 'Caernarfon', postcode: 'LL55 1SH' },
  { town: 'Bangor', postcode: 'LL57 2DG' },
  { town: 'Bethesda', postcode: 'LL57 3AN' },
  { town: 'Porthmadog', postcode: 'LL49 9AB' },
] as const;

interface Variant {
  technology: Technology;
  heatLossWPerK: number;
  designFlowTemperatureC: number;
  backupHeaterKw: number;
  pvKwp: number;
  meters: MeterRole[];
}

const HEAT_PUMP_METERS: MeterRole[] = ['heat_meter', 'electricity_meter', 'indoor_sensor', 'outdoor_sensor'];
const ASHP = 'air_source_heat_pump';
const GSHP = 'ground_source_heat_pump';

/** The 20 demo homes: mostly air source, a few ground source, two gas boilers for comparison. */
const VARIANTS: Variant[] = [
  {
    technology: ASHP,
    heatLossWPerK: 140,
    designFlowTemperatureC: 45,
    backupHeaterKw: 3,
    pvKwp: 0,
    meters: HEAT_PUMP_METERS,
  },
  {
    technology: ASHP,
    heatLossWPerK: 110,
    designFlowTemperatureC: 40,
    backupHeaterKw: 0,
    pvKwp: 4,
    meters: [...HEAT_PUMP_METERS, 'pv_inverter'],
  },
  {
    technology: GSHP,
    heatLossWPerK: 180,
    designFlowTemperatureC: 40,
    backupHeaterKw: 3,
    pvKwp: 0,
    meters: HEAT_PUMP_METERS,
  },
  {
    technology: ASHP,
    heatLossWPerK: 160,
    designFlowTemperatureC: 50,
    backupHeaterKw: 3,
    pvKwp: 0,
    meters: HEAT_PUMP_METERS,
  },
  {
    technology: ASHP,
    heatLossWPerK: 95,
    designFlowTemperatureC: 35,
    backupHeaterKw: 0,
    pvKwp: 0,
    meters: ['heat_meter', 'electricity_meter', 'indoor_sensor'],
  },
  {
    technology: ASHP,
    heatLossWPerK: 210,
    designFlowTemperatureC: 50,
    backupHeaterKw: 3,
    pvKwp: 3,
    meters: [...HEAT_PUMP_METERS, 'pv_inverter'],
  },
  {
    technology: 'gas_boiler',
    heatLossWPerK: 170,
    designFlowTemperatureC: 70,
    backupHeaterKw: 0,
    pvKwp: 0,
    meters: ['gas_meter', 'heat_meter', 'electricity_meter', 'indoor_sensor'],
  },
  {
    technology: ASHP,
    heatLossWPerK: 125,
    designFlowTemperatureC: 45,
    backupHeaterKw: 3,
    pvKwp: 0,
    meters: HEAT_PUMP_METERS,
  },
  {
    technology: GSHP,
    heatLossWPerK: 240,
    designFlowTemperatureC: 45,
    backupHeaterKw: 6,
    pvKwp: 0,
    meters: HEAT_PUMP_METERS,
  },
  {
    technology: ASHP,
    heatLossWPerK: 150,
    designFlowTemperatureC: 45,
    backupHeaterKw: 3,
    pvKwp: 0,
    meters: HEAT_PUMP_METERS,
  },
];

/**
 * The faults the demo's homes carry, by home number, relative to the simulation's start (the
 * commissioning day; the first run backfills 60 days from it). Some ended in the history, some go
 * on past the backfill into live data.
 */
function demoFaults(homeNo: number, start: number): FaultSpec[] {
  const at = (days: number) => start + days * DAY;
  switch (homeNo) {
    case 4:
      return [{ kind: 'communication_loss', start: at(20), durationMs: 2 * DAY }];
    case 6:
      return [{ kind: 'degraded_cop', start: at(40), durationMs: 365 * DAY, params: { factor: 0.6 } }];
    case 8:
      return [{ kind: 'immersion_stuck_on', start: at(52), durationMs: 3 * DAY }];
    case 10:
      return [{ kind: 'short_cycling', start: at(45), durationMs: 365 * DAY }];
    case 12:
      return [{ kind: 'stuck_sensor', channel: 'outdoor_temperature', start: at(30), durationMs: 10 * DAY }];
    case 14:
      return [
        {
          // A reset, not a rollback: ingest refuses a register that falls to anything but near 0.
          kind: 'register_reset',
          channel: 'heat_energy',
          start: at(35),
          durationMs: DAY,
        },
      ];
    case 16:
      return [
        { kind: 'high_flow_temperature', start: at(50), durationMs: 365 * DAY, params: { offsetC: 12 } },
      ];
    case 18:
      return [
        {
          kind: 'clock_drift',
          meter: 'electricity_meter',
          start: at(55),
          durationMs: 3 * DAY,
          params: { secondsPerDay: 120 },
        },
      ];
    case 20:
      return [{ kind: 'communication_loss', start: at(59.5), durationMs: 365 * DAY }];
    default:
      return [];
  }
}

export interface FleetOptions {
  /** epoch ms: the simulation's start (midnight UTC of the commissioning day) */
  start: number;
  /** how many homes (default 20) */
  homes?: number;
  /** order reference prefix (default DEMO) */
  prefix?: string;
  /**
   * seconds between readings (default 300; homes 1, 2 and 10 read every 60 s: home 10's short cycling
   * needs frequent power readings to be seen)
   */
  intervalSeconds?: number;
  /** leave the faults out (default: the demo's faults) */
  faults?: boolean;
  /**
   * Vary the heat pump homes as real installations vary (`variedHome`, seed 2026): each keeps its
   * variant's technology, meters, backup heater, PV, reading interval, weather seed and faults, and
   * draws the rest (size, sizing, design flow, emitters, pump, Carnot fraction, set-backs, hot
   * water). Every home weather-compensates: a fixed flow is what the high flow rule reports. The
   * gas boilers stay as they are. Default false: the tidy homes that analytics tests pin figures on.
   * `runDemo` and `npm run simulate` use the varied homes.
   */
  varied?: boolean;
}

/** The demo home with the high flow temperature fault, which stays tidy in the varied demo. */
const HIGH_FLOW_HOME = 16;

/** The seed of the demo's varied homes. */
export const DEMO_VARIED_SEED = 2043;

/** The demo fleet: `homes` homes of mixed technologies and sizes, some with faults. Deterministic. */
export function demoFleet(options: FleetOptions): HomeSpec[] {
  const count = options.homes ?? 20;
  const prefix = options.prefix ?? 'DEMO';
  const specs: HomeSpec[] = [];
  for (let i = 0; i < count; i++) {
    const homeNo = i + 1;
    const variant = VARIANTS[i % VARIANTS.length] as Variant;
    // A second pass over the variants gives slightly different houses, not copies.
    const scale = 1 + 0.12 * Math.floor(i / VARIANTS.length);
    const heatLossWPerK = Math.round(variant.heatLossWPerK * scale);
    const designOutdoorC = -3;
    const designLoadKw = (heatLossWPerK * (20 - designOutdoorC)) / 1000;
    const heatPump = variant.technology !== 'gas_boiler';
    const tidy: HomeSpec = {
      reference: `${prefix}-${String(homeNo).padStart(3, '0')}`,
      technology: variant.technology,
      seed: 1000 + homeNo,
      heatLossWPerK,
      thermalMassKWhPerK: Math.round((heatLossWPerK / 14) * 10) / 10,
      setpoint: { dayC: 20 + (i % 3) * 0.5, nightC: 17 + (i % 2), dayStartHour: 6 + (i % 2), dayEndHour: 22 },
      hotWaterLitresPerDay: 100 + (i % 4) * 30,
      // Sized as an installer would: the design load with a margin, to the next whole kW.
      ratedCapacityKw: heatPump ? Math.ceil(designLoadKw * 1.15) : 24,
      designFlowTemperatureC: variant.designFlowTemperatureC,
      designOutdoorC,
      backupHeaterKw: variant.backupHeaterKw,
      pvKwp: variant.pvKwp,
      meters: variant.meters,
      intervalSeconds: options.intervalSeconds ?? (homeNo <= 2 || homeNo === 10 ? 60 : 300),
      faults: options.faults === false ? [] : demoFaults(homeNo, options.start),
    };
    // DEMO-016's raised curve shows as a high flow only if its unit can deliver the raised flow: the
    // varied draws for its slot are capacity-limited there (the room thermostat cycles them instead),
    // so the demo keeps its tidy home and the story of a fault the flow rule finds within a day.
    if (!options.varied || variant.technology === 'gas_boiler' || homeNo === HIGH_FLOW_HOME) {
      specs.push(tidy);
      continue;
    }
    const drawn = variedHome(
      { seed: DEMO_VARIED_SEED, prefix: 'DEMO', fixedFlowShare: 0 },
      i,
      variant.technology,
    );
    specs.push({
      ...drawn,
      reference: tidy.reference,
      seed: tidy.seed,
      backupHeaterKw: tidy.backupHeaterKw,
      pvKwp: tidy.pvKwp,
      meters: tidy.meters,
      intervalSeconds: tidy.intervalSeconds,
      faults: tidy.faults,
    });
  }
  return specs;
}

/** Where demo home `index` (0-based) is, for its order's property. */
export function demoPlace(index: number): (typeof DEMO_PLACES)[number] {
  return DEMO_PLACES[index % DEMO_PLACES.length] as (typeof DEMO_PLACES)[number];
}
