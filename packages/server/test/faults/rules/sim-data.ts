/**
 * Runs the simulator and aggregates its readings in memory into `HomeFacts` exactly as the server's
 * hourly rollups would (count, sum, min, max, first/last, register delta, power above/starts), so
 * the rules can be tested against realistic homes and injected faults without a database.
 */
import {
  type ChannelKey,
  type HomeSpec,
  METER_CHANNELS,
  type MeterRole,
  orderFor,
  serialOf,
  simulateHome,
  type Truth,
  type WeatherSource,
} from '@hearth/simulator';
import type { ChannelData, HomeFacts, HourBucket } from '../../../src/faults/rules/types.js';
import { compressorStartThresholdW } from '../../../src/performance/formulas.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const REGISTERS: ReadonlySet<ChannelKey> = new Set([
  'heat_energy',
  'electricity_energy',
  'pv_energy',
  'gas_volume',
]);

const UNITS: Readonly<Record<ChannelKey, string>> = {
  heat_energy: 'kWh',
  heat_power: 'W',
  flow_temperature: '°C',
  return_temperature: '°C',
  flow_rate: 'l/min',
  hot_water_mode: '1',
  electricity_energy: 'kWh',
  electricity_power: 'W',
  indoor_temperature: '°C',
  outdoor_temperature: '°C',
  pv_energy: 'kWh',
  pv_power: 'W',
  gas_volume: 'm³',
};

/** The compressor's start threshold, the server's own (performance and the fault loader share it). */
export function startThresholdW(spec: HomeSpec): number {
  return compressorStartThresholdW(spec.ratedCapacityKw);
}

/** One channel's readings in time order, with its complete hourly buckets precomputed. */
interface SimChannel {
  meta: Omit<ChannelData, 'lastT' | 'hours'>;
  register: boolean;
  thresholdW: number | undefined;
  t: number[];
  v: number[];
  /** buckets of every hour with readings, oldest first */
  buckets: HourBucket[];
  /** each bucket's hour (for the binary searches of factsAt) */
  bucketHours: number[];
}

export interface SimRun {
  spec: HomeSpec;
  start: number;
  end: number;
  truth: Truth;
  facts: Omit<HomeFacts, 'channels'>;
  channels: SimChannel[];
}

function meterMeta(
  spec: HomeSpec,
  role: MeterRole,
): Pick<ChannelData, 'meterKind' | 'location' | 'measures'> {
  switch (role) {
    case 'heat_meter':
    case 'gas_meter':
    case 'pv_inverter':
      return { meterKind: role };
    case 'electricity_meter':
      // As orderFor: the circuit includes the backup/immersion heater when there is one.
      return {
        meterKind: 'electricity_meter',
        measures:
          spec.technology === 'gas_boiler'
            ? 'circulation_pump'
            : spec.backupHeaterKw > 0
              ? 'heat_pump_and_backup'
              : 'heat_pump',
      };
    case 'indoor_sensor':
      return { meterKind: 'temperature_sensor', location: 'indoor' };
    case 'outdoor_sensor':
      return { meterKind: 'temperature_sensor', location: 'outdoor' };
  }
}

/** The bucket of readings [i, j) of a channel; `prev` is the reading before i (for the delta and starts). */
function bucketOf(ch: SimChannel, hour: number, i: number, j: number): HourBucket {
  const first = ch.v[i] as number;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let delta = 0;
  let above = 0;
  let starts = 0;
  for (let k = i; k < j; k++) {
    const v = ch.v[k] as number;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    const prev = k > 0 ? ch.v[k - 1] : undefined;
    if (ch.register && prev !== undefined && v > prev) delta += v - prev;
    if (ch.thresholdW !== undefined && v > ch.thresholdW) {
      above++;
      // As the server's SQL (lag() is NULL for the first reading): a start needs a reading before it.
      if (prev !== undefined && prev <= ch.thresholdW) starts++;
    }
  }
  return {
    hour,
    count: j - i,
    sum,
    min,
    max,
    firstT: ch.t[i] as number,
    firstV: first,
    lastT: ch.t[j - 1] as number,
    lastV: ch.v[j - 1] as number,
    delta,
    ...(ch.thresholdW === undefined ? {} : { above, starts }),
  };
}

