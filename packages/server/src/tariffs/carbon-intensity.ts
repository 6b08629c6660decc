import type { FieldProblem } from '../http/errors.js';

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
  const lines = text.split(/\r?\n/);
  const problems: FieldProblem[] = [];
  const points: IntensityPoint[] = [];
  const header = (lines[0] ?? '').trim().toLowerCase().replaceAll(' ', '');
  if (header !== 'time,g_per_kwh') {
    problems.push({ field: 'line 1', message: 'the header must be time,g_per_kwh' });
    return { points, problems };
  }
  const seen = new Set<number>();
  lines.slice(1).forEach((raw, i) => {
    const line = raw.trim();
    const where = `line ${i + 2}`;
    if (line === '') return;
    const [time, value, extra] = line.split(',').map((s) => s.trim());
    const t = time && /(Z|[+-]\d\d:\d\d)$/.test(time) ? Date.parse(time) : Number.NaN;
    const g = value === undefined || value === '' ? Number.NaN : Number(value);
    if (extra !== undefined) problems.push({ field: where, message: 'has more than two columns' });
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
  });
  return { points, problems };
}
