import { type Calendar, HOUR, hourOf } from '../analytics/buckets.js';
import type { RollupsTable } from '../db/schema.js';
import { covering, type Interval } from './excluded.js';
import { checkStep, type Implausible, type RegisterLimit, type Sample } from './plausibility.js';

/** One reading on its way into the store: series number, time (epoch ms), value. */
export interface StoreRow {
  series: number;
  t: number;
  v: number;
  /** The agent's calendar, which decides the reading's day bucket. */
  calendar: Calendar;
  /** A register's rate ceiling: the row is judged against its neighbours in time before it is stored. */
  register?: RegisterLimit | undefined;
}

/** A row refused by the store: implausible against the readings next to it. */
export type RowOutcome = 'stored' | 'duplicate' | 'conflict' | Implausible;

/** A reading's stored neighbours: the one just before, the one just after, one at the same time. */
export interface Neighbours {
  before?: Sample | undefined;
  after?: Sample | undefined;
  /** a reading is already stored at this time (the insert will call it a duplicate or a conflict) */
  at: boolean;
}

export type Aggregate = RollupsTable;
export type RollupTable = 'rollups_hour' | 'rollups_day';

export interface SeriesState {
  first_t: number | null;
  last_t: number | null;
  last_v: number | null;
}

/**
 * The statements one write batch needs, inside one transaction, for one engine (store-sqlite.ts,
 * store-postgres.ts). Rows come sorted by (series, t).
 */
export interface WriteSession {
  /** Locks the series against other writers (PostgreSQL: row locks) and reads their state. */
  lockSeries(nos: number[]): Promise<Map<number, SeriesState>>;
  /**
   * Inserts the rows that are new; says for each whether it was stored, a duplicate or a conflict.
   * `states` (from lockSeries) lets rows after their series' last reading skip the conflict checks.
   */
  insert(rows: StoreRow[], states?: Map<number, SeriesState>): Promise<RowOutcome[]>;
  /** Adds readings that come after everything in the bucket (count, sum… grow; first stays). */
  mergeRollups(table: RollupTable, aggregates: Aggregate[]): Promise<void>;
  /** Writes buckets recomputed from scratch. */
  replaceRollups(table: RollupTable, aggregates: Aggregate[]): Promise<void>;
  /** The first reading's time after t, if any. */
  successor(series: number, t: number): Promise<number | undefined>;
  /** The last reading before t (the predecessor a bucket's first delta is measured from), and the readings in [from, to). */
  readingsFrom(
    series: number,
    from: number,
    to: number,
  ): Promise<{ before?: number; rows: { t: number; v: number }[] }>;
  /** The hourly rollups of one series in [from, to). */
  hourRollups(series: number, from: number, to: number): Promise<Aggregate[]>;
  saveSeriesState(series: number, state: SeriesState): Promise<void>;
  /** For each time (ascending), the series' stored neighbours: one statement for them all. */
  neighbours(series: number, times: number[]): Promise<Neighbours[]>;
  /** The series' exclusions (telemetry_exclusions), merged, of those that have any. */
  exclusions(nos: number[]): Promise<Map<number, Interval[]>>;
  /** The last reading before t, excluded or not. */
  lastBefore(series: number, t: number): Promise<Sample | undefined>;
  /** The first reading at or after t, excluded or not. */
  firstFrom(series: number, t: number): Promise<Sample | undefined>;
  /** The readings in [from, to), excluded or not, in time order. */
  between(series: number, from: number, to: number): Promise<Sample[]>;
  /** Deletes the series' buckets in [from, to) (before they are written again from raw). */
  clearRollups(table: RollupTable, series: number, from: number, to: number): Promise<void>;
}

/** The last reading before t that no exclusion covers (each step back jumps over a whole range). */
export async function effectiveBefore(
  session: WriteSession,
  series: number,
  t: number,
  intervals: readonly Interval[],
): Promise<Sample | undefined> {
  let cursor = t;
  for (;;) {
    const found = await session.lastBefore(series, cursor);
    const range = found && covering(intervals, found.t);
    if (!range) return found;
    cursor = range.from;
  }
}

/** The first reading at or after t that no exclusion covers. */
export async function effectiveFrom(
  session: WriteSession,
  series: number,
  t: number,
  intervals: readonly Interval[],
): Promise<Sample | undefined> {
  let cursor = t;
  for (;;) {
    const found = await session.firstFrom(series, cursor);
    const range = found && covering(intervals, found.t);
    if (!range) return found;
    cursor = range.to;
  }
}

/** Like WriteSession.readingsFrom, leaving out the readings the exclusions cover. */
async function effectiveReadingsFrom(
  session: WriteSession,
  series: number,
  from: number,
  to: number,
  intervals: readonly Interval[],
): Promise<{ before?: number; rows: { t: number; v: number }[] }> {
  const before = (await effectiveBefore(session, series, from, intervals))?.v;
  const rows = (await session.between(series, from, to)).filter((r) => !covering(intervals, r.t));
  return before === undefined ? { rows } : { before, rows };
}

