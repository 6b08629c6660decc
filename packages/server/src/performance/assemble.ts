import { withholdNonFinite } from '../analytics/finite.js';
import { isoTime } from '../db/time.js';
import type { Boundary } from './boundary.js';
import type { PerformanceChannels } from './channels.js';
import { CARNOT_CONVENTION, type Starts, type Unavailable } from './conventions.js';
import { type carnotPercent, type Period, roundOrNull } from './formulas.js';
import type { SliceFigures } from './quality.js';
import type { PerformanceAnswer, Quality } from './schemas.js';

/**
 * Stage 7: the answer, from what the stages found; a figure that is not finite is withheld and said
 * so in its quality.
 */
export function assembleAnswer(input: {
  homeId: string;
  from: number;
  to: number;
  timeZone: string;
  period: Period;
  minCoverage: number;
  channels: PerformanceChannels;
  periods: PerformanceAnswer['periods'];
  whole: SliceFigures;
  carnot: ReturnType<typeof carnotPercent>;
  flowC: number | null;
  starts: Starts;
  startThresholdW: number;
  defrostKwh: number | null;
  design: PerformanceAnswer['window']['design'];
  unavailable: Unavailable[];
}): PerformanceAnswer {
  const { whole, carnot, starts } = input;
  const boundary: Boundary | null = input.channels.boundary;
  return withholdOverflow({
    homeId: input.homeId,
    from: isoTime(input.from),
    to: isoTime(input.to),
    timeZone: input.timeZone,
    period: input.period,
    minCoveragePercent: input.minCoverage,
    boundary: boundary
      ? {
          level: boundary.level,
          description: boundary.description,
          electricityMeters: boundary.electricityMeters,
          heatMeters: boundary.heatMeters,
          assumptions: boundary.assumptions,
          supported: input.channels.support.levels,
        }
      : null,
    periods: input.periods,
    window: {
      heatKwh: whole.heatKwh,
      electricityKwh: whole.electricityKwh,
      spf: whole.ratio,
      coverage: whole.coverage,
      quality: whole.quality,
      split: whole.split,
      carnotPercent: roundOrNull(carnot.percent, 1),
      carnotConvention: { ...CARNOT_CONVENTION },
      carnotHours: carnot.hours,
      flowTemperatureWeightedC: roundOrNull(input.flowC, 2),
      starts: starts.starts,
      runningHours: starts.runningHours,
      powerReadingHours: starts.powerReadingHours,
      startsPerHourOfData: starts.startsPerHourOfData,
      startsPerRunningHour: starts.startsPerRunningHour,
      startsPerHour: starts.startsPerRunningHour,
      startThresholdW: input.startThresholdW,
      defrostKwh: input.defrostKwh,
      design: input.design,
      unavailable: input.unavailable,
    },
  });
}

/**
 * Withholds the figures that are not finite (analytics/finite.ts: a ratio to almost nothing can
 * overflow) and says so in the quality of their period or the window, whose COP or SPF is then
 * withheld too.
 */
function withholdOverflow(answer: PerformanceAnswer): PerformanceAnswer {
  const mark = (quality: Quality, fields: string[]): boolean => {
    if (fields.length === 0) return false;
    quality.ok = false;
    quality.reasons.push({
      code: 'not_finite',
      message: `${fields.join(', ')} could not be computed from the stored data (a figure overflowed) and is withheld`,
    });
    return true;
  };
  for (const p of answer.periods) if (mark(p.quality, withholdNonFinite(p))) p.cop = null;
  if (mark(answer.window.quality, withholdNonFinite(answer.window))) answer.window.spf = null;
  withholdNonFinite(answer);
  return answer;
}
