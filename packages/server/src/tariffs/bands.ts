import type { FieldProblem } from '../http/errors.js';

/** The days of the week, in the order they are stored, answered and named in messages. */
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

/** One time-of-use band: local wall-clock times, `from` inclusive, `to` exclusive ('24:00' = midnight). */
export interface Band {
  from: string;
  to: string;
  /** Minor units (pence) per kWh. */
  rate: number;
  /**
   * The local days the band applies on; absent: every day. Each minute belongs to the day it falls
   * on, so a band wrapping midnight covers the evening and the early morning of each day it names.
   */
  days?: Day[];
}

export const MINUTES_PER_DAY = 1440;

/** At most this many bands apply on any one day. */
export const MAX_BANDS_PER_DAY = 48;

/** '07:30' → 450; '24:00' → 1440. */
export const minuteOfDay = (hhmm: string): number => {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

const hhmm = (minute: number): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** The days a band applies on, in week order, without repeats or unknown names. */
const daysOf = (band: Pick<Band, 'days'>): Day[] =>
  band.days === undefined ? [...DAYS] : DAYS.filter((d) => band.days?.includes(d));

/**
 * The band's label in results and messages: "16:00-19:00" for a band of every day, "00:00-07:00
 * sat sun" for a band of some days (so two bands with the same times on different days differ).
 */
export const bandLabel = (band: Pick<Band, 'from' | 'to' | 'days'>): string =>
  band.days === undefined ? `${band.from}-${band.to}` : `${band.from}-${band.to} ${daysOf(band).join(' ')}`;

/**
 * The stored and answered form of bands: `days` in week order, and dropped when it names all seven
 * (the same as every day). Other fields are dropped.
 */
export function canonicalBands(bands: readonly Band[]): Band[] {
  return bands.map(({ from, to, rate, days }) => {
    if (days === undefined) return { from, to, rate };
    const named = daysOf({ days });
    return named.length === DAYS.length ? { from, to, rate } : { from, to, rate, days: named };
  });
}

/** The whole of each day it names: only a band with days may be 00:00-24:00. */
const isWholeDay = (band: Band) => band.days !== undefined && band.from === '00:00' && band.to === '24:00';

/**
 * The minutes of the day a band covers: a band whose `to` is not after its `from` wraps midnight,
 * covering the start and the end of the same day.
 */
function minutesOf(band: Band): number[] {
  const from = minuteOfDay(band.from);
  const to = minuteOfDay(band.to);
  const minutes: number[] = [];
  if (from < to) for (let m = from; m < to; m++) minutes.push(m);
  else {
    for (let m = from; m < MINUTES_PER_DAY; m++) minutes.push(m);
    for (let m = 0; m < to; m++) minutes.push(m);
  }
  return minutes;
}

/** The stretches of the day no band covers, a stretch across midnight as one ([1380, 60]). */
function gapsOf(owner: Int16Array): Array<[number, number]> {
  const gaps: Array<[number, number]> = [];
  for (let m = 0; m < MINUTES_PER_DAY; m++) {
    if (owner[m] !== -1) continue;
    let end = m;
    while (end < MINUTES_PER_DAY && owner[end] === -1) end++;
    gaps.push([m, end]);
    m = end;
  }
  // A gap across midnight is one gap: 23:00-01:00, not 00:00-01:00 and 23:00-24:00.
  const first = gaps[0];
  const last = gaps[gaps.length - 1];
  if (gaps.length > 1 && first && last && first[0] === 0 && last[1] === MINUTES_PER_DAY) {
    gaps.shift();
    last[1] = first[1];
  }
  return gaps;
}

/**
 * Every problem with a list of bands, by field: a band that covers no time, bands that overlap
 * (naming both), and the times of day no band covers. Valid bands cover the whole day exactly once;
 * with `days`, each day of the week exactly once (problems then name the day).
 */
export function bandProblems(bands: readonly Band[], field = '/body/bands'): FieldProblem[] {
  if (bands.every((band) => band.days === undefined)) return everyDayProblems(bands, field);
  return weekProblems(bands, field);
}

/** The rule for bands without days: the same bands cover every day (the messages name no day). */
function everyDayProblems(bands: readonly Band[], field: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const owner = new Int16Array(MINUTES_PER_DAY).fill(-1);
  bands.forEach((band, i) => {
    if (minuteOfDay(band.from) % MINUTES_PER_DAY === minuteOfDay(band.to) % MINUTES_PER_DAY) {
      problems.push({
        field: `${field}/${i}`,
        message: `band ${bandLabel(band)} covers no time or the whole day (use a flat unitRate for one rate all day)`,
      });
      return;
    }
    let reported = false;
    for (const m of minutesOf(band)) {
      const other = owner[m] as number;
      if (other >= 0) {
        if (!reported) {
          const theirs = bands[other] as Band;
          problems.push({
            field: `${field}/${i}`,
            message: `band ${bandLabel(band)} overlaps band ${other} (${bandLabel(theirs)}) at ${hhmm(m)}`,
          });
          reported = true;
        }
      } else owner[m] = i;
    }
  });
  if (bands.length > MAX_BANDS_PER_DAY) {
    problems.push({ field, message: `has ${bands.length} bands: at most ${MAX_BANDS_PER_DAY} a day` });
  }
  for (const [from, to] of gapsOf(owner)) {
    problems.push({
      field,
      message: `no band covers ${hhmm(from)}-${hhmm(to)}: bands must cover the whole day`,
    });
  }
  return problems;
}

/** "band 3 (16:00-19:00, sat sun)", "band 0 (07:00-24:00, every day)". */
const described = (band: Band, i: number) =>
  `band ${i} (${band.from}-${band.to}, ${band.days === undefined ? 'every day' : daysOf(band).join(' ')})`;

/** The rule once some band has days: each day of the week is covered exactly once by its bands. */
function weekProblems(bands: readonly Band[], field: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const usable: boolean[] = bands.map((band, i) => {
    let ok = true;
    if (band.days !== undefined) {
      if (band.days.length === 0) {
        problems.push({ field: `${field}/${i}/days`, message: 'must name at least one day' });
        ok = false;
      }
      band.days.forEach((day, j) => {
        if (!(DAYS as readonly string[]).includes(day)) {
          problems.push({
            field: `${field}/${i}/days/${j}`,
            message: `${day} is not one of ${DAYS.join(' ')}`,
          });
        } else if (band.days?.indexOf(day) !== j) {
          problems.push({ field: `${field}/${i}/days/${j}`, message: `${day} is named twice` });
        }
      });
    }
    const from = minuteOfDay(band.from) % MINUTES_PER_DAY;
    const to = minuteOfDay(band.to) % MINUTES_PER_DAY;
    if (from === to && !isWholeDay(band)) {
      problems.push({
        field: `${field}/${i}`,
        message:
          band.days === undefined
            ? `band ${bandLabel(band)} covers no time or the whole day (use a flat unitRate for one rate all day)`
            : `band ${bandLabel(band)} covers no time or the whole day (00:00-24:00 is the whole of its days)`,
      });
      ok = false;
    }
    return ok;
  });
  const reported = new Set<number>();
  // The same stretch uncovered on several days is one problem naming them all.
  const gaps = new Map<string, Day[]>();
  for (const day of DAYS) {
    const owner = new Int16Array(MINUTES_PER_DAY).fill(-1);
    let count = 0;
    bands.forEach((band, i) => {
      if (!usable[i] || !daysOf(band).includes(day)) return;
      count++;
      for (const m of minutesOf(band)) {
        const other = owner[m] as number;
        if (other < 0) owner[m] = i;
        else if (!reported.has(i)) {
          problems.push({
            field: `${field}/${i}`,
            message: `${described(band, i)} overlaps ${described(bands[other] as Band, other)} on ${day} at ${hhmm(m)}`,
          });
          reported.add(i);
        }
      }
    });
    if (count > MAX_BANDS_PER_DAY) {
      problems.push({ field, message: `has ${count} bands on ${day}: at most ${MAX_BANDS_PER_DAY} a day` });
    }
    for (const [from, to] of gapsOf(owner)) {
      const stretch = `${hhmm(from)}-${hhmm(to)}`;
      gaps.set(stretch, [...(gaps.get(stretch) ?? []), day]);
    }
  }
  for (const [stretch, days] of gaps) {
    problems.push({
      field,
      message: `no band covers ${stretch} on ${days.join(' ')}: bands must cover the whole of each day`,
    });
  }
  return problems;
}

/**
 * For valid bands: the index of the band covering each minute of each local day, Monday first
 * (`owners[day][minute]`, day 0 = Monday as in Luxon's `weekday - 1`).
 */
export function bandsOfWeek(bands: readonly Band[]): Int16Array[] {
  return DAYS.map((day) => {
    const owner = new Int16Array(MINUTES_PER_DAY).fill(-1);
    bands.forEach((band, i) => {
      if (!daysOf(band).includes(day)) return;
      for (const m of minutesOf(band)) owner[m] = i;
    });
    return owner;
  });
}