function precomputeBuckets(ch: SimChannel): void {
  let i = 0;
  while (i < ch.t.length) {
    const hour = Math.floor((ch.t[i] as number) / HOUR) * HOUR;
    let j = i;
    while (j < ch.t.length && (ch.t[j] as number) < hour + HOUR) j++;
    ch.buckets.push(bucketOf(ch, hour, i, j));
    ch.bucketHours.push(hour);
    i = j;
  }
}

/** Index of the first element of `a` (sorted ascending) > x. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A metering fault the simulator does not model, applied to its readings: the heat meter over-reads
 * by `factor` in [start, end) (a wrong pulse value, a meter set for the wrong pipe size): its
 * register counts `factor` × the heat from `start` on (and counts on from there afterwards), its
 * power reads `factor` × in the window. The physics, flow and temperatures are untouched.
 */
export interface HeatMeterScale {
  kind: 'heat_meter_scale';
  start: number;
  end: number;
  factor: number;
}

export interface SimulateOptions {
  start: number;
  days: number;
  weather?: WeatherSource;
  meterFaults?: HeatMeterScale[];
}

/** Applies a heat meter fault to the meter's power and energy channels (readings in time order). */
function applyMeterFault(
  power: SimChannel | undefined,
  energy: SimChannel | undefined,
  f: HeatMeterScale,
): void {
  if (power) {
    for (let k = 0; k < power.t.length; k++) {
      const t = power.t[k] as number;
      if (t >= f.start && t < f.end) power.v[k] = Math.round((power.v[k] as number) * f.factor);
    }
  }
  if (!energy) return;
  let base: number | undefined;
  let extra = 0;
  let previous: number | undefined;
  for (let k = 0; k < energy.t.length; k++) {
    const t = energy.t[k] as number;
    const v = energy.v[k] as number;
    if (t >= f.start && t < f.end) {
      base ??= previous ?? v;
      extra = (v - base) * (f.factor - 1);
    }
    previous = v;
    energy.v[k] = Math.round((v + extra) * 1000) / 1000;
  }
}

/** Puts a channel's readings in time order; readings of one instant keep the simulator's order. */
function sortByTime(ch: SimChannel): void {
  let sorted = true;
  for (let k = 1; k < ch.t.length && sorted; k++) sorted = (ch.t[k - 1] as number) <= (ch.t[k] as number);
  if (sorted) return;
  // Array.prototype.sort is stable: as sorting all the readings by time and then splitting them.
  const order = ch.t.map((_, k) => k).sort((a, b) => (ch.t[a] as number) - (ch.t[b] as number));
  const t = order.map((k) => ch.t[k] as number);
  const v = order.map((k) => ch.v[k] as number);
  ch.t = t;
  ch.v = v;
}

/** Simulates a home from `start` for `days` and keeps its readings by channel, bucketed by UTC hour. */
export function simulate(spec: HomeSpec, options: SimulateOptions): SimRun {
  const { start } = options;
  const end = start + options.days * DAY;
  const sim = simulateHome(spec, { start, ...(options.weather ? { weather: options.weather } : {}) });
  const order = orderFor(spec, {
    commissioningDate: new Date(start).toISOString().slice(0, 10),
    delivery: 'push',
  });
  const channels: SimChannel[] = [];
  const byKey = new Map<MeterRole, Map<ChannelKey, SimChannel>>();
  for (const role of spec.meters) {
    for (const key of METER_CHANNELS[role]) {
      const serial = serialOf(spec.reference, role);
      const ch: SimChannel = {
        meta: {
          channelId: `${serial}:${key}`,
          key,
          kind: REGISTERS.has(key) ? 'register' : 'instantaneous',
          unit: UNITS[key],
          meterId: serial,
          meterSerial: serial,
          ...meterMeta(spec, role),
          intervalSeconds: spec.intervalSeconds,
          expectedFrom: start,
        },
        register: REGISTERS.has(key),
        thresholdW: key === 'electricity_power' ? startThresholdW(spec) : undefined,
        t: [],
        v: [],
        buckets: [],
        bucketHours: [],
      };
      channels.push(ch);
      const ofMeter = byKey.get(role) ?? new Map<ChannelKey, SimChannel>();
      ofMeter.set(key, ch);
      byKey.set(role, ofMeter);
    }
  }
  // Each channel's readings as they come, then in time order (as one sort of all the readings would).
  for (let t = start + DAY; t <= end; t += DAY) {
    for (const r of sim.advance(t)) {
      const ch = byKey.get(r.meter)?.get(r.channel);
      if (!ch) continue;
      ch.t.push(r.t);
      ch.v.push(r.value);
    }
  }
  for (const ch of channels) sortByTime(ch);
  const heatMeter = byKey.get('heat_meter');
  for (const f of options.meterFaults ?? [])
    applyMeterFault(heatMeter?.get('heat_power'), heatMeter?.get('heat_energy'), f);
  for (const ch of channels) precomputeBuckets(ch);
  const installation = order.installation ?? {};
  return {
    spec,
    start,
    end,
    truth: sim.truth(),
    facts: {
      homeId: spec.reference,
      technology: spec.technology,
      design: {
        ...(installation.designFlowTemperatureC === undefined
          ? {}
          : { flowTemperatureC: installation.designFlowTemperatureC }),
        ...(installation.heatingControl === undefined ? {} : { heatingControl: installation.heatingControl }),
        ...(installation.designSpf === undefined ? {} : { spf: installation.designSpf }),
        ...(installation.designHeatLossWPerK === undefined
          ? {}
          : { heatLossWPerK: installation.designHeatLossWPerK }),
      },
      timeZone: 'Europe/London',
    },
    channels,
  };
}

