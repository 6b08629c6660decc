import { describe, expect, it } from 'vitest';
import { dayHdd, totalHdd } from '../../src/analytics/degree-days.js';
import { fitSignature, normalisedKwh } from '../../src/insights/regression.js';

describe('heating degree days (daily mean method, base 15.5 °C)', () => {
  it('counts how far a day’s mean falls below the base, and nothing for a warm day', () => {
    expect(dayHdd({ date: '2026-01-10', meanC: 5.5, hoursWithData: 24, hours: 24 })).toBe(10);
    expect(dayHdd({ date: '2026-01-11', meanC: -2.25, hoursWithData: 24, hours: 24 })).toBe(17.75);
    expect(dayHdd({ date: '2026-07-01', meanC: 18, hoursWithData: 24, hours: 24 })).toBe(0);
  });

  it('leaves out a day with readings in less than three quarters of its hours, and says so in the total', () => {
    expect(dayHdd({ date: '2026-01-12', meanC: 5, hoursWithData: 17, hours: 24 })).toBeNull();
    expect(dayHdd({ date: '2026-01-12', meanC: 5, hoursWithData: 18, hours: 24 })).toBe(10.5);
    // The 25-hour day of the October change needs 18.75 hours: 18 is not enough.
    expect(dayHdd({ date: '2026-10-25', meanC: 10, hoursWithData: 18, hours: 25 })).toBeNull();
    expect(
      totalHdd([
        { date: '2026-01-10', meanC: 5.5, hoursWithData: 24, hours: 24 },
        { date: '2026-01-11', meanC: 0, hoursWithData: 2, hours: 24 },
        { date: '2026-03-29', meanC: 10.5, hoursWithData: 23, hours: 23 },
      ]),
    ).toEqual({ hdd: 15, daysMeasured: 2, days: 3 });
  });
});

describe('energy signature (least squares, E = base + slope × HDD)', () => {
  it('recovers an exact line and predicts normalised consumption from it', () => {
    const points = Array.from({ length: 20 }, (_, i) => ({ hdd: i, kwh: 6 + 2.5 * i }));
    const fit = fitSignature(points);
    expect(fit?.baseKwhPerDay).toBeCloseTo(6, 10);
    expect(fit?.slopeKwhPerDegreeDay).toBeCloseTo(2.5, 10);
    expect(fit?.r2).toBeCloseTo(1, 10);
    // 30 days with 300 degree days: 30 × 6 + 2.5 × 300.
    expect(normalisedKwh(fit as NonNullable<typeof fit>, 30, 300)).toBeCloseTo(930, 9);
  });

  it('matches a hand-computed fit of scattered points', () => {
    // x: 0..13 (mean 6.5, Sxx = 227.5); y = 10 + 2x + e with e alternating +1/−1.
    const points = Array.from({ length: 14 }, (_, i) => ({
      hdd: i,
      kwh: 10 + 2 * i + (i % 2 === 0 ? 1 : -1),
    }));
    // Sxy = 2·227.5 + Σ(x−6.5)·e = 455 − 7 = 448 → slope 448/227.5; base = ȳ − slope·x̄, ȳ = 23.
    const fit = fitSignature(points);
    expect(fit?.slopeKwhPerDegreeDay).toBeCloseTo(448 / 227.5, 12);
    expect(fit?.baseKwhPerDay).toBeCloseTo(23 - (448 / 227.5) * 6.5, 12);
    // Syy = Σ(2(x−6.5) + e)² = 4·227.5 + 4·Σ(x−6.5)·e + Σe² = 910 − 28 + 14 = 896.
    expect(fit?.r2).toBeCloseTo((448 * 448) / (227.5 * 896), 12);
  });

  it('states no line for too few days or days that were all equally cold', () => {
    expect(fitSignature(Array.from({ length: 13 }, (_, i) => ({ hdd: i, kwh: i })))).toBeNull();
    expect(fitSignature(Array.from({ length: 30 }, () => ({ hdd: 8, kwh: 20 })))).toBeNull();
  });
});
