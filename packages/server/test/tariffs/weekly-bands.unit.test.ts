import { describe, expect, it } from 'vitest';
import { type Band, bandProblems, canonicalBands, type Day } from '../../src/tariffs/bands.js';
import { costOf, type HourlyUsage } from '../../src/tariffs/cost.js';

const HOUR = 3_600_000;
const ZONE = 'Europe/London';
const WEEKDAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const WEEKEND: Day[] = ['sat', 'sun'];

/**
 * Weekdays: 25p by day, 40p at the 16:00-19:00 peak, 20p at night (19:00-07:00, wrapping midnight).
 * Weekends: 15p by day (04:00-19:00), 12p at night (19:00-04:00, wrapping midnight).
 * A wrapping band covers the evening and the early morning of each day it names: Friday 23:00 is
 * weekday night (20p), Saturday 01:00 weekend night (12p); Monday 01:00 is weekday night again.
 */
const week = {
  currency: 'GBP',
  standingCharge: 50,
  unitRate: null,
  bands: [
    { from: '07:00', to: '16:00', rate: 25, days: WEEKDAYS },
    { from: '16:00', to: '19:00', rate: 40, days: WEEKDAYS },
    { from: '19:00', to: '07:00', rate: 20, days: WEEKDAYS },
    { from: '04:00', to: '19:00', rate: 15, days: WEEKEND },
    { from: '19:00', to: '04:00', rate: 12, days: WEEKEND },
  ] satisfies Band[],
};
const WEEKDAY_NIGHT = '19:00-07:00 mon tue wed thu fri';
const WEEKEND_NIGHT = '19:00-04:00 sat sun';

/** The same times on both halves of the week, at different rates. */
const split = {
  currency: 'GBP',
  standingCharge: 40,
  unitRate: null,
  bands: [
    { from: '00:00', to: '07:00', rate: 10, days: WEEKDAYS },
    { from: '07:00', to: '24:00', rate: 30, days: WEEKDAYS },
    { from: '00:00', to: '07:00', rate: 5, days: WEEKEND },
    { from: '07:00', to: '24:00', rate: 20, days: WEEKEND },
  ] satisfies Band[],
};

/** `kwh(i)` for each of `count` UTC hours from `start`. */
const hours = (start: number, count: number, kwh: (i: number) => number): HourlyUsage[] =>
  Array.from({ length: count }, (_, i) => ({ hourStart: start + i * HOUR, kwh: kwh(i) }));

