import { describe, expect, it } from 'vitest';
import { bandProblems } from '../../src/tariffs/bands.js';
import { carbonOf } from '../../src/tariffs/carbon.js';
import { costOf, type HourlyUsage } from '../../src/tariffs/cost.js';

const HOUR = 3_600_000;
const ZONE = 'Europe/London';

/** Cosy-like: cheap 04:00-07:00 and 13:00-16:00, peak 16:00-19:00, standard otherwise (wrapping midnight). */
const cosy = {
  currency: 'GBP',
  standingCharge: 48.5,
  unitRate: null,
  bands: [
    { from: '04:00', to: '07:00', rate: 12 },
    { from: '07:00', to: '13:00', rate: 24 },
    { from: '13:00', to: '16:00', rate: 12 },
    { from: '16:00', to: '19:00', rate: 36 },
    { from: '19:00', to: '04:00', rate: 24 },
  ],
};

/** `kwh(i)` for each of `count` UTC hours from `start`. */
const hours = (start: number, count: number, kwh: (i: number) => number): HourlyUsage[] =>
  Array.from({ length: count }, (_, i) => ({ hourStart: start + i * HOUR, kwh: kwh(i) }));

describe('costOf: flat and time-of-use tariffs, hand-computed in pence', () => {
  it('flat: unit rate × kWh plus the standing charge per local day', () => {
    const flat = { currency: 'GBP', standingCharge: 60.1, unitRate: 24.5, bands: null };
    const usage = hours(Date.UTC(2026, 0, 10), 10, () => 1.5);
    const cost = costOf(flat, usage, ['2026-01-10', '2026-01-11', '2026-01-12'], ZONE);
    // 15 kWh × 24.5 = 367.5; 3 days × 60.1 = 180.3
    expect(cost).toEqual({
      currency: 'GBP',
      kwh: 15,
      energyCost: 367.5,
      standingCost: 180.3,
      total: 547.8,
      byBand: { flat: { rate: 24.5, kwh: 15, cost: 367.5 } },
    });
  });

  it('a day is billed once however often it is listed', () => {
    const flat = { currency: 'GBP', standingCharge: 50, unitRate: 20, bands: null };
    expect(costOf(flat, [], ['2026-01-10', '2026-01-10'], ZONE).standingCost).toBe(50);
  });

  it('time-of-use on a summer day: bands follow local (BST) time, not UTC', () => {
    // Local 2026-06-15 00:00 BST is 2026-06-14T23:00Z; local hour h uses h + 1 kWh.
    const usage = hours(Date.UTC(2026, 5, 14, 23), 24, (h) => h + 1);
    const cost = costOf(cosy, usage, ['2026-06-15'], ZONE);
    // cheap: hours 4,5,6,13,14,15 → 5+6+7+14+15+16 = 63 kWh × 12 = 756
    // peak: hours 16,17,18 → 17+18+19 = 54 kWh × 36 = 1944
    // standard: 300 - 63 - 54 = 183 kWh × 24 = 4392 (07:00-13:00: 8..13 = 63; 19:00-04:00: 20..24 + 1..4 = 120)
    expect(cost.byBand['04:00-07:00']).toEqual({ rate: 12, kwh: 18, cost: 216 });
    expect(cost.byBand['13:00-16:00']).toEqual({ rate: 12, kwh: 45, cost: 540 });
    expect(cost.byBand['16:00-19:00']).toEqual({ rate: 36, kwh: 54, cost: 1944 });
    expect(cost.byBand['07:00-13:00']).toEqual({ rate: 24, kwh: 63, cost: 1512 });
    expect(cost.byBand['19:00-04:00']).toEqual({ rate: 24, kwh: 120, cost: 2880 });
    expect(cost).toMatchObject({ kwh: 300, energyCost: 7092, standingCost: 48.5, total: 7140.5 });
  });

  it('the spring change (2026-03-29): a 23-hour day, the skipped 01:00 hour is simply absent', () => {
    // Local midnight is 00:00Z (GMT); at 01:00Z the clocks go to 02:00 BST; the day ends at 23:00Z.
    const usage = hours(Date.UTC(2026, 2, 29, 0), 23, () => 1);
    const cost = costOf(cosy, usage, ['2026-03-29'], ZONE);
    // Local hours 00, 02..23. cheap 6 × 12 = 72; peak 3 × 36 = 108;
    // standard 00, 02, 03, 07..12, 19..23 = 14 × 24 = 336.
    expect(cost.byBand['04:00-07:00']?.kwh).toBe(3);
    expect(cost.byBand['19:00-04:00']).toEqual({ rate: 24, kwh: 8, cost: 192 });
    expect(cost).toMatchObject({ kwh: 23, energyCost: 516, standingCost: 48.5, total: 564.5 });
  });

  it('the autumn change (2026-10-25): a 25-hour day, the repeated 01:00 hour is billed at its band both times', () => {
    // Local midnight is 2026-10-24T23:00Z (BST); 00:00Z is 01:00 BST, 01:00Z is 01:00 GMT again.
    const usage = hours(Date.UTC(2026, 9, 24, 23), 25, (i) => (i === 1 ? 2 : i === 2 ? 3 : 1));
    const cost = costOf(cosy, usage, ['2026-10-25'], ZONE);
    // standard: 00 (1), 01 BST (2), 01 GMT (3), 02, 03 (2), 07..12 (6), 19..23 (5) = 19 kWh × 24 = 456
    // cheap 6 × 12 = 72; peak 3 × 36 = 108
    expect(cost.byBand['19:00-04:00']).toEqual({ rate: 24, kwh: 13, cost: 312 });
    expect(cost.byBand['07:00-13:00']).toEqual({ rate: 24, kwh: 6, cost: 144 });
    expect(cost).toMatchObject({ kwh: 28, energyCost: 636, standingCost: 48.5, total: 684.5 });
  });

  it('a window across both changes adds up the same as its days', () => {
    const spring = hours(Date.UTC(2026, 2, 29, 0), 23, () => 1);
    const autumn = hours(Date.UTC(2026, 9, 24, 23), 25, (i) => (i === 1 ? 2 : i === 2 ? 3 : 1));
    const cost = costOf(cosy, [...spring, ...autumn], ['2026-03-29', '2026-10-25'], ZONE);
    // 516 + 636 = 1152; 2 × 48.5 = 97
    expect(cost).toMatchObject({ kwh: 51, energyCost: 1152, standingCost: 97, total: 1249 });
  });

  it('a band boundary on the half hour shares the hour pro rata by minutes', () => {
    // Economy 7-like, 00:30-07:30 at 10p, otherwise 30p (wrapping midnight), in winter (GMT = UTC).
    const e7 = {
      currency: 'GBP',
      standingCharge: 0,
      unitRate: null,
      bands: [
        { from: '00:30', to: '07:30', rate: 10 },
        { from: '07:30', to: '00:30', rate: 30 },
      ],
    };
    const usage = [
      { hourStart: Date.UTC(2026, 0, 5, 0), kwh: 2 }, // 00:00-01:00: 1 kWh at 30, 1 kWh at 10 = 40
      { hourStart: Date.UTC(2026, 0, 5, 7), kwh: 4 }, // 07:00-08:00: 2 kWh at 10, 2 kWh at 30 = 80
      { hourStart: Date.UTC(2026, 0, 5, 3), kwh: 1 }, // 03:00-04:00: all at 10
    ];
    const cost = costOf(e7, usage, [], ZONE);
    expect(cost.byBand).toEqual({
      '00:30-07:30': { rate: 10, kwh: 4, cost: 40 },
      '07:30-00:30': { rate: 30, kwh: 3, cost: 90 },
    });
    expect(cost.total).toBe(130);
  });

  it('negative rates (paid to use) are billed as such', () => {
    const agile = { currency: 'GBP', standingCharge: 0, unitRate: -2.5, bands: null };
    expect(costOf(agile, [{ hourStart: Date.UTC(2026, 4, 1, 12), kwh: 4 }], [], ZONE).total).toBe(-10);
  });
});

