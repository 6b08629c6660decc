import type { FieldProblem } from '../http/errors.js';

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

/**
 * The lines of a two-column series upload (regional weather, carbon intensity) under its header
 * (`date,mean_c`): each non-empty line's cells, trimmed, with its line number. A wrong header is
 * the one problem (nothing else is read).
 */
export function seriesLines(text: string, header: string): { lines: SeriesLine[]; problems: FieldProblem[] } {
  const all = text.split(/\r?\n/);
  const problems: FieldProblem[] = [];
  const lines: SeriesLine[] = [];
  if ((all[0] ?? '').trim().toLowerCase().replaceAll(' ', '') !== header) {
    problems.push({ field: 'line 1', message: `the header must be ${header}` });
    return { lines, problems };
  }
  all.slice(1).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `line ${i + 2}`;
    const [first, second, third] = line.split(',').map((cell) => cell.trim());
    lines.push({ where, first, second, extra: third !== undefined });
  });
  return { lines, problems };
}
