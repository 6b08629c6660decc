import type { Weather, WeatherSource } from '../types.js';
import { hashString, valueNoise } from './random.js';
import { DAY_MS, dayOfYear, HOUR_MS, yearSpan } from './time.js';

/** Latitude and longitude of the synthetic weather: north Wales / north-west England. */
export const UK_LATITUDE_DEG = 53;
export const UK_LONGITUDE_DEG = -3;

const DEG = Math.PI / 180;

/** Sine of the sun's elevation (negative at night), from the day of year and the UTC time. */
export function sunElevationSin(
  t: number,
  latitudeDeg = UK_LATITUDE_DEG,
  longitudeDeg = UK_LONGITUDE_DEG,
): number {
  const doy = dayOfYear(t);
  // Cooper's declination; the equation of time (±16 min) is below what heating data can notice.
  const declination = 23.44 * DEG * Math.sin((2 * Math.PI * (284 + doy)) / 365);
  const solarHour = (((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS + longitudeDeg / 15;
  const hourAngle = (solarHour - 12) * 15 * DEG;
  const lat = latitudeDeg * DEG;
  return Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
}

/** Haurwitz's clear-sky global horizontal irradiance, W/m². */
export function clearSkyIrradiance(elevationSin: number): number {
  return elevationSin <= 0 ? 0 : 1098 * elevationSin * Math.exp(-0.057 / elevationSin);
}

/**
 * The built-in synthetic UK weather, a pure function of time and seed (see docs/simulator.md):
 * seasonal and daily cycles, smooth "fronts" and short noise from hashed value noise, humidity
 * higher in winter and at night, irradiance from the sun's elevation at 53°N times a cloud factor.
 */
export function ukWeather(seed: number): WeatherSource {
  const base = (seed >>> 0) ^ hashString('uk-weather');
  const s = (k: number) => (base + Math.imul(k, 0x632be5ab)) >>> 0;
  const [sFront, sFrontFast, sShort, sFlicker, sCloud, sCloudFast, sHumid] = [1, 2, 3, 4, 5, 6, 7].map(s) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    at(t: number): Weather {
      const doy = dayOfYear(t);
      const season = Math.cos((2 * Math.PI * (doy - 20)) / 365.25);
      // 1 in late January, 0 in late July.
      const winterness = (1 + season) / 2;
      const cloud = Math.min(
        1,
        Math.max(
          0,
          0.74 + 0.32 * valueNoise(sCloud, t, 30 * HOUR_MS) + 0.2 * valueNoise(sCloudFast, t, 5 * HOUR_MS),
        ),
      );
      const hourUtc = (((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
      const dailyAmplitude = (1.6 + 2.6 * (1 - winterness)) * (1.3 - 0.6 * cloud);
      const daily = dailyAmplitude * Math.cos((2 * Math.PI * (hourUtc - 14.5)) / 24);
      const fronts =
        (2.6 + 0.8 * winterness) * valueNoise(sFront, t, 66 * HOUR_MS) +
        1.1 * valueNoise(sFrontFast, t, 19 * HOUR_MS);
      const short = 0.35 * valueNoise(sShort, t, 2 * HOUR_MS) + 0.12 * valueNoise(sFlicker, t, 23 * 60_000);
      const outdoorC = 10.2 - 6 * season + daily + fronts + short;

      const humidity =
        77 + 9 * winterness - 2.2 * daily + 4 * valueNoise(sHumid, t, 20 * HOUR_MS) + 10 * (cloud - 0.7);
      // Kasten and Czeplak's cloud transmission, with cloud cover as a fraction of the sky.
      const solarWm2 = clearSkyIrradiance(sunElevationSin(t)) * (1 - 0.75 * cloud ** 3.4);
      return { outdoorC, humidity: Math.min(100, Math.max(35, humidity)), solarWm2 };
    },
  };
}

interface CsvRow {
  t: number;
  outdoorC: number;
  humidity: number;
  solarWm2: number;
}

/**
 * Weather from the half-hourly CSV format (no header; unix seconds UTC, outdoor °C, relative
 * humidity %, irradiance W/m², price p/kWh which is ignored), linearly interpolated. Times outside
 * the file's year are mapped onto it by their offset from 1 January, so any year can be simulated
 * with one year of real weather; past the last row the first row of the file follows.
 */
export function csvWeather(text: string): WeatherSource {
  const rows: CsvRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const cells = trimmed.split(',').map((cell) => Number(cell.trim()));
    const [unix, outdoorC, humidity, solarWm2] = cells;
    if (unix === undefined || outdoorC === undefined || humidity === undefined || solarWm2 === undefined)
      continue;
    if (![unix, outdoorC, humidity, solarWm2].every(Number.isFinite)) continue;
    rows.push({ t: unix * 1000, outdoorC, humidity, solarWm2: Math.max(0, solarWm2) });
  }
  if (rows.length < 2) throw new Error('csvWeather: the file has fewer than two valid rows');
  rows.sort((a, b) => a.t - b.t);
  const first = rows[0] as CsvRow;
  const last = rows[rows.length - 1] as CsvRow;
  const fileYear = yearSpan(first.t);
  const fileStart = fileYear.start;
  const fileLength = fileYear.length;
  let hint = 0;

  const locate = (tf: number): number => {
    // Calls usually move forward a little at a time: try the last position before bisecting.
    const h = rows[hint];
    const hNext = rows[hint + 1];
    if (h !== undefined && hNext !== undefined && h.t <= tf && tf < hNext.t) return hint;
    let lo = 0;
    let hi = rows.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((rows[mid] as CsvRow).t <= tf) lo = mid;
      else hi = mid;
    }
    hint = lo;
    return lo;
  };

  return {
    at(t: number): Weather {
      const span = yearSpan(t);
      let offset = t - span.start;
      // A leap-year 31 December has no counterpart in a common year: reuse 30 December.
      if (offset >= fileLength) offset -= DAY_MS;
      const tf = fileStart + offset;
      let a: CsvRow;
      let b: CsvRow;
      let f: number;
      if (tf < first.t || tf >= last.t) {
        // Between the last row and the first (the year wraps round).
        a = last;
        b = first;
        const gap = first.t + fileLength - last.t;
        const into = tf >= last.t ? tf - last.t : tf + fileLength - last.t;
        f = gap > 0 ? Math.min(1, Math.max(0, into / gap)) : 0;
      } else {
        const i = locate(tf);
        a = rows[i] as CsvRow;
        b = (rows[i + 1] ?? a) as CsvRow;
        f = b.t > a.t ? (tf - a.t) / (b.t - a.t) : 0;
      }
      return {
        outdoorC: a.outdoorC + (b.outdoorC - a.outdoorC) * f,
        humidity: a.humidity + (b.humidity - a.humidity) * f,
        solarWm2: a.solarWm2 + (b.solarWm2 - a.solarWm2) * f,
      };
    },
  };
}
