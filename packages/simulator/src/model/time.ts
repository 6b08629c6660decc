/** Calendar helpers kept allocation-free: the model asks for them every simulated minute. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

let yearStartMs = 0;
let yearEndMs = -1;
let yearOfCache = 0;

function cacheYear(t: number): void {
  if (t >= yearStartMs && t < yearEndMs) return;
  yearOfCache = new Date(t).getUTCFullYear();
  yearStartMs = Date.UTC(yearOfCache, 0, 1);
  yearEndMs = Date.UTC(yearOfCache + 1, 0, 1);
}

/** Days since 1 January 00:00 UTC of t's year, fractional (0 ≤ d < 365 or 366). */
export function dayOfYear(t: number): number {
  cacheYear(t);
  return (t - yearStartMs) / DAY_MS;
}

/** 1 January 00:00 UTC of t's year, and its length in ms. */
export function yearSpan(t: number): { start: number; length: number } {
  cacheYear(t);
  return { start: yearStartMs, length: yearEndMs - yearStartMs };
}

/** Whole days since the epoch (UTC). */
export function epochDay(t: number): number {
  return Math.floor(t / DAY_MS);
}

/** ISO date (UTC) of an epoch day. */
export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The last Sunday of a month at 01:00 UTC: when European summer time starts (March) and ends (October). */
function lastSundayOneUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
}

const dstSpans = new Map<number, [number, number]>();

/**
 * Europe/London's offset from UTC in ms. The EU rule (since 1996) written out rather than asking
 * Luxon every minute of a year-long run; a test checks it against Luxon.
 */
export function londonOffsetMs(t: number): number {
  cacheYear(t);
  let span = dstSpans.get(yearOfCache);
  if (span === undefined) {
    span = [lastSundayOneUtc(yearOfCache, 2), lastSundayOneUtc(yearOfCache, 9)];
    dstSpans.set(yearOfCache, span);
  }
  return t >= span[0] && t < span[1] ? HOUR_MS : 0;
}

/** Hour of the day in Europe/London, fractional. */
export function londonHour(t: number): number {
  const local = t + londonOffsetMs(t);
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}
