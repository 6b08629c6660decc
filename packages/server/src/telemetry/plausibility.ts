import { HOUR } from '../analytics/buckets.js';
import type { RefusalReason } from './types.js';

/**
 * What a reading can physically be, per quantity and per meter (docs/telemetry.md, "Plausibility").
 * A value outside these limits is not a measurement but a fault (a sensor wire, a parser, a
 * gateway bug), and storing it would poison every sum built on it.
 */

/** °C: colder than any inhabited winter, hotter than any sealed wet heating or hot water system. */
export const TEMPERATURE_MIN_C = -50;
export const TEMPERATURE_MAX_C = 150;
/** Heat or electricity through a heat pump's meters: at most this many times its rated kW. */
export const CAPACITY_FACTOR = 4;
/** W: the ceiling of a power without a rated capacity to go by, and of a whole house's supply. */
export const ABSOLUTE_POWER_W = 100_000;
/** l/min: about 18 m³/h, a DN40 pipe at 4 m/s; a domestic circuit runs 5–90. */
export const FLOW_MAX_L_PER_MIN = 300;
/** m³/h: the maximum flow of a G25 gas meter, bigger than any home's. */
export const VOLUME_MAX_PER_HOUR = 40;
/** kWh or m³: nine digits, more than any home meter's register shows. */
export const REGISTER_MAX = 1e9;
/** kWh or m³: a register that counts whole units may step by one at any moment. */
export const REGISTER_STEP = 1;

/** What ingest knows about a channel to judge a reading of it. */
export interface ChannelNature {
  quantity: string;
  kind: 'register' | 'instantaneous';
  meterKind: string;
  /** electricity meters: the circuit metered (`whole_house` carries more than the heat pump) */
  measures?: string | undefined;
  /** the installation's rated capacity, kW, if known */
  ratedCapacityKw?: number | undefined;
}

interface Range {
  min: number;
  max: number;
  /** the reason when below min and when above max */
  below: RefusalReason;
  above: RefusalReason;
  unit: string;
  /** why the limits are what they are, for the detail sentence */
  why: string;
}

/** How fast a register can count: `perHour` units an hour at most, and why. */
export interface RegisterLimit {
  perHour: number;
  unit: string;
  why: string;
}

export interface Limits {
  range?: Range;
  register?: RegisterLimit;
}

export interface Implausible {
  reason: RefusalReason;
  detail: string;
}

/** A value as the detail names it: three decimals at most, huge and tiny numbers as JavaScript writes them. */
const fmt = (v: number): string =>
  Math.abs(v) >= 1e9 || (v !== 0 && Math.abs(v) < 1e-3) ? String(v) : String(Math.round(v * 1000) / 1000);

/** The most a heat or electricity meter of this home can carry, W, and why. */
function powerCeiling(nature: ChannelNature): { watts: number; why: string } {
  const rated = nature.ratedCapacityKw;
  if (!rated) return { watts: ABSOLUTE_POWER_W, why: 'the ceiling when no rated capacity is known' };
  const fromRating = CAPACITY_FACTOR * rated * 1000;
  if (
    nature.meterKind === 'electricity_meter' &&
    nature.measures === 'whole_house' &&
    fromRating < ABSOLUTE_POWER_W
  )
    return { watts: ABSOLUTE_POWER_W, why: "a whole house's supply, whatever the heat pump's rating" };
  return {
    watts: fromRating,
    why: `${CAPACITY_FACTOR} × the installation's rated ${fmt(rated)} kW, room for a backup heater`,
  };
}

/** The limits of a channel: a range for momentary values, a rate for registers. */
export function limitsFor(nature: ChannelNature): Limits {
  const heatOrElectricity = nature.meterKind === 'heat_meter' || nature.meterKind === 'electricity_meter';
  if (nature.kind === 'register') {
    if (nature.quantity === 'volume')
      return {
        register: { perHour: VOLUME_MAX_PER_HOUR, unit: 'm³', why: 'the maximum flow of a G25 gas meter' },
      };
    const ceiling = heatOrElectricity
      ? powerCeiling(nature)
      : { watts: ABSOLUTE_POWER_W, why: 'the ceiling of a home meter' };
    return { register: { perHour: ceiling.watts / 1000, unit: 'kWh', why: ceiling.why } };
  }
  switch (nature.quantity) {
    case 'temperature':
      return {
        range: {
          min: TEMPERATURE_MIN_C,
          max: TEMPERATURE_MAX_C,
          below: 'temperature_out_of_range',
          above: 'temperature_out_of_range',
          unit: '°C',
          why: 'colder than any inhabited winter or hotter than any sealed heating or hot water system',
        },
      };
    case 'power': {
      if (heatOrElectricity) {
        const ceiling = powerCeiling(nature);
        return {
          range: {
            min: 0,
            max: ceiling.watts,
            below: 'power_negative',
            above: 'power_too_high',
            unit: 'W',
            why:
              nature.meterKind === 'heat_meter'
                ? `heat output is never negative; the ceiling is ${ceiling.why}`
                : `electricity drawn is never negative; the ceiling is ${ceiling.why}`,
          },
        };
      }
      return {
        range: {
          min: -ABSOLUTE_POWER_W,
          max: ABSOLUTE_POWER_W,
          below: 'power_too_high',
          above: 'power_too_high',
          unit: 'W',
          why: 'more than a home meter can carry either way',
        },
      };
    }
    case 'flow_rate':
      return {
        range: {
          min: 0,
          max: FLOW_MAX_L_PER_MIN,
          below: 'flow_out_of_range',
          above: 'flow_out_of_range',
          unit: 'l/min',
          why: 'a flow is never negative, and a home circuit never carries more',
        },
      };
    case 'state_of_charge':
    case 'relative_humidity':
      return {
        range: {
          min: 0,
          max: 100,
          below: 'percent_out_of_range',
          above: 'percent_out_of_range',
          unit: '%',
          why: 'a percentage of a whole',
        },
      };
    default:
      return {};
  }
}

