import { setImmediate } from 'node:timers/promises';
import { ApiError, type FieldProblem } from '../http/errors.js';

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function field(value: unknown): string {
  // A number that is not finite has no place in a table: an empty cell, as for a missing figure.
  const missing =
    value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value));
  const text = missing ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV with a header line and CRLF line ends. */
export function toCsv(header: string[], rows: unknown[][]): string {
  const lines = [header.map(field).join(',')];
  for (const row of rows) lines.push(row.map(field).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A line of a two-column series upload: its number as a problem's field ("line 7") and its cells. */
export interface SeriesLine {
  where: string;
  first: string | undefined;
  second: string | undefined;
  /** the line has a third column (a problem the caller reports in line order) */
  extra: boolean;
}

/** How many of an upload's problems its error lists; the rest are only counted (`moreErrors`). */
export const LISTED_PROBLEMS = 100;

/** The problems of an upload: the first LISTED_PROBLEMS kept, all counted. */
export class UploadProblems {
  readonly listed: FieldProblem[] = [];
  count = 0;

  add(field: string, message: string): void {
    this.count++;
    if (this.listed.length < LISTED_PROBLEMS) this.listed.push({ field, message });
  }

  /** A 400 naming the first problems in its detail, listing up to LISTED_PROBLEMS, counting the rest. */
  error(): ApiError {
    const shown = this.listed.slice(0, 5).map((p) => `${p.field}: ${p.message}`);
    const more = this.count - shown.length;
    return new ApiError(
      'validation_failed',
      `${this.count} bad line(s), nothing stored: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
      this.count > this.listed.length
        ? { errors: this.listed, moreErrors: this.count - this.listed.length }
        : { errors: this.listed },
    );
  }
}

/** Lines read between two yields to the event loop (a few milliseconds of work). */
const LINES_PER_SLICE = 2_000;

/**
 * Reads the lines of a two-column series upload (regional weather, carbon intensity) under its
 * header (`date,mean_c`), calling `each` with every non-empty line's cells, trimmed, and its line
 * number. A wrong header is the one problem (nothing else is read). It yields to the event loop
 * every few thousand lines, so a large upload never stalls other requests (/healthz, gateways).
 */
export async function eachSeriesLine(
  text: string,
  header: string,
  problems: UploadProblems,
  each: (line: SeriesLine) => void,
): Promise<void> {
  let at = 0;
  let number = 0;
  const next = (): string | undefined => {
    if (at > text.length) return undefined;
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const line = text.slice(at, end);
    at = end + 1;
    number++;
    return line;
  };
  if ((next() ?? '').trim().toLowerCase().replaceAll(' ', '') !== header) {
    problems.add('line 1', `the header must be ${header}`);
    return;
  }
  for (let raw = next(); raw !== undefined; raw = next()) {
    if (number % LINES_PER_SLICE === 0) await setImmediate();
    const line = raw.trim();
    if (line === '') continue;
    const [first, second, third] = line.split(',').map((cell) => cell.trim());
    each({ where: `line ${number}`, first, second, extra: third !== undefined });
  }
}

/**
 * A number written as a plain decimal (`-4.5`, `12`, `.5`), else NaN: `Number()` would also take
 * `0x10`, `1e3`, `Infinity` and `0b1`, which in a series of temperatures are typos, not readings.
 */
export function parseDecimal(text: string | undefined): number {
  return text !== undefined && /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
}

/** The earliest time a regional series may hold: older is a typo (1026 for 2026), not history. */
export const SERIES_EARLIEST = Date.UTC(1900, 0, 1);
/** How far ahead a regional series may reach: forecasts, not a mistyped century. */
export const SERIES_HORIZON_MS = 366 * 86_400_000;
