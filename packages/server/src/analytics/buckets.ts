import { DateTime } from 'luxon';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** The UTC hour a time falls in: hourly rollups are kept per UTC hour. */
export const hourOf = (t: number): number => Math.floor(t / HOUR) * HOUR;

/**
 * Local calendar arithmetic in an IANA zone (DST included), by Luxon. Day and month buckets start
 * at local midnight, so a day is 23, 24 or 25 hours long. Zones whose offset is not a whole number
 * of hours (e.g. Asia/Kolkata) get day buckets that start at the UTC hour holding local midnight.
 */
export class Calendar {
  // Hour → local day start: an ingest maps every reading to its day, so this is cached.
  private readonly dayOfHour = new Map<number, number>();

  constructor(readonly zone: string) {}

  dayOf(t: number): number {
    const hour = hourOf(t);
    let day = this.dayOfHour.get(hour);
    if (day === undefined) {
      day = DateTime.fromMillis(hour, { zone: this.zone }).startOf('day').toMillis();
      // Whole-hour zones give local midnight on a UTC hour; others round down to one.
      day = hourOf(day);
      if (this.dayOfHour.size > 100_000) this.dayOfHour.clear();
      this.dayOfHour.set(hour, day);
    }
    return day;
  }

  nextDay(dayStart: number): number {
    return hourOf(
      DateTime.fromMillis(dayStart, { zone: this.zone }).plus({ days: 1 }).startOf('day').toMillis(),
    );
  }

  monthOf(t: number): number {
    return hourOf(DateTime.fromMillis(t, { zone: this.zone }).startOf('month').toMillis());
  }

  nextMonth(monthStart: number): number {
    return hourOf(
      DateTime.fromMillis(monthStart, { zone: this.zone }).plus({ months: 1 }).startOf('month').toMillis(),
    );
  }

  /** The local date (YYYY-MM-DD) of a day bucket. */
  date(dayStart: number): string {
    return DateTime.fromMillis(dayStart, { zone: this.zone }).toISODate() as string;
  }
}

const calendars = new Map<string, Calendar>();

/** One shared calendar per zone, so its cache serves every request. */
export function calendarFor(zone: string): Calendar {
  let calendar = calendars.get(zone);
  if (!calendar) {
    calendar = new Calendar(zone);
    calendars.set(zone, calendar);
  }
  return calendar;
}

/** One UTC hour of one channel: readings in it, their sum, min and max (instantaneous) and delta (registers). */
export interface HourRollup {
  hour: number;
  count: number;
  sum: number;
  /** the hour's lowest and highest reading (hourlyRollups always gives them) */
  min?: number;
  max?: number;
  delta: number;
}