describe('costOf: bands of some days of the week, hand-computed in pence', () => {
  it('a winter weekend, Friday to Monday: each hour at the bands of its own day', () => {
    // 2026-01-09 is a Friday; GMT = UTC. 1 kWh in each of 96 hours, Friday 00:00 to Tuesday 00:00.
    const usage = hours(Date.UTC(2026, 0, 9), 96, () => 1);
    const days = ['2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12'];
    const cost = costOf(week, usage, days, ZONE);
    // Friday and Monday each: night 00-07 and 19-24 = 12 h at 20, day 07-16 = 9 h at 25, peak 3 h at 40.
    // Saturday and Sunday each: night 00-04 and 19-24 = 9 h at 12, day 04-19 = 15 h at 15.
    expect(cost.byBand).toEqual({
      [WEEKDAY_NIGHT]: { rate: 20, kwh: 24, cost: 480 },
      '07:00-16:00 mon tue wed thu fri': { rate: 25, kwh: 18, cost: 450 },
      '16:00-19:00 mon tue wed thu fri': { rate: 40, kwh: 6, cost: 240 },
      '04:00-19:00 sat sun': { rate: 15, kwh: 30, cost: 450 },
      [WEEKEND_NIGHT]: { rate: 12, kwh: 18, cost: 216 },
    });
    // 480 + 450 + 240 + 450 + 216 = 1836; 4 days × 50 = 200.
    expect(cost).toMatchObject({ kwh: 96, energyCost: 1836, standingCost: 200, total: 2036 });
  });

  it('a band wrapping midnight: the minutes after midnight belong to the next day, and take its bands', () => {
    const usage = [
      { hourStart: Date.UTC(2026, 0, 9, 22), kwh: 2 }, // Friday 22:00: weekday night, 20p
      { hourStart: Date.UTC(2026, 0, 9, 23), kwh: 2 }, // Friday 23:00: weekday night, 20p
      { hourStart: Date.UTC(2026, 0, 10, 0), kwh: 3 }, // Saturday 00:00: weekend night, 12p
      { hourStart: Date.UTC(2026, 0, 10, 3), kwh: 3 }, // Saturday 03:00: weekend night, 12p
      { hourStart: Date.UTC(2026, 0, 10, 4), kwh: 5 }, // Saturday 04:00: weekend day, 15p
      { hourStart: Date.UTC(2026, 0, 11, 23), kwh: 1 }, // Sunday 23:00: weekend night, 12p
      { hourStart: Date.UTC(2026, 0, 12, 0), kwh: 1 }, // Monday 00:00: weekday night, 20p
      { hourStart: Date.UTC(2026, 0, 12, 6), kwh: 1 }, // Monday 06:00: weekday night, 20p
    ];
    const cost = costOf(week, usage, [], ZONE);
    expect(cost.byBand).toEqual({
      [WEEKDAY_NIGHT]: { rate: 20, kwh: 6, cost: 120 },
      [WEEKEND_NIGHT]: { rate: 12, kwh: 7, cost: 84 },
      '04:00-19:00 sat sun': { rate: 15, kwh: 5, cost: 75 },
    });
    expect(cost.total).toBe(279);
  });

  it('an hour across local midnight (a zone at +05:30) is shared between the two days by minutes', () => {
    // 2026-01-09T18:00Z is Friday 23:30 in Kolkata: 30 minutes of Friday night, 30 of Saturday's.
    const cost = costOf(week, [{ hourStart: Date.UTC(2026, 0, 9, 18), kwh: 2 }], [], 'Asia/Kolkata');
    expect(cost.byBand).toEqual({
      [WEEKDAY_NIGHT]: { rate: 20, kwh: 1, cost: 20 },
      [WEEKEND_NIGHT]: { rate: 12, kwh: 1, cost: 12 },
    });
  });

  it('the spring change (Sunday 2026-03-29, 23 hours): the day is local, so 23:00Z is already Monday', () => {
    // Sunday: local midnight is 00:00Z (GMT), the clocks go to 02:00 BST at 01:00Z; Monday starts at 23:00Z.
    const usage = hours(Date.UTC(2026, 2, 29, 0), 47, () => 1);
    const cost = costOf(week, usage, ['2026-03-29', '2026-03-30'], ZONE);
    // Sunday, local hours 00, 02..23: night 00, 02, 03, 19..23 = 8 h at 12; day 04..18 = 15 h at 15.
    // Monday (from 23:00Z): night 00..06 and 19..23 = 12 h at 20; day 9 h at 25; peak 3 h at 40.
    expect(cost.byBand).toEqual({
      [WEEKEND_NIGHT]: { rate: 12, kwh: 8, cost: 96 },
      '04:00-19:00 sat sun': { rate: 15, kwh: 15, cost: 225 },
      [WEEKDAY_NIGHT]: { rate: 20, kwh: 12, cost: 240 },
      '07:00-16:00 mon tue wed thu fri': { rate: 25, kwh: 9, cost: 225 },
      '16:00-19:00 mon tue wed thu fri': { rate: 40, kwh: 3, cost: 120 },
    });
    // 96 + 225 + 240 + 225 + 120 = 906; 2 days × 50 = 100.
    expect(cost).toMatchObject({ kwh: 47, energyCost: 906, standingCost: 100, total: 1006 });
  });

  it('the autumn change (Sunday 2026-10-25, 25 hours): both 01:00 hours are Sunday night; labels stay apart', () => {
    // From Saturday 23:00 BST (22:00Z) to Monday 01:00 GMT (01:00Z on the 26th): 27 hours.
    // 00:00Z is 01:00 BST (2 kWh), 01:00Z is 01:00 GMT (3 kWh); 1 kWh in every other hour.
    const usage = hours(Date.UTC(2026, 9, 24, 22), 27, (i) => (i === 2 ? 2 : i === 3 ? 3 : 1));
    const cost = costOf(split, usage, ['2026-10-25'], ZONE);
    // Weekend 00:00-07:00: Sunday 00 (1), 01 BST (2), 01 GMT (3), 02..06 (5) = 11 kWh at 5 = 55.
    // Weekend 07:00-24:00: Saturday 23 (1) + Sunday 07..23 (17) = 18 kWh at 20 = 360.
    // Weekday 00:00-07:00: Monday 00 (1) at 10 = 10. Nothing in the weekday day band.
    expect(cost.byBand).toEqual({
      '00:00-07:00 sat sun': { rate: 5, kwh: 11, cost: 55 },
      '07:00-24:00 sat sun': { rate: 20, kwh: 18, cost: 360 },
      '00:00-07:00 mon tue wed thu fri': { rate: 10, kwh: 1, cost: 10 },
    });
    expect(cost).toMatchObject({ kwh: 30, energyCost: 425, standingCost: 40, total: 465 });
  });

  it('a band of every day beside bands of some days; a whole-day band of some days', () => {
    const mixed = {
      currency: 'GBP',
      standingCharge: 0,
      unitRate: null,
      bands: [
        { from: '07:00', to: '24:00', rate: 30 },
        { from: '00:00', to: '07:00', rate: 10, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
        { from: '00:00', to: '07:00', rate: 0, days: ['sun'] },
      ] satisfies Band[],
    };
    expect(bandProblems(mixed.bands)).toEqual([]);
    const usage = [
      { hourStart: Date.UTC(2026, 0, 10, 6), kwh: 1 }, // Saturday 06:00: 10
      { hourStart: Date.UTC(2026, 0, 11, 6), kwh: 1 }, // Sunday 06:00: 0
      { hourStart: Date.UTC(2026, 0, 11, 7), kwh: 1 }, // Sunday 07:00: 30 (every day)
    ];
    expect(costOf(mixed, usage, [], ZONE).byBand).toEqual({
      '00:00-07:00 mon tue wed thu fri sat': { rate: 10, kwh: 1, cost: 10 },
      '00:00-07:00 sun': { rate: 0, kwh: 1, cost: 0 },
      '07:00-24:00': { rate: 30, kwh: 1, cost: 30 },
    });
    const wholeWeekend = [
      { from: '00:00', to: '07:00', rate: 10, days: WEEKDAYS },
      { from: '07:00', to: '24:00', rate: 30, days: WEEKDAYS },
      { from: '00:00', to: '24:00', rate: 8, days: WEEKEND },
    ];
    expect(bandProblems(wholeWeekend)).toEqual([]);
    const saturday = hours(Date.UTC(2026, 0, 10), 24, () => 1);
    expect(costOf({ ...mixed, bands: wholeWeekend }, saturday, [], ZONE).byBand).toEqual({
      '00:00-24:00 sat sun': { rate: 8, kwh: 24, cost: 192 },
    });
  });
});

describe('bandProblems with days: each day of the week covered exactly once', () => {
  it('takes a weekday/weekend tariff with bands wrapping midnight', () => {
    expect(bandProblems(week.bands)).toEqual([]);
    expect(bandProblems(split.bands)).toEqual([]);
  });

  it('names an overlap by both bands, the day and the first minute they share', () => {
    expect(
      bandProblems([
        { from: '07:00', to: '24:00', rate: 30, days: WEEKDAYS },
        { from: '00:00', to: '24:00', rate: 10, days: WEEKEND },
        { from: '00:00', to: '07:00', rate: 10, days: WEEKDAYS },
        { from: '16:00', to: '19:00', rate: 40, days: ['sat', 'sun'] },
      ]),
    ).toEqual([
      {
        field: '/body/bands/3',
        message: 'band 3 (16:00-19:00, sat sun) overlaps band 1 (00:00-24:00, sat sun) on sat at 16:00',
      },
    ]);
    // A band of every day named as such; the first day the two share.
    expect(
      bandProblems([
        { from: '06:00', to: '24:00', rate: 30 },
        { from: '00:00', to: '06:00', rate: 10, days: WEEKDAYS },
        { from: '00:00', to: '07:00', rate: 5, days: ['sun', 'sat'] },
      ]),
    ).toEqual([
      {
        field: '/body/bands/2',
        message: 'band 2 (00:00-07:00, sat sun) overlaps band 0 (06:00-24:00, every day) on sat at 06:00',
      },
    ]);
  });

  it('names each gap with the days it is on, a gap across midnight once', () => {
    const noWeekendNight = week.bands.slice(0, 4);
    expect(bandProblems(noWeekendNight)).toEqual([
      {
        field: '/body/bands',
        message: 'no band covers 19:00-04:00 on sat sun: bands must cover the whole of each day',
      },
    ]);
    const saturdayNightMissing: Band[] = [
      ...week.bands.slice(0, 4),
      { from: '19:00', to: '04:00', rate: 12, days: ['sun'] },
    ];
    expect(bandProblems(saturdayNightMissing)).toEqual([
      {
        field: '/body/bands',
        message: 'no band covers 19:00-04:00 on sat: bands must cover the whole of each day',
      },
    ]);
    const noSunday = split.bands.map((b) => (b.days === WEEKEND ? { ...b, days: ['sat'] as Day[] } : b));
    expect(bandProblems(noSunday)).toEqual([
      {
        field: '/body/bands',
        message: 'no band covers 00:00-24:00 on sun: bands must cover the whole of each day',
      },
    ]);
  });

  it('names a day given twice or unknown by its place in days, and an empty days', () => {
    const bands = [...split.bands] as Band[];
    bands[2] = { from: '00:00', to: '07:00', rate: 5, days: ['sat', 'sat', 'sun'] };
    expect(bandProblems(bands)).toEqual([{ field: '/body/bands/2/days/1', message: 'sat is named twice' }]);
    bands[2] = { from: '00:00', to: '07:00', rate: 5, days: ['sat', 'Sun' as Day, 'sun'] };
    expect(bandProblems(bands)).toEqual([
      { field: '/body/bands/2/days/1', message: 'Sun is not one of mon tue wed thu fri sat sun' },
    ]);
    bands[2] = { from: '00:00', to: '07:00', rate: 5, days: [] };
    expect(bandProblems(bands)).toContainEqual({
      field: '/body/bands/2/days',
      message: 'must name at least one day',
    });
  });

  it('refuses a band of some days that covers no time (00:00-24:00 is the whole of its days)', () => {
    expect(
      bandProblems([
        { from: '00:00', to: '24:00', rate: 10, days: WEEKDAYS },
        { from: '07:00', to: '07:00', rate: 5, days: WEEKEND },
      ]),
    ).toContainEqual({
      field: '/body/bands/1',
      message:
        'band 07:00-07:00 sat sun covers no time or the whole day (00:00-24:00 is the whole of its days)',
    });
  });

  it('at most 48 bands apply on a day; up to 7 × 48 in all', () => {
    // 48 half-hour bands for each day of the week: 336 bands, valid.
    const halfHours = (days: Day[]) =>
      Array.from({ length: 48 }, (_, i) => ({
        from: `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`,
        to: i === 47 ? '24:00' : `${String(Math.floor((i + 1) / 2)).padStart(2, '0')}:${i % 2 ? '00' : '30'}`,
        rate: i,
        days,
      }));
    const perDay = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as Day[]).flatMap((d) =>
      halfHours([d]),
    );
    expect(perDay).toHaveLength(336);
    expect(bandProblems(perDay)).toEqual([]);
    // Monday's 00:00-00:30 split in two: 49 bands on Monday.
    const crowded = [
      { from: '00:00', to: '00:15', rate: 1, days: ['mon'] as Day[] },
      { from: '00:15', to: '00:30', rate: 1, days: ['mon'] as Day[] },
      ...perDay.slice(1),
    ];
    expect(bandProblems(crowded)).toEqual([
      { field: '/body/bands', message: 'has 49 bands on mon: at most 48 a day' },
    ]);
    // Without days, 49 bands are 49 a day.
    const everyDay = [
      { from: '00:00', to: '00:15', rate: 1 },
      { from: '00:15', to: '00:30', rate: 1 },
      ...halfHours([])
        .slice(1)
        .map(({ from, to, rate }) => ({ from, to, rate })),
    ];
    expect(bandProblems(everyDay)).toEqual([
      { field: '/body/bands', message: 'has 49 bands: at most 48 a day' },
    ]);
  });
});

describe('canonicalBands: the stored and answered form', () => {
  it('puts days in week order, drops days naming all seven, keeps bands without days as they are', () => {
    expect(
      canonicalBands([
        { from: '00:00', to: '07:00', rate: 5, days: ['sun', 'sat'] },
        { from: '07:00', to: '24:00', rate: 20, days: ['sun', 'sat', 'fri', 'thu', 'wed', 'tue', 'mon'] },
        { from: '00:00', to: '07:00', rate: 10, days: ['fri', 'mon', 'tue', 'wed', 'thu'] },
        { from: '04:00', to: '07:00', rate: 1 },
      ]),
    ).toEqual([
      { from: '00:00', to: '07:00', rate: 5, days: ['sat', 'sun'] },
      { from: '07:00', to: '24:00', rate: 20 },
      { from: '00:00', to: '07:00', rate: 10, days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      { from: '04:00', to: '07:00', rate: 1 },
    ]);
  });
});
