import { describe, expect, it } from 'vitest';
import { csvWeather, sunElevationSin, ukWeather } from '../../src/model/index.js';

const HOUR = 3_600_000;
const YEAR_2026 = Date.UTC(2026, 0, 1);

function meanOver(fromDay: number, days: number, seed = 7): number {
  const w = ukWeather(seed);
  let sum = 0;
  let n = 0;
  for (let t = YEAR_2026 + fromDay * 24 * HOUR; t < YEAR_2026 + (fromDay + days) * 24 * HOUR; t += HOUR) {
    sum += w.at(t).outdoorC;
    n++;
  }
  return sum / n;
}

describe('ukWeather', () => {
  it('is a pure function of time, whatever the order of calls', () => {
    const times = Array.from({ length: 200 }, (_, i) => YEAR_2026 + i * 7_777_777);
    const forward = times.map((t) => ukWeather(1).at(t));
    const w = ukWeather(1);
    const backward = [...times].reverse().map((t) => w.at(t));
    expect(backward.reverse()).toEqual(forward);
    expect(ukWeather(2).at(times[5] ?? 0)).not.toEqual(forward[5]);
  });

  it('has a UK seasonal cycle: about 10 °C a year, 4–5 °C in mid-January, 16–17 °C in late July', () => {
    // Averaged over several seeds so the fronts average out.
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const avg = (f: (seed: number) => number) => seeds.reduce((a, s) => a + f(s), 0) / seeds.length;
    expect(avg((s) => meanOver(0, 365, s))).toBeCloseTo(10.2, 0);
    const january = avg((s) => meanOver(10, 20, s));
    expect(january).toBeGreaterThan(2.5);
    expect(january).toBeLessThan(6);
    const july = avg((s) => meanOver(195, 20, s));
    expect(july).toBeGreaterThan(15);
    expect(july).toBeLessThan(18.5);
  });

  it('has a wider daily range in summer and fronts of about 3 °C', () => {
    const w = ukWeather(11);
    const range = (day: number) => {
      const temps = Array.from({ length: 24 }, (_, h) => w.at(YEAR_2026 + (day * 24 + h) * HOUR).outdoorC);
      return Math.max(...temps) - Math.min(...temps);
    };
    const days = (from: number) => Array.from({ length: 30 }, (_, i) => range(from + i));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(days(180))).toBeGreaterThan(mean(days(0)) + 1);
    // Daily means about a 31-day running mean: the weather noise.
    const daily = Array.from({ length: 365 }, (_, d) => meanOver(d, 1, 11));
    const anomalies = daily.slice(15, 350).map((v, i) => v - mean(daily.slice(i, i + 31)));
    const sd = Math.sqrt(mean(anomalies.map((a) => a * a)));
    expect(sd).toBeGreaterThan(1.8);
    expect(sd).toBeLessThan(4);
  });

  it('has humidity between 35 and 100 % (mostly 70–95 in winter) and sun only by day', () => {
    const w = ukWeather(3);
    const winter = Array.from({ length: 24 * 30 }, (_, h) => w.at(YEAR_2026 + h * HOUR));
    const humid = winter.filter((x) => x.humidity >= 70 && x.humidity <= 97).length / winter.length;
    expect(humid).toBeGreaterThan(0.7);
    const midnight = winter.filter((_, h) => h % 24 === 0);
    expect(midnight.every((x) => x.solarWm2 === 0)).toBe(true);
    expect(sunElevationSin(Date.UTC(2026, 5, 21, 12))).toBeCloseTo(Math.sin((60.4 * Math.PI) / 180), 1);
    let annual = 0;
    for (let t = YEAR_2026; t < Date.UTC(2027, 0, 1); t += HOUR / 2) annual += w.at(t).solarWm2 / 2000;
    // Global horizontal irradiation in north Wales: about 950–1050 kWh/m² a year.
    expect(annual).toBeGreaterThan(850);
    expect(annual).toBeLessThan(1150);
  });
});

describe('csvWeather', () => {
  const start = Date.UTC(2024, 0, 1) / 1000;
  const rows = Array.from(
    { length: 17568 },
    (_, i) => `${start + i * 1800}, ${i % 2 === 0 ? 4 : 6}, 80.0, ${i % 4}, 12.5`,
  );
  const w = csvWeather(rows.join('\n'));

  it('interpolates linearly between half-hourly rows', () => {
    expect(w.at(Date.UTC(2024, 0, 1, 0, 15)).outdoorC).toBeCloseTo(5, 9);
    expect(w.at(Date.UTC(2024, 0, 1, 0, 30)).outdoorC).toBeCloseTo(6, 9);
    expect(w.at(Date.UTC(2024, 0, 1, 0, 45)).solarWm2).toBeCloseTo(1.5, 9);
  });

  it('maps other years onto the file by day of year and time of day', () => {
    expect(w.at(Date.UTC(2026, 2, 10, 6, 15))).toEqual(w.at(Date.UTC(2024, 2, 9, 6, 15)));
    expect(w.at(Date.UTC(2026, 0, 1, 0, 15))).toEqual(w.at(Date.UTC(2024, 0, 1, 0, 15)));
    // After the last row (23:30 on 31 December) the file wraps to its first row.
    expect(w.at(Date.UTC(2024, 11, 31, 23, 45)).outdoorC).toBeCloseTo(5, 9);
    expect(Number.isFinite(w.at(Date.UTC(2025, 11, 31, 23, 59)).outdoorC)).toBe(true);
  });

  it('rejects a file without data', () => {
    expect(() => csvWeather('\n')).toThrow(/fewer than two/);
  });
});
