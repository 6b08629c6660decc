import {
  eachSeriesLine,
  parseDecimal,
  parseTime,
  SERIES_EARLIEST,
  SERIES_HORIZON_MS,
  UploadProblems,
} from '../telemetry/index.js';

const HALF_HOUR = 1_800_000;

export interface IntensityPoint {
  /** Start of the half hour, epoch ms (on :00 or :30 UTC). */
  t: number;
  gPerKwh: number;
}

/**
 * Parses a half-hourly carbon intensity CSV: a header `time,g_per_kwh`, then one line per half
 * hour with its start as RFC 3339 (with a zone: `2026-03-29T00:30:00Z`) and gCO2e/kWh (0-2000, a plain decimal:
 * `0x10` or `1e3` are refused), between 1900 and a year ahead.
 * NESO's Carbon Intensity API (carbonintensity.org.uk) gives these figures as `from` and
 * `intensity.actual` (or `.forecast`). Every bad line is reported with its number; nothing is
 * taken from a file with any.
 */
export async function parseIntensityCsv(
  text: string,
  now = Date.now(),
): Promise<{ points: IntensityPoint[]; problems: UploadProblems }> {
  const problems = new UploadProblems();
  const points: IntensityPoint[] = [];
  const seen = new Set<number>();
  const latest = now + SERIES_HORIZON_MS;
  await eachSeriesLine(text, 'time,g_per_kwh', problems, ({ where, first: time, second: value, extra }) => {
    const t = time === undefined ? undefined : parseTime(time);
    const g = parseDecimal(value);
    if (extra) problems.add(where, 'has more than two columns');
    else if (t === undefined) problems.add(where, `${time} is not an RFC 3339 time with a zone`);
    else if (t < SERIES_EARLIEST || t > latest) {
      problems.add(where, `${time} is not a plausible time: before 1900 or over a year ahead`);
    } else if (t % HALF_HOUR !== 0) problems.add(where, `${time} is not the start of a half hour`);
    else if (!(g >= 0 && g <= 2000)) {
      problems.add(where, `${value} is not a gCO2e/kWh between 0 and 2000`);
    } else if (seen.has(t)) problems.add(where, `${time} is given more than once`);
    else {
      seen.add(t);
      points.push({ t, gPerKwh: g });
    }
  });
  return { points, problems };
}
