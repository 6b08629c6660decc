import { round } from '../analytics/schemas.js';
import { type Boundary, HOT_WATER_MODE_KEY } from './boundary.js';
import { ratio, roundOrNull, type SplitTotals } from './formulas.js';
import type { Quality, Split } from './schemas.js';

const NO_FLAG_REASON = `no ${HOT_WATER_MODE_KEY} channel (the heat pump's hot water flag) is metered`;

/** The split of a period or the window (docs/performance.md, "Space heating, hot water and running"). */
export function splitOf(input: {
  totals: SplitTotals;
  electricity: number;
  boundary: Boundary | null;
  quality: Quality;
  flag: { serial: string } | null;
}): Split {
  const { totals, electricity, boundary, quality, flag } = input;
  const part = (p: { heatKwh: number; electricityKwh: number }) => ({
    heatKwh: round(p.heatKwh, 3),
    electricityKwh: round(p.electricityKwh, 3),
    cop: quality.ok ? roundOrNull(ratio(p.heatKwh, p.electricityKwh), 3) : null,
  });
  const split = boundary !== null && flag !== null;
  const h = totals.hours;
  const running = `running: the ${totals.running.hours} hours with data (not just after a gap) in which the heat meters registered heat, idle hours' electricity left out`;
  const method = !boundary
    ? 'no boundary: nothing to split'
    : !flag
      ? `${NO_FLAG_REASON}, so no space heating and hot water; ${running}`
      : `${HOT_WATER_MODE_KEY} of ${flag.serial}: ${h.spaceHeating} hours read 0 and ${h.hotWater} read 1 throughout (and in the hour before) and went whole to space heating or hot water, ${h.mixed} hours with a change were split reading by reading (each register rise to the flag's value at the reading before it), ${h.unflagged} hours with data had no flag reading and went to neither; ${running}`;
  return {
    spaceHeating: split ? part(totals.spaceHeating) : null,
    hotWater: split ? part(totals.hotWater) : null,
    running: boundary ? { ...part(totals.running), hours: totals.running.hours } : null,
    coveragePercent:
      split && electricity > 0
        ? round(
            (100 * (totals.spaceHeating.electricityKwh + totals.hotWater.electricityKwh)) / electricity,
            1,
          )
        : null,
    method,
  };
}

/** Why each null figure of the window's split is null. */
export function splitUnavailable(
  split: Split,
  totals: SplitTotals,
  quality: Quality,
  boundary: Boundary | null,
): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  const refused = quality.reasons.map((r) => r.message).join('; ');
  if (!boundary) {
    for (const field of ['split.spaceHeating', 'split.hotWater', 'split.running', 'split.coveragePercent'])
      out.push({ field, reason: 'no boundary: no heat and electricity to split' });
    return out;
  }
  if (split.spaceHeating === null || split.hotWater === null) {
    for (const field of ['split.spaceHeating', 'split.hotWater', 'split.coveragePercent'])
      out.push({ field, reason: NO_FLAG_REASON });
  } else if (split.coveragePercent === null)
    out.push({ field: 'split.coveragePercent', reason: 'no electricity at the boundary' });
  const cop = (field: string, part: { cop: number | null } | null, none: string) => {
    if (part === null || part.cop !== null) return;
    out.push({ field, reason: quality.ok ? none : refused });
  };
  cop('split.spaceHeating.cop', split.spaceHeating, 'no electricity attributed to space heating');
  cop('split.hotWater.cop', split.hotWater, 'no electricity attributed to hot water');
  cop(
    'split.running.cop',
    split.running,
    totals.running.hours === 0
      ? 'no running hour: the heat meters registered no heat in an hour with data'
      : 'no electricity in the running hours',
  );
  return out;
}