/**
 * The positions of rows (sorted by series, t) that come after their series' last stored reading
 * and repeat no key of the batch: under the series lock nothing can be in their way, so they may
 * skip the per-row conflict handling. The others (late rows, repeats) take the careful path.
 */
export function splitFresh(
  rows: StoreRow[],
  states: Map<number, SeriesState>,
): { fresh: number[]; rest: number[] } {
  const fresh: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as StoreRow;
    const previous = rows[i - 1];
    const last = states.get(row.series)?.last_t ?? null;
    const repeat = previous !== undefined && previous.series === row.series && previous.t === row.t;
    if (!repeat && (last === null || row.t > last)) fresh.push(i);
    else rest.push(i);
  }
  return { fresh, rest };
}

/**
 * A register's consumption between two readings: its increase, or nothing when it fell (a reset,
 * a rollback or a replaced meter starts a new baseline). Never negative, never counted twice.
 */
export const registerDelta = (previous: number | undefined, value: number): number =>
  previous === undefined || value < previous ? 0 : value - previous;

/**
 * Folds readings sorted by time into buckets. `previous` is the value of the reading just before
 * the first one (for the first delta). Every bucket's delta is the sum of its readings' deltas,
 * each measured from the reading just before it, so a gap's consumption lands in the bucket of the
 * reading that ends the gap.
 */
export function fold(
  series: number,
  rows: readonly { t: number; v: number }[],
  previous: number | undefined,
  bucketOf: (t: number) => number,
): Aggregate[] {
  const out: Aggregate[] = [];
  let current: Aggregate | undefined;
  let prev = previous;
  for (const { t, v } of rows) {
    const bucket = bucketOf(t);
    const delta = registerDelta(prev, v);
    prev = v;
    if (current?.bucket !== bucket) {
      current = {
        series,
        bucket,
        count: 0,
        sum: 0,
        min: v,
        max: v,
        first_t: t,
        first_v: v,
        last_t: t,
        last_v: v,
        delta: 0,
      };
      out.push(current);
    }
    current.count += 1;
    current.sum += v;
    if (v < current.min) current.min = v;
    if (v > current.max) current.max = v;
    current.last_t = t;
    current.last_v = v;
    current.delta += delta;
  }
  return out;
}

/** Combines consecutive buckets (hours of a day, days of a month) into one. */
export function combine(series: number, bucket: number, parts: readonly Aggregate[]): Aggregate | undefined {
  const [head] = parts;
  if (!head) return undefined;
  const total: Aggregate = { ...head, series, bucket };
  for (const part of parts.slice(1)) {
    total.count += part.count;
    total.sum += part.sum;
    if (part.min < total.min) total.min = part.min;
    if (part.max > total.max) total.max = part.max;
    total.last_t = part.last_t;
    total.last_v = part.last_v;
    total.delta += part.delta;
  }
  return total;
}

/**
 * Judges each register row (sorted by series, t) against its neighbours: the nearer of the stored
 * reading before it and the last row of the batch accepted before it, and the stored reading after
 * it. Rows after their series' newest reading (the usual case) need no query: the series state has
 * their predecessor. Late rows cost one neighbour query per series. Returns the refusals, at the
 * refused rows' positions (the others are left undefined for the insert to settle).
 */
async function judgeRegisters(
  session: WriteSession,
  sorted: StoreRow[],
  states: Map<number, SeriesState>,
  excluded: Map<number, Interval[]>,
): Promise<RowOutcome[]> {
  const verdicts: RowOutcome[] = new Array(sorted.length);
  let start = 0;
  while (start < sorted.length) {
    const first = sorted[start] as StoreRow;
    let end = start;
    while (end < sorted.length && (sorted[end] as StoreRow).series === first.series) end++;
    const limit = first.register;
    if (limit) {
      const state = states.get(first.series);
      const intervals = excluded.get(first.series);
      let newest: Sample | undefined =
        state && state.last_t !== null && state.last_v !== null
          ? { t: Number(state.last_t), v: state.last_v }
          : undefined;
      const stored =
        newest && first.t <= newest.t
          ? await session.neighbours(
              first.series,
              sorted.slice(start, end).map((r) => r.t),
            )
          : undefined;
      // Excluded readings are no neighbours: a register is judged against the readings that count.
      if (intervals) {
        newest = await skipExcludedBefore(session, first.series, newest, intervals);
        for (const around of stored ?? []) {
          around.before = await skipExcludedBefore(session, first.series, around.before, intervals);
          const range = around.after && covering(intervals, around.after.t);
          if (range) around.after = await effectiveFrom(session, first.series, range.to, intervals);
        }
      }
      // The last row accepted: a StoreRow has t and v, so it serves as a sample as it is.
      let accepted: Sample | undefined;
      for (let i = start; i < end; i++) {
        const row = sorted[i] as StoreRow;
        const around = stored?.[i - start];
        // A reading already stored at this time, or a repeat in the batch: the insert settles it.
        if (around?.at || accepted?.t === row.t) continue;
        const storedBefore = around ? around.before : newest;
        const before = accepted && (!storedBefore || accepted.t > storedBefore.t) ? accepted : storedBefore;
        const verdict =
          (before && checkStep(limit, before, row, 'later')) ||
          (around?.after && checkStep(limit, row, around.after, 'earlier'));
        if (verdict) verdicts[i] = verdict;
        // An excluded row of the batch is no neighbour of the rows after it either.
        else if (!intervals || !covering(intervals, row.t)) accepted = row;
      }
    }
    start = end;
  }
  return verdicts;
}

