import { DateTime } from 'luxon';
import { ApiError } from '../http/errors.js';
import { type Calendar, HOUR, hourOf } from './buckets.js';

/**
 * The time window and local calendar periods of an analytics query (performance, insight): a
 * window [from, to) on whole UTC hours, cut into the agent's local days, ISO weeks, months or years.
 */

export const DAY = 24 * HOUR;
/** The longest window an analytics query may ask for. */
export const MAX_WINDOW_MS = 10 * 366 * DAY;

export type Period = 'day' | 'week' | 'month' | 'year' | 'all';

/** A 400 naming the query parameter at fault. */
export function invalidQuery(field: string, message: string, detail?: string): ApiError {
  return new ApiError('validation_failed', detail ?? `${field} ${message}`, {
    errors: [{ field: `/query/${field}`, message }],
  });
}

/**
 * The window [from, to) on whole UTC hours: `from` rounded down, `to` up. Defaults: `to` now,
 * `from` local midnight `defaultDays − 1` days before `to`'s day (so the window holds that many
 * local days, the current one included).
 */
export function windowOf(
  query: { from?: string | undefined; to?: string | undefined },
  calendar: Calendar,
  now: number,
  defaultDays = 30,
): { from: number; to: number } {
  const parse = (field: 'from' | 'to'): number | undefined => {
    const text = query[field];
    if (text === undefined) return undefined;
    const t = Date.parse(text);
    if (!Number.isFinite(t)) throw invalidQuery(field, 'is not a valid RFC 3339 date-time');
    return t;
  };
  const toGiven = parse('to');
  const fromGiven = parse('from');
  const to = Math.ceil((toGiven ?? now) / HOUR) * HOUR;
  let from: number;
  if (fromGiven !== undefined) from = hourOf(fromGiven);
  else {
    let day = calendar.dayOf(to - 1);
    for (let k = 0; k < defaultDays - 1; k++) day = calendar.dayOf(day - 1);
    from = day;
  }
  if (!(from < to)) throw invalidQuery('from', 'must be before to', 'from must be before to');
  if (to - from > MAX_WINDOW_MS)
    throw invalidQuery(
      'from',
      'is more than 10 years before to',
      'The window from–to may span at most 10 years',
    );
  return { from, to };
}

/**
 * The local calendar periods covering [from, to), clipped to it: day, ISO week (from Monday),
 * month, year in the zone, or one period for all. Starts are rounded down to a UTC hour, as the
 * telemetry calendar's days are (zones with a part-hour offset).
 */
export function periodsOf(from: number, to: number, period: Period, zone: string): [number, number][] {
  if (period === 'all') return [[from, to]];
  const unit = period === 'week' ? 'week' : period;
  const out: [number, number][] = [];
  let start = from;
  let local = DateTime.fromMillis(from, { zone }).startOf(unit);
  while (start < to) {
    local = local.plus({ [`${unit}s`]: 1 }).startOf(unit);
    const end = Math.min(to, hourOf(local.toMillis()));
    if (end > start) out.push([start, end]);
    start = Math.max(start, end);
  }
  return out;
}

/** Whole hours in [from, to). */
export const hoursIn = (from: number, to: number): number => Math.max(0, Math.round((to - from) / HOUR));