describe('bandProblems: bands cover the local day exactly once', () => {
  it('takes bands that wrap midnight and end at 24:00', () => {
    expect(bandProblems(cosy.bands)).toEqual([]);
    expect(
      bandProblems([
        { from: '00:00', to: '12:00', rate: 1 },
        { from: '12:00', to: '24:00', rate: 2 },
      ]),
    ).toEqual([]);
  });

  it('names an overlap by both bands and the first minute they share', () => {
    expect(
      bandProblems([
        { from: '00:00', to: '13:00', rate: 1 },
        { from: '12:00', to: '24:00', rate: 2 },
      ]),
    ).toEqual([
      { field: '/body/bands/1', message: 'band 12:00-24:00 overlaps band 0 (00:00-13:00) at 12:00' },
    ]);
  });

  it('names each gap', () => {
    expect(
      bandProblems([
        { from: '01:00', to: '12:00', rate: 1 },
        { from: '12:30', to: '23:00', rate: 2 },
      ]),
    ).toEqual([
      { field: '/body/bands', message: 'no band covers 12:00-12:30: bands must cover the whole day' },
      { field: '/body/bands', message: 'no band covers 23:00-01:00: bands must cover the whole day' },
    ]);
  });

  it('refuses a band that covers no time or the whole day', () => {
    const problems = bandProblems([{ from: '07:00', to: '07:00', rate: 1 }]);
    expect(problems[0]).toEqual({
      field: '/body/bands/0',
      message: expect.stringContaining('covers no time or the whole day'),
    });
  });
});

describe('carbonOf', () => {
  it('a fixed factor: kWh × kgCO2e/kWh', () => {
    const usage = hours(Date.UTC(2026, 0, 1), 10, () => 1);
    expect(carbonOf({ kind: 'factor', kgPerKwh: 0.207 }, usage)).toEqual({
      kgCo2e: 2.07,
      kwh: 10,
      fallbackHalfHours: 0,
    });
  });

  it('a half-hourly series: half of each hour at each half hour, the factor where the series is missing', () => {
    const t = Date.UTC(2026, 0, 1, 12);
    const series = new Map([
      [t, 100],
      [t + 1_800_000, 200],
      [t + 3_600_000, 50],
    ]);
    const usage = [
      { hourStart: t, kwh: 2 }, // 1 × 0.1 + 1 × 0.2 = 0.3
      { hourStart: t + HOUR, kwh: 4 }, // 2 × 0.05 + 2 × 0.2 (fallback) = 0.5
    ];
    expect(carbonOf({ kind: 'series', gPerKwh: series, fallbackKgPerKwh: 0.2 }, usage)).toEqual({
      kgCo2e: 0.8,
      kwh: 6,
      fallbackHalfHours: 1,
    });
  });
});
