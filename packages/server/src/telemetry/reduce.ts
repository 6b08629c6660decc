import { HOUR, MINUTE } from '../analytics/buckets.js';
import { registerDelta } from './store.js';

const DAY = 24 * HOUR;

/**
 * The round bucket widths `?points=` chooses from, smallest first. Past 30 days the ladder keeps
 * going so that 20 years (the longest range) still fit in 10 points.
 */
export const WIDTH_LADDER: readonly number[] = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  60 * DAY,
  90 * DAY,
  180 * DAY,
  365 * DAY,
  730 * DAY,
  1461 * DAY,
];

/** Buckets of width w (aligned on multiples of w since the epoch) that [from, to) touches. */
export const bucketsTouched = (from: number, to: number, w: number): number =>
  Math.ceil((to - Math.floor(from / w) * w) / w);

/**
 * The smallest width of the ladder whose aligned buckets over [from, to) number at most `points`.
 * Counting aligned buckets (not (to − from) / w) keeps the promise of at most `points` points even
 * when `from` falls inside a bucket.
 */
export function widthFor(from: number, to: number, points: number): number {
  for (const w of WIDTH_LADDER) if (bucketsTouched(from, to, w) <= points) return w;
  return WIDTH_LADDER[WIDTH_LADDER.length - 1] as number;
}

/** One reduced bucket: the statistics of the readings whose time falls in it. */
export interface ReducedBucket {
  bucket: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  first: number;
  last: number;
  /** Registers' consumption over the bucket, each reading's rise from the one before it (store.ts). */
  delta: number;
}

/**
 * Merges finer buckets (hourly rollups, in time order) into buckets of width w, a multiple of
 * their width aligned on multiples of w: counts, sums and deltas add up, min and max widen, first
 * is the first bucket's, last the last one's.
 */
export function mergeInto(rows: readonly ReducedBucket[], w: number): ReducedBucket[] {
  const out: ReducedBucket[] = [];
  let current: ReducedBucket | undefined;
  for (const row of rows) {
    const bucket = Math.floor(row.bucket / w) * w;
    if (current?.bucket !== bucket) {
      current = { ...row, bucket };
      out.push(current);
      continue;
    }
    current.count += row.count;
    current.sum += row.sum;
    current.delta += row.delta;
    if (row.min < current.min) current.min = row.min;
    if (row.max > current.max) current.max = row.max;
    current.last = row.last;
  }
  return out;
}

/**
 * The first bucket's delta, read in SQL without the reading before the range, gains the rise from
 * that reading (`before`) to the bucket's first one, as `fold` measures it.
 */
export function withPredecessor(buckets: ReducedBucket[], before: number | undefined): ReducedBucket[] {
  const first = buckets[0];
  if (first) first.delta += registerDelta(before, first.first);
  return buckets;
}
