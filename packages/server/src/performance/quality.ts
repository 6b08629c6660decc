import { type Calendar, HOUR } from '../analytics/buckets.js';
import { describeCauses, type SuspectCause } from '../analytics/quality-intervals.js';
import { round } from '../analytics/schemas.js';
import { isoTime } from '../db/time.js';
import type { Boundary } from './boundary.js';
import {
  type HourFigures,
  type Period,
  periodsOf,
  ratio,
  roundOrNull,
  type SplitTotals,
  splitTotals,
} from './formulas.js';
import type { PerformanceHour } from './hours.js';
import { PLAUSIBLE_DAILY_COP, PLAUSIBLE_SPF } from './plausible.js';
import type { PerformanceAnswer, Quality, Split } from './schemas.js';
import { splitOf } from './split.js';

/** Below one day of data no SPF is stated, whatever the coverage of a short window. */
const MIN_HOURS_FOR_SPF = 24;
/** A window or period this long or shorter is a day for plausibility (25 h: the DST day). */
const DAY_HOURS_FOR_PLAUSIBILITY = 25;

/** The figures of a period or the window, with their quality. */
export interface SliceFigures {
  split: Split;
  totals: SplitTotals;
  heatKwh: number | null;
  electricityKwh: number | null;
  /** the COP or SPF, stated only when the quality is ok */
  ratio: number | null;
  coverage: { percent: number; hoursWithData: number; hours: number };
  quality: Quality;
}

/**
 * Stage 4: quality and figures. Per period and for the window: energy, coverage, the quality (enough
 * data, no left-out hours below the minimum coverage, a plausible figure), the COP or SPF it allows,
 * and the split into space heating, hot water and running.
 */
export function periodsAndWindowOf(input: {
  hours: PerformanceHour[];
  boundary: Boundary | null;
  hotWaterFlag: { serial: string } | null;
  minCoverage: number;
  period: Period;
  calendar: Calendar;
  from: number;
  to: number;
}): { periods: PerformanceAnswer['periods']; whole: SliceFigures } {
  const { hours, from, to } = input;
  const periods: PerformanceAnswer['periods'] = [];
  let index = 0;
  for (const [start, end] of periodsOf(from, to, input.period, input.calendar.zone)) {
    const first = index;
    while (index < hours.length && (hours[index] as HourFigures).hour < end) index++;
    const s = figuresOf(input, hours.slice(first, index), false, isDay(start, end));
    periods.push({
      start: isoTime(start),
      end: isoTime(end),
      heatKwh: s.heatKwh,
      electricityKwh: s.electricityKwh,
      cop: s.ratio,
      coverage: s.coverage,
      quality: s.quality,
      split: s.split,
    });
  }
  return { periods, whole: figuresOf(input, hours, true, isDay(from, to)) };
}

function figuresOf(
  context: { boundary: Boundary | null; hotWaterFlag: { serial: string } | null; minCoverage: number },
  slice: PerformanceHour[],
  window: boolean,
  day: boolean,
): SliceFigures {
  const { boundary } = context;
  let heat = 0;
  let electricity = 0;
  let withData = 0;
  let elapsed = 0;
  const causes = new Map<SuspectCause, number>();
  for (const h of slice) {
    heat += h.heatKwh;
    electricity += h.electricityKwh;
    if (h.elapsed) elapsed++;
    if (h.elapsed && h.covered) withData++;
    if (h.elapsed && h.suspectCause) causes.set(h.suspectCause, (causes.get(h.suspectCause) ?? 0) + 1);
  }
  const suspectHours = [...causes.values()].reduce((n, k) => n + k, 0);
  const percent = elapsed > 0 ? (100 * withData) / elapsed : 0;
  const quality = qualityOf({
    boundary,
    electricity,
    percent,
    withData,
    minCoverage: context.minCoverage,
    window,
    suspectHours,
    causes,
  });
  const figure = quality.ok ? ratio(heat, electricity) : null;
  if (figure !== null) plausibility(quality, figure, day);
  const totals = splitTotals(slice);
  return {
    split: splitOf({ totals, electricity, boundary, quality, flag: context.hotWaterFlag }),
    totals,
    heatKwh: boundary ? round(heat, 3) : null,
    electricityKwh: boundary ? round(electricity, 3) : null,
    ratio: quality.ok ? roundOrNull(figure, 3) : null,
    coverage: { percent: round(percent, 1), hoursWithData: withData, hours: elapsed },
    quality,
  };
}