/** A reading's value on its own: within its quantity's range, a register never negative. */
export function checkValue(limits: Limits, value: number): Implausible | undefined {
  if (limits.register) {
    if (value < 0)
      return {
        reason: 'register_negative',
        detail: `${fmt(value)} ${limits.register.unit} is negative: a register counts up from 0`,
      };
    if (value > REGISTER_MAX)
      return {
        reason: 'register_too_high',
        detail: `${fmt(value)} ${limits.register.unit} is above ${fmt(REGISTER_MAX)} ${limits.register.unit}: no home meter's register has more than nine digits`,
      };
    return undefined;
  }
  const range = limits.range;
  if (!range || (value >= range.min && value <= range.max)) return undefined;
  return {
    reason: value < range.min ? range.below : range.above,
    detail: `${fmt(value)} ${range.unit} is outside ${fmt(range.min)}…${fmt(range.max)} ${range.unit}: ${range.why}`,
  };
}

/** What a register can count in `ms`: its rate ceiling over the time, plus one register step. */
export const maxRise = (limit: RegisterLimit, ms: number): number =>
  (limit.perHour * Math.max(0, ms)) / HOUR + REGISTER_STEP;

export interface Sample {
  t: number;
  v: number;
}

/**
 * Two neighbouring readings of a register, `earlier` before `later`: the later may be higher by
 * at most what the meter can count in between; lower only as a reset or rollover (it restarted
 * from 0 and has counted no more than it could since). `checked` is the reading being judged.
 */
export function checkStep(
  limit: RegisterLimit,
  earlier: Sample,
  later: Sample,
  checked: 'earlier' | 'later',
): Implausible | undefined {
  const most = maxRise(limit, later.t - earlier.t);
  // The hot path: nearly every reading rises by less than the most. Sentences only for refusals.
  if (later.v >= earlier.v ? later.v - earlier.v <= most : later.v <= most) return undefined;
  const hours = fmt((later.t - earlier.t) / HOUR);
  const u = limit.unit;
  const at = (s: Sample) => `${fmt(s.v)} ${u} at ${new Date(s.t).toISOString()}`;
  if (later.v < earlier.v) {
    // Not a reset or rollover (a restart from 0 reads at most what it could count since).
    return {
      reason: 'register_fell',
      detail:
        checked === 'later'
          ? `${fmt(later.v)} ${u} is below the reading before it (${at(earlier)}): a register only counts up, and a reset restarts near 0 (at most ${fmt(most)} ${u} after ${hours} h)`
          : `${fmt(earlier.v)} ${u} is above the reading after it (${at(later)}): a register only counts up, and a reset restarts near 0 (at most ${fmt(most)} ${u} after ${hours} h)`,
    };
  }
  return {
    reason: 'register_too_fast',
    detail:
      checked === 'later'
        ? `${fmt(later.v)} ${u} rose ${fmt(later.v - earlier.v)} ${u} in ${hours} h from the reading before it (${at(earlier)}): at most ${fmt(most)} ${u}, ${fmt(limit.perHour)} ${u}/h (${limit.why}) plus one step of the register`
        : `${fmt(earlier.v)} ${u} is ${fmt(later.v - earlier.v)} ${u} below the reading ${hours} h after it (${at(later)}): at most ${fmt(most)} ${u} can be counted in that time, ${fmt(limit.perHour)} ${u}/h (${limit.why}) plus one step of the register`,
  };
}

/**
 * Analytics trust stored figures only within this magnitude. Anything ingest accepts is far
 * inside it (registers ≤ 10⁹, powers ≤ 4 × 1,000 kW); older data may not be, and an hour holding
 * such a reading is read as an hour without data: sums of thousands of bounded hours, and products
 * of two, stay finite.
 */
export const STORED_LIMIT = 1e12;

const sane = (v: number): boolean => v >= -STORED_LIMIT && v <= STORED_LIMIT;

/** Whether an hour's (or a day's, a bucket's) rollup can be used: every figure finite and bounded. */
export const usableRollup = (a: { sum: number; min: number; max: number; delta?: number | null }): boolean =>
  sane(a.sum) && sane(a.min) && sane(a.max) && sane(a.delta ?? 0);

/** `usableRollup` as SQL, for a rollup table named `alias` in a query that sums rollups in the database. */
export const usableRollupSql = (alias: string): string =>
  `${alias}.sum between -${STORED_LIMIT} and ${STORED_LIMIT} and ${alias}.min >= -${STORED_LIMIT} and ${alias}.max <= ${STORED_LIMIT} and ${alias}.delta between -${STORED_LIMIT} and ${STORED_LIMIT}`;

/** The same as SQL, for queries that sum rollups in the database (`r` is the rollup table). */
export const USABLE_ROLLUP_SQL = usableRollupSql('r');
