import type { FieldProblem } from '../http/errors.js';

/** One time-of-use band: local wall-clock times, `from` inclusive, `to` exclusive ('24:00' = midnight). */
export interface Band {
  from: string;
  to: string;
  /** Minor units (pence) per kWh. */
  rate: number;
}

export const MINUTES_PER_DAY = 1440;

/** '07:30' → 450; '24:00' → 1440. */
export const minuteOfDay = (hhmm: string): number => {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

const hhmm = (minute: number): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** The band's label in results and messages: "16:00-19:00". */
export const bandLabel = (band: Pick<Band, 'from' | 'to'>): string => `${band.from}-${band.to}`;

/** The minutes of the day a band covers; a band whose `to` is not after its `from` wraps midnight. */
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

/**
 * Every problem with a list of bands, by field: a band that covers no time, bands that overlap
 * (naming both), and the times of day no band covers. Valid bands cover the whole day exactly once.
 */
export function bandProblems(bands: readonly Band[], field = '/body/bands'): FieldProblem[] {
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
  for (const [from, to] of gaps) {
    problems.push({
      field,
      message: `no band covers ${hhmm(from)}-${hhmm(to)}: bands must cover the whole day`,
    });
  }
  return problems;
}

/** For valid bands: the index of the band covering each minute of the local day. */
export function bandOfMinute(bands: readonly Band[]): Int16Array {
  const owner = new Int16Array(MINUTES_PER_DAY).fill(-1);
  bands.forEach((band, i) => {
    for (const m of minutesOf(band)) owner[m] = i;
  });
  return owner;
}