function qualityOf(input: {
  boundary: Boundary | null;
  electricity: number;
  percent: number;
  withData: number;
  minCoverage: number;
  window: boolean;
  suspectHours: number;
  causes: ReadonlyMap<SuspectCause, number>;
}): Quality {
  const reasons: Quality['reasons'] = [];
  const leftOut =
    input.suspectHours > 0
      ? ` (${input.suspectHours} hours with data left out under data-quality alarms: ${describeCauses(input.causes)})`
      : '';
  if (!input.boundary)
    reasons.push({
      code: 'no_boundary',
      message: 'the meters support no SEPEMO boundary (see boundary limits)',
    });
  else {
    if (input.percent < input.minCoverage)
      reasons.push({
        code: 'low_coverage',
        message: `data covers ${round(input.percent, 1)}% of the hours, below the minimum of ${input.minCoverage}%${leftOut}`,
      });
    if (input.window && input.withData < MIN_HOURS_FOR_SPF)
      reasons.push({
        code: 'too_little_data',
        message: `${input.withData} hours with data: an SPF needs at least ${MIN_HOURS_FOR_SPF}`,
      });
    if (!(input.electricity > 0))
      reasons.push({ code: 'no_electricity', message: 'no electricity was used at the boundary' });
  }
  return { ok: reasons.length === 0, reasons, leftOut: leftOutOf(input.causes) };
}

/** The alarms whose hours were left out of a period or the window, with how many hours each. */
function leftOutOf(causes: ReadonlyMap<SuspectCause, number>): Quality['leftOut'] {
  const byAlarm = new Map<string, Quality['leftOut'][number]>();
  for (const [cause, hours] of causes) {
    const key = cause.alarmId ?? cause.note ?? cause.rule;
    const known = byAlarm.get(key);
    if (known) known.hours += hours;
    else
      byAlarm.set(key, {
        alarmId: cause.alarmId,
        rule: cause.rule,
        channel: cause.channelKey,
        meterSerial: cause.meterSerial,
        hours,
        ...(cause.note !== undefined ? { note: cause.note } : {}),
      });
  }
  return [...byAlarm.values()];
}

/** Whether [start, end) is at most a local day long: its COP is judged as a day's. */
const isDay = (start: number, end: number): boolean => end - start <= DAY_HOURS_FOR_PLAUSIBILITY * HOUR;

/**
 * A COP or SPF no heat pump achieves is a metering fault, never a stated figure: the day's COP
 * outside PLAUSIBLE_DAILY_COP, a longer period's or the window's SPF outside PLAUSIBLE_SPF, makes
 * the quality not ok (and the figure withheld), the reason naming the figure and the bound.
 */
function plausibility(quality: Quality, figure: number, day: boolean): void {
  const bound = day ? PLAUSIBLE_DAILY_COP : PLAUSIBLE_SPF;
  if (figure >= bound.min && figure <= bound.max) return;
  quality.ok = false;
  quality.reasons.push(
    day
      ? {
          code: 'implausible_cop',
          message: `the day's COP would be ${round(figure, 2)}, outside the ${bound.min}–${bound.max} a heat pump can reach in a day: a meter is wrong (see the home's alarms), so it is withheld`,
        }
      : {
          code: 'implausible_spf',
          message: `the SPF would be ${round(figure, 2)}, outside the ${bound.min}–${bound.max} heat pumps reach over more than a day: a meter is wrong (see the home's alarms), so it is withheld`,
        },
  );
}