/** The sample itself, or when an exclusion covers it the last reading before that none covers. */
async function skipExcludedBefore(
  session: WriteSession,
  series: number,
  sample: Sample | undefined,
  intervals: readonly Interval[],
): Promise<Sample | undefined> {
  const range = sample && covering(intervals, sample.t);
  return range ? effectiveBefore(session, series, range.from, intervals) : sample;
}

/**
 * Writes one batch of readings and keeps the rollups equal to the raw data: readings after the
 * series' last one (the usual case) are added to their buckets incrementally; a late reading makes
 * its hour, and the hour of the reading after it (whose delta it changes), be recomputed from raw,
 * and their days from the hours.
 */
export async function writeBatch(session: WriteSession, rows: StoreRow[]): Promise<RowOutcome[]> {
  const order = rows
    .map((_, i) => i)
    .sort((a, b) => {
      const x = rows[a] as StoreRow;
      const y = rows[b] as StoreRow;
      return x.series - y.series || x.t - y.t;
    });
  const sorted = order.map((i) => rows[i] as StoreRow);
  const nos = [...new Set(sorted.map((r) => r.series))];
  const states = await session.lockSeries(nos);
  // Read under the series lock: an exclusion made or removed meanwhile has committed or waits.
  const excluded = await session.exclusions(nos);
  // Judged under the series lock, with every queued request's rows: two readings of one batch
  // are checked against each other as well as against what is stored.
  const sortedOutcomes: RowOutcome[] = await judgeRegisters(session, sorted, states, excluded);
  const keep: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (sortedOutcomes[i] === undefined) keep.push(i);
  const kept = keep.length === sorted.length ? sorted : keep.map((i) => sorted[i] as StoreRow);
  const keptOutcomes = kept.length > 0 ? await session.insert(kept, states) : [];
  keep.forEach((i, k) => {
    sortedOutcomes[i] = keptOutcomes[k] as RowOutcome;
  });
  const outcomes: RowOutcome[] = new Array(rows.length);
  order.forEach((original, position) => {
    outcomes[original] = sortedOutcomes[position] as RowOutcome;
  });

  const hourMerges: Aggregate[] = [];
  const dayMerges: Aggregate[] = [];
  const dirty: { series: number; calendar: Calendar; hours: Set<number>; intervals?: Interval[] }[] = [];
  let start = 0;
  while (start < sorted.length) {
    const series = (sorted[start] as StoreRow).series;
    let end = start;
    while (end < sorted.length && (sorted[end] as StoreRow).series === series) end++;
    const calendar = (sorted[start] as StoreRow).calendar;
    const state = states.get(series) ?? { first_t: null, last_t: null, last_v: null };
    const intervals = excluded.get(series);
    const appended: { t: number; v: number }[] = [];
    const late: number[] = [];
    for (let i = start; i < end; i++) {
      if (sortedOutcomes[i] !== 'stored') continue;
      const row = sorted[i] as StoreRow;
      if (state.last_t === null || row.t > state.last_t) appended.push(row);
      else late.push(row.t);
    }
    if (intervals) {
      // A series with exclusions: its buckets are recomputed from the readings that count (an
      // excluded reading changes none; one that counts changes its hour and its successor's).
      const hours = new Set<number>();
      for (const row of [...appended, ...late.map((t) => ({ t }))]) {
        if (covering(intervals, row.t)) continue;
        hours.add(hourOf(row.t));
        if (state.last_t !== null && row.t < state.last_t) {
          const next = await effectiveFrom(session, series, row.t + 1, intervals);
          if (next) hours.add(hourOf(next.t));
        }
      }
      if (hours.size > 0) dirty.push({ series, calendar, hours, intervals });
    } else if (appended.length > 0) {
      const previous = state.last_v ?? undefined;
      hourMerges.push(...fold(series, appended, previous, hourOf));
      dayMerges.push(...fold(series, appended, previous, (t) => calendar.dayOf(t)));
    }
    if (!intervals && late.length > 0) {
      const hours = new Set<number>();
      for (const t of late) {
        hours.add(hourOf(t));
        const next = await session.successor(series, t);
        if (next !== undefined) hours.add(hourOf(next));
      }
      dirty.push({ series, calendar, hours });
    }
    const stored = sorted.slice(start, end).filter((_, k) => sortedOutcomes[start + k] === 'stored');
    if (stored.length > 0) {
      const last = appended.at(-1);
      const firstT = (stored[0] as StoreRow).t;
      await session.saveSeriesState(series, {
        first_t: state.first_t === null ? firstT : Math.min(state.first_t, firstT),
        last_t: last ? last.t : state.last_t,
        last_v: last ? last.v : state.last_v,
      });
    }
    start = end;
  }
  if (hourMerges.length > 0) await session.mergeRollups('rollups_hour', hourMerges);
  if (dayMerges.length > 0) await session.mergeRollups('rollups_day', dayMerges);

  for (const { series, calendar, hours, intervals } of dirty) {
    const days = new Set<number>();
    const recomputed: Aggregate[] = [];
    for (const hour of [...hours].sort((a, b) => a - b)) {
      const { before, rows: inHour } = intervals
        ? await effectiveReadingsFrom(session, series, hour, hour + HOUR, intervals)
        : await session.readingsFrom(series, hour, hour + HOUR);
      recomputed.push(...fold(series, inHour, before, hourOf));
      days.add(calendar.dayOf(hour));
    }
    await session.replaceRollups('rollups_hour', recomputed);
    const dayRollups: Aggregate[] = [];
    for (const day of [...days].sort((a, b) => a - b)) {
      const parts = await session.hourRollups(series, day, calendar.nextDay(day));
      const total = combine(series, day, parts);
      if (total) dayRollups.push(total);
    }
    await session.replaceRollups('rollups_day', dayRollups);
  }
  return outcomes;
}

