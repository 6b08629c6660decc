import type { Reading } from '@hearth/client';
import { type CsvError, parse } from 'csv-parse';

/**
 * Readings from CSV, as `hearth telemetry import` reads them: RFC 4180 parsing is csv-parse's
 * (quoted fields, embedded commas, quotes and line breaks, CRLF or LF, a byte-order mark); this
 * file only maps the columns and checks each row. The file is streamed: one record at a time.
 */

/** The columns a reading needs, as the header must name them (in any order, any case). */
const REQUIRED = ['channelId', 'time', 'value'] as const;
/** The server refuses a whole request whose channelId or time is longer (schema maxLength). */
const MAX_FIELD_LENGTH = 64;
/** A decimal number as people and spreadsheets write it: 12, -3.5, .5, 1e3. Not NaN, 0x1F or ''. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A row that became a reading, with the line of the file it starts on. */
export interface CsvReading {
  kind: 'reading';
  line: number;
  reading: Reading;
}

/** A row that could not be read: it is reported by line and not sent. */
export interface CsvProblem {
  kind: 'problem';
  line: number;
  channelId?: string;
  detail: string;
}

/** The file cannot be imported at all: no header, or one without the needed columns. */
export class CsvHeaderError extends Error {
  override name = 'CsvHeaderError';
}

/** Line breaks inside a record's fields (a quoted field may span lines), CRLF counting as one. */
const lineBreaks = (fields: string[]): number =>
  fields.reduce((n, field) => n + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);

/**
 * CRLFs inside a record's fields. csv-parse counts their CR and LF as two lines (it counts a CRLF
 * between records as one), so its line numbers run ahead by one per CRLF inside quotes so far.
 */
const crlfs = (fields: string[]): number =>
  fields.reduce((n, field) => n + (field.match(/\r\n/g)?.length ?? 0), 0);

/** The positions of channelId, time and value in the header. */
function headerColumns(header: string[], line: number): Record<(typeof REQUIRED)[number], number> {
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((name) => !names.includes(name.toLowerCase()));
  if (missing.length > 0) {
    throw new CsvHeaderError(
      `line ${line}: the header must name the columns channelId, time and value ` +
        `(missing ${missing.join(', ')}; it has ${header.map((h) => h.trim()).join(', ') || 'none'})`,
    );
  }
  const at = (name: string) => names.indexOf(name.toLowerCase());
  return { channelId: at('channelId'), time: at('time'), value: at('value') };
}

/** One record checked: a reading, or what is wrong with it. */
function check(
  record: string[],
  line: number,
  columns: Record<(typeof REQUIRED)[number], number>,
): CsvReading | CsvProblem {
  const field = (name: (typeof REQUIRED)[number]) => (record[columns[name]] ?? '').trim();
  const channelId = field('channelId');
  const time = field('time');
  const valueText = field('value');
  const problem = (detail: string): CsvProblem => ({
    kind: 'problem',
    line,
    ...(channelId ? { channelId } : {}),
    detail,
  });
  const missing = REQUIRED.filter((name) => field(name) === '');
  if (missing.length > 0) {
    const short = REQUIRED.some((name) => columns[name] >= record.length);
    return problem(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing` +
        (short ? ` (the row has only ${record.length} field${record.length === 1 ? '' : 's'})` : ''),
    );
  }
  if (channelId.length > MAX_FIELD_LENGTH) {
    return problem(`channelId is longer than ${MAX_FIELD_LENGTH} characters`);
  }
  if (time.length > MAX_FIELD_LENGTH) return problem(`time is longer than ${MAX_FIELD_LENGTH} characters`);
  const value = Number(valueText);
  if (!NUMBER.test(valueText)) return problem(`value "${valueText}" is not a number`);
  if (!Number.isFinite(value)) return problem(`value "${valueText}" is out of range`);
  return { kind: 'reading', line, reading: { channelId, time, value } };
}

/**
 * The rows of a CSV stream, in order: each a reading to send or a problem to report, with its line
 * number (where the row starts; blank lines count). The header is the first non-blank line and must
 * name channelId, time and value; other columns (an export's key and unit) are ignored. A record
 * the parser cannot read (a stray quote) is a problem too, and reading goes on after it.
 */
export async function* readCsvReadings(
  input: NodeJS.ReadableStream,
): AsyncGenerator<CsvReading | CsvProblem> {
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    // Each of CRLF, LF and CR ends a record, even mixed in one file (pasted or concatenated files).
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    skip_records_with_error: true,
  });
  // Records the parser skipped, reported in line order with the rows around them.
  const skipped: { line: number; code: string; message: string }[] = [];
  let overcount = 0;
  parser.on('skip', (err: CsvError & { lines?: number }) => {
    skipped.push({ line: (err.lines ?? 0) - overcount, code: err.code, message: err.message });
  });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);

  let lastLine = 0;
  const skippedProblem = (): CsvProblem => {
    const { line, code, message } = skipped.shift() as (typeof skipped)[number];
    const detail =
      code === 'CSV_QUOTE_NOT_CLOSED'
        ? `a quoted field opened after line ${lastLine} is never closed: the rest of the file could not be read`
        : `not valid CSV: ${message.replace(/ (at|on) line \d+/, '')}`;
    return { kind: 'problem', line: code === 'CSV_QUOTE_NOT_CLOSED' ? lastLine + 1 : line, detail };
  };

  let columns: Record<(typeof REQUIRED)[number], number> | undefined;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    overcount += crlfs(record);
    const end = info.lines - overcount;
    const line = end - lineBreaks(record);
    while (skipped.length > 0 && (skipped[0] as (typeof skipped)[number]).line < line) yield skippedProblem();
    lastLine = end;
    if (columns === undefined) {
      columns = headerColumns(record, line);
      continue;
    }
    if (record.every((f) => f.trim() === '')) continue;
    yield check(record, line, columns);
  }
  if (columns === undefined) {
    throw new CsvHeaderError('the file is empty: it needs a header line naming channelId, time and value');
  }
  while (skipped.length > 0) yield skippedProblem();
}