/**
 * The home's facts at `at` as the evaluator would load them: hours of [at − lookback, at], readings
 * at or before `at` only (the hour containing `at` is cut at `at`).
 */
export function factsAt(run: SimRun, at: number, lookbackHours: number): HomeFacts {
  const fromHour = Math.floor((at - lookbackHours * HOUR) / HOUR) * HOUR;
  const cut = cutAt(run, at);
  const channels: ChannelData[] = run.channels.map((ch, k) => {
    const b0 = upperBound(ch.bucketHours, fromHour - 1);
    const hours = ch.buckets.slice(b0, cut.complete[k]);
    const current = cut.current[k];
    if (current) hours.push(current);
    // Not `{ ...ch.meta, lastT, hours }`: V8 11 (Node 20) copies a spread followed by more properties
    // on a slow path, about 2 µs an object, which was most of the time factsAt took.
    return Object.assign({}, ch.meta, { lastT: cut.lastT[k] as number | null, hours });
  });
  return Object.assign({}, run.facts, { channels });
}

/**
 * What of each channel is known at `at`, whatever the lookback: its last reading's time, its complete
 * hours before `at`'s hour, and the hour containing `at` cut at `at` (only its readings at or before
 * it). Kept for the latest `at` of each run, since the evaluator's rules ask at one instant in turn.
 */
interface Cut {
  at: number;
  lastT: (number | null)[];
  /** index past the last complete hour before `at`'s hour, in the channel's buckets */
  complete: number[];
  current: (HourBucket | undefined)[];
}
const cuts = new WeakMap<SimRun, Cut>();

function cutAt(run: SimRun, at: number): Cut {
  const cached = cuts.get(run);
  if (cached?.at === at) return cached;
  const atHour = Math.floor(at / HOUR) * HOUR;
  const cut: Cut = { at, lastT: [], complete: [], current: [] };
  for (const ch of run.channels) {
    const n = upperBound(ch.t, at);
    cut.lastT.push(n > 0 ? (ch.t[n - 1] as number) : null);
    cut.complete.push(upperBound(ch.bucketHours, atHour - 1));
    const i = upperBound(ch.t, atHour - 1);
    cut.current.push(n > i ? bucketOf(ch, atHour, i, n) : undefined);
  }
  cuts.set(run, cut);
  return cut;
}

/** The healthy reference home (as the simulator's own tests use), with overrides. */
export function home(overrides: Partial<HomeSpec> = {}): HomeSpec {
  return {
    reference: 'SIM-001',
    technology: 'air_source_heat_pump',
    seed: 42,
    heatLossWPerK: 120,
    thermalMassKWhPerK: 8,
    setpoint: { dayC: 20, nightC: 18, dayStartHour: 6, dayEndHour: 22 },
    hotWaterLitresPerDay: 150,
    ratedCapacityKw: 8,
    designFlowTemperatureC: 45,
    designOutdoorC: -3,
    carnotFraction: 0.45,
    backupHeaterKw: 3,
    pvKwp: 0,
    meters: ['heat_meter', 'electricity_meter', 'indoor_sensor', 'outdoor_sensor'],
    intervalSeconds: 60,
    faults: [],
    ...overrides,
  };
}
