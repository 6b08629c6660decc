import { type Calendar, HOUR, type HourRollup } from './buckets.js';

/** How the outdoor hours behind degree days were cleaned of a suspect sensor. */
export interface OutdoorCleaning {
  /** hours with outdoor readings left out because a data-quality alarm covers the sensor */
  suspectHours: number;
  /** of those, hours given the region's daily mean instead */
  regionHours: number;
}

/**
 * The outdoor sensor's hourly rollups over [from, to) without the hours a data-quality alarm
 * covers (a stuck or out-of-range sensor: analytics/quality-intervals.ts). Each such hour takes the
 * home's region's daily mean for its local day when the region has a weather series (weighted as
 * one hour of the sensor's readings, so a day's mean stays a mean over its hours), else it is left
 * out, and a day left with too few hours has no degree days (insights/degree-days.ts). The
 * regional series is read only when some hour is suspect.
 */
export async function withoutSuspectOutdoor(input: {
  rows: Map<number, HourRollup> | undefined;
  suspectAt: (hour: number) => boolean;
  from: number;
  to: number;
  readingsPerHour: number;
  calendar: Calendar;
  regional: (fromDate: string, toDate: string) => Promise<Map<string, number> | null>;
}): Promise<{ rows: Map<number, HourRollup>; cleaning: OutdoorCleaning }> {
  const { suspectAt, from, to, calendar } = input;
  const rows = new Map(input.rows ?? []);
  const suspect: number[] = [];
  for (let hour = from; hour < to; hour += HOUR) {
    const row = rows.get(hour);
    if (row && row.count > 0 && suspectAt(hour)) suspect.push(hour);
  }
  if (suspect.length === 0) return { rows, cleaning: { suspectHours: 0, regionHours: 0 } };
  const first = suspect[0] as number;
  const last = suspect[suspect.length - 1] as number;
  const means = await input.regional(
    calendar.date(calendar.dayOf(first)),
    calendar.date(calendar.dayOf(last)),
  );
  const weight = Math.max(1, input.readingsPerHour);
  let regionHours = 0;
  for (const hour of suspect) {
    rows.delete(hour);
    const mean = means?.get(calendar.date(calendar.dayOf(hour)));
    if (mean === undefined) continue;
    rows.set(hour, { hour, count: weight, sum: mean * weight, min: mean, max: mean, delta: 0 });
    regionHours++;
  }
  return { rows, cleaning: { suspectHours: suspect.length, regionHours } };
}
