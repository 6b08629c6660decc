import { DateTime } from 'luxon';

/**
 * When a daily digest is due: the latest `hour`:00 of the agent's local day at or before `now`
 * (DST-correct: a day of 23 or 25 hours still has one digest hour). A subscription whose last
 * digest is older than that is due; one created after it waits for the next day's.
 */
export function latestDigestTime(now: number, timeZone: string, hour: number): number {
  const local = DateTime.fromMillis(now, { zone: timeZone });
  let at = local.set({ hour, minute: 0, second: 0, millisecond: 0 });
  // A local hour skipped by a DST change moves forward: compare what it became.
  if (at.toMillis() > now) at = at.minus({ days: 1 }).set({ hour, minute: 0, second: 0, millisecond: 0 });
  return at.toMillis();
}

export const digestDue = (lastDigestAt: number, now: number, timeZone: string, hour: number): boolean =>
  lastDigestAt < latestDigestTime(now, timeZone, hour);
