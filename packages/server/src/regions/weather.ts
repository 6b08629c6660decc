import { type Calendar, HOUR } from '../analytics/buckets.js';
import type { OutdoorDay } from '../analytics/degree-days.js';
import {
  eachSeriesLine,
  type HourRollup,
  parseDecimal,
  parseTime,
  SERIES_EARLIEST,
  SERIES_HORIZON_MS,
  UploadProblems,
} from '../telemetry/index.js';

/** The mean outdoor temperature (°C) a day of a regional series may have: beyond it, a typo. */
const MEAN_LIMIT_C = 60;

export interface WeatherPoint {
  /** local date, YYYY-MM-DD */
  date: string;
  meanC: number;
}

/**
 * Parses a region's daily weather CSV: a header `date,mean_c`, then one line per local date
 * (YYYY-MM-DD, 1900 to a year ahead) with the day's mean outdoor temperature in °C (−60 to 60,
 * a plain decimal), as published daily
 * series give it (Met Office, degreedays.net's source stations). Every bad line is reported with
 * its number; nothing is taken from a file with any.
 */
export async function parseWeatherCsv(
  text: string,
  now = Date.now(),
): Promise<{ points: WeatherPoint[]; problems: UploadProblems }> {
  const problems = new UploadProblems();
  const points: WeatherPoint[] = [];
  const seen = new Set<string>();
  const latest = now + SERIES_HORIZON_MS;
  await eachSeriesLine(text, 'date,mean_c', problems, ({ where, first: date, second: value, extra }) => {
    // parseTime checks the calendar: 2026-02-30 is not a date.
    const day =
      date !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(date) ? parseTime(`${date}T00:00:00Z`) : undefined;
    const mean = parseDecimal(value);
    if (extra) problems.add(where, 'has more than two columns');
    else if (day === undefined) problems.add(where, `${date} is not a date (YYYY-MM-DD)`);
    else if (day < SERIES_EARLIEST || day > latest) {
      problems.add(where, `${date} is not a plausible date: before 1900 or over a year ahead`);
    } else if (!(mean >= -MEAN_LIMIT_C && mean <= MEAN_LIMIT_C)) {
      problems.add(
        where,
        `${value} is not a mean temperature in °C between -${MEAN_LIMIT_C} and ${MEAN_LIMIT_C}`,
      );
    } else if (seen.has(date as string)) problems.add(where, `${date} is given more than once`);
    else {
      seen.add(date as string);
      points.push({ date: date as string, meanC: mean });
    }
  });
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