/** Days of raw readings read at a time when buckets are recomputed over a long span. */
const RECOMPUTE_CHUNK_DAYS = 31;

/**
 * Recomputes a series' buckets after its exclusions changed over [from, to): the hours meeting
 * the span and the hour of the first counting reading at or after `to` (its delta is measured from
 * the last counting reading before it, which the change may have moved), and the local days holding
 * them, all from the raw readings no exclusion in `intervals` (the exclusions now in force) covers.
 * Buckets left without readings are deleted. Hours and days are folded from raw in time order, as
 * an in-order ingest builds them; raw is read a month at a time, so a long span stays small in memory.
 */
export async function recomputeSpan(
  session: WriteSession,
  series: number,
  calendar: Calendar,
  from: number,
  to: number,
  intervals: readonly Interval[],
): Promise<void> {
  // No reading in the span: whether it is excluded changes no bucket.
  const inside = await session.firstFrom(series, from);
  if (!inside || inside.t >= to) return;
  const next = await effectiveFrom(session, series, to, intervals);
  // No counting reading after the span: buckets reach no further than the last stored reading in it.
  const end = next ? next.t : Math.max(from, (await session.lastBefore(series, to))?.t ?? from);
  const hoursFrom = hourOf(from);
  const hoursTo = hourOf(end) + HOUR;
  // Day buckets start on UTC hours at or before the hours they hold: [daysFrom, daysTo) covers the hours.
  const daysFrom = calendar.dayOf(from);
  const daysTo = calendar.nextDay(calendar.dayOf(end));
  let previous = (await effectiveBefore(session, series, daysFrom, intervals))?.v;
  const hours: Aggregate[] = [];
  const days: Aggregate[] = [];
  for (let chunk = daysFrom; chunk < daysTo; ) {
    // Chunks end at local midnights: no hour or day is split between two.
    let chunkEnd = chunk;
    for (let k = 0; k < RECOMPUTE_CHUNK_DAYS && chunkEnd < daysTo; k++) chunkEnd = calendar.nextDay(chunkEnd);
    const rows = (await session.between(series, chunk, chunkEnd)).filter((r) => !covering(intervals, r.t));
    for (const a of fold(series, rows, previous, hourOf)) {
      if (a.bucket >= hoursFrom && a.bucket < hoursTo) hours.push(a);
    }
    days.push(...fold(series, rows, previous, (t) => calendar.dayOf(t)));
    if (rows.length > 0) previous = (rows.at(-1) as { v: number }).v;
    chunk = chunkEnd;
  }
  await session.clearRollups('rollups_hour', series, hoursFrom, hoursTo);
  await session.clearRollups('rollups_day', series, daysFrom, daysTo);
  if (hours.length > 0) await session.replaceRollups('rollups_hour', hours);
  if (days.length > 0) await session.replaceRollups('rollups_day', days);
}
