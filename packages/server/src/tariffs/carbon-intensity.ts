import type { FieldProblem } from '../http/errors.js';
import { seriesLines } from '../telemetry/csv.js';

const HALF_HOUR = 1_800_000;

export interface IntensityPoint {
  /** Start of the half hour, epoch ms (on :00 or :30 UTC). */
  t: number;
  gPerKwh: number;
}

/**
 * Parses a half-hourly carbon intensity CSV: a header `time,g_per_kwh`, then one line per half
 * hour with its start as RFC 3339 (with a zone: `2026-03-29T00:30:00Z`) and gCO2e/kWh (0-2000).
 * NESO's Carbon Intensity API (carbonintensity.org.uk) gives these figures as `from` and
 * `intensity.actual` (or `.forecast`). Every bad line is reported with its number; nothing is
 * taken from a file with any.
 */
export function parseIntensityCsv(text: string): { points: IntensityPoint[]; problems: FieldProblem[] } {
  const { lines, problems } = seriesLines(text, 'time,g_per_kwh');
  const points: IntensityPoint[] = [];
  const seen = new Set<number>();
  for (const { where, first: time, second: value, extra } of lines) {
    const t = time && /(Z|[+-]\d\d:\d\d)$/.test(time) ? Date.parse(time) : Number.NaN;
    const g = value === undefined || value === '' ? Number.NaN : Number(value);
    if (extra) problems.push({ field: where, message: 'has more than two columns' });
    else if (!Number.isFinite(t)) {
      problems.push({ field: where, message: `${time} is not an RFC 3339 time with a zone` });
    } else if (t % HALF_HOUR !== 0) {
      problems.push({ field: where, message: `${time} is not the start of a half hour` });
    } else if (!(g >= 0 && g <= 2000)) {
      problems.push({ field: where, message: `${value} is not a gCO2e/kWh between 0 and 2000` });
    } else if (seen.has(t)) {
      problems.push({ field: where, message: `${time} is given more than once` });
    } else {
      seen.add(t);
      points.push({ t, gPerKwh: g });
    }
  }
  return { points, problems };
}
