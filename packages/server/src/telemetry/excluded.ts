import { type RawBuilder, sql } from 'kysely';

/** A time range [from, to) in epoch ms: a channel's readings in it are excluded. */
export interface Interval {
  from: number;
  to: number;
}

/**
 * Sorted, disjoint ranges covering the same instants as the given ones: a reading is excluded
 * while any exclusion covers it, so overlapping and touching exclusions act as their union.
 */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const { from, to } of sorted) {
    const last = out.at(-1);
    if (last && from <= last.to) last.to = Math.max(last.to, to);
    else out.push({ from, to });
  }
  return out;
}

/** The range of merged `intervals` that covers t, if any (binary search). */
export function covering(intervals: readonly Interval[], t: number): Interval | undefined {
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((intervals[mid] as Interval).to <= t) lo = mid + 1;
    else hi = mid;
  }
  const found = intervals[lo];
  return found && found.from <= t ? found : undefined;
}

/** The merged ranges that meet [from, to): the only ones a query of that span needs. */
export const within = (intervals: readonly Interval[], from: number, to: number): Interval[] =>
  intervals.filter((i) => i.to > from && i.from < to);

/**
 * `and not (t >= a and t < b) …` for each range (none: empty), a filter on `readings` that leaves
 * excluded readings out. Literals, not parameters: the ranges are our own integers, and a channel
 * has few of them (merged), so the database checks a handful of comparisons per row, no join.
 */
export function notExcludedSql(intervals: readonly Interval[], column = 't'): RawBuilder<unknown> {
  if (intervals.length === 0) return sql``;
  const c = sql.ref(column);
  return sql.join(
    intervals.map((i) => sql` and not (${c} >= ${sql.lit(i.from)} and ${c} < ${sql.lit(i.to)})`),
    sql``,
  );
}

/** `notExcludedSql` for a read of several series: each series' ranges apply to its own rows. */
export function notExcludedBySeriesSql(
  bySeries: ReadonlyMap<number, readonly Interval[]>,
  seriesColumn: string,
  timeColumn: string,
): RawBuilder<unknown> {
  const s = sql.ref(seriesColumn);
  const t = sql.ref(timeColumn);
  const ranges = [...bySeries].flatMap(([no, intervals]) =>
    intervals.map(
      (i) => sql`(${s} = ${sql.lit(no)} and ${t} >= ${sql.lit(i.from)} and ${t} < ${sql.lit(i.to)})`,
    ),
  );
  if (ranges.length === 0) return sql``;
  return sql` and not (${sql.join(ranges, sql` or `)})`;
}
