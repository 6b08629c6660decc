import { DateTime } from 'luxon';
import type { FieldProblem } from '../http/errors.js';
import type { OutdoorDay } from '../insights/degree-days.js';
import { type Calendar, HOUR } from '../telemetry/buckets.js';
import { seriesLines } from '../telemetry/csv.js';
import type { HourRollup } from '../telemetry/query.js';

/** The mean outdoor temperature (°C) a day of a regional series may have: beyond it, a typo. */
const MEAN_LIMIT_C = 60;

export interface WeatherPoint {
  /** local date, YYYY-MM-DD */
  date: string;
  meanC: number;
}

/**
 * Parses a region's daily weather CSV: a header `date,mean_c`, then one line per local date
 * (YYYY-MM-DD) with the day's mean outdoor temperature in °C (−60 to 60), as published daily
 * series give it (Met Office, degreedays.net's source stations). Every bad line is reported with
 * its number; nothing is taken from a file with any.
 */
export function parseWeatherCsv(text: string): { points: WeatherPoint[]; problems: FieldProblem[] } {
  const { lines, problems } = seriesLines(text, 'date,mean_c');
  const points: WeatherPoint[] = [];
  const seen = new Set<string>();
  for (const { where, first: date, second: value, extra } of lines) {
    const real = date !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(date) && DateTime.fromISO(date).isValid;
    const mean = value === undefined || value === '' ? Number.NaN : Number(value);
    if (extra) problems.push({ field: where, message: 'has more than two columns' });
    else if (!real) problems.push({ field: where, message: `${date} is not a date (YYYY-MM-DD)` });
    else if (!(mean >= -MEAN_LIMIT_C && mean <= MEAN_LIMIT_C)) {
      problems.push({
        field: where,
        message: `${value} is not a mean temperature in °C between -${MEAN_LIMIT_C} and ${MEAN_LIMIT_C}`,
      });
    } else if (seen.has(date)) {
      problems.push({ field: where, message: `${date} is given more than once` });
    } else {
      seen.add(date);
      points.push({ date, meanC: mean });
    }
  }
  return { points, problems };
}

/**
 * A local day of a regional series as degree days count it: its published mean, the whole day
 * covered (a series states a day or leaves it out); a day it lacks has no hours with data.
 */
export function regionalDay(date: string, meanC: number | undefined, hours: number): OutdoorDay {
  return meanC === undefined
    ? { date, meanC: Number.NaN, hoursWithData: 0, hours }
    : { date, meanC, hoursWithData: hours, hours };
}

/** What reads a home's regional weather (HomesService). */
export interface RegionalWeatherSource {
  regionalWeather(
    region: string,
    fromDate: string,
    toDate: string,
  ): Promise<{ region: string; means: Map<string, number> } | null>;
}

/**
 * The outdoor temperature channel a degree-day calculation over hourly rollups reads: the home's
 * sensor when it has one; otherwise its region's daily means, as a channel whose every hour of a
 * day reads that day's mean (so the day's mean is the region's and it counts as fully covered);
 * otherwise none. For performance's heat demand against design (docs/performance.md).
 */
export async function outdoorOrRegional(
  homes: RegionalWeatherSource,
  region: string,
  outdoorChannel: string | null,
  byHour: Map<string, Map<number, HourRollup>>,
  calendar: Calendar,
  from: number,
  to: number,
): Promise<{ outdoorChannel: string | null; byHour: Map<string, Map<number, HourRollup>> }> {
  if (outdoorChannel !== null || to <= from) return { outdoorChannel, byHour };
  const first = calendar.dayOf(from);
  const weather = await homes.regionalWeather(
    region,
    calendar.date(first),
    calendar.date(calendar.dayOf(to - 1)),
  );
  if (!weather) return { outdoorChannel, byHour };
  const hours = new Map<number, HourRollup>();
  for (let day = first; day < to; day = calendar.nextDay(day)) {
    const mean = weather.means.get(calendar.date(day));
    if (mean === undefined) continue;
    for (let hour = day; hour < calendar.nextDay(day); hour += HOUR)
      hours.set(hour, { hour, count: 1, sum: mean, min: mean, max: mean, delta: 0 });
  }
  const channel = `region:${weather.region}`;
  return { outdoorChannel: channel, byHour: new Map([...byHour, [channel, hours]]) };
}
