import type { CliIo } from './io.js';

/** A column of a table: its header and how to read the cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

const cell = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** Writes what a command produced: aligned text for people, JSON for scripts (`--json`). */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** A line for people; nothing in JSON mode (stdout then holds only the JSON). */
  say(line: string): void {
    if (!this.json) this.io.stdout.write(`${line}\n`);
  }

  /** Progress or advice for people, on stderr so it never mixes with what a script reads. */
  note(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  writeJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Rows as a table, or as a JSON array. */
  table<T>(rows: T[], columns: Column<T>[], empty = 'Nothing found.'): void {
    if (this.json) {
      this.writeJson(rows);
      return;
    }
    if (rows.length === 0) {
      this.say(empty);
      return;
    }
    const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
    const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
    const line = (values: string[]) =>
      values
        .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    this.say(line(columns.map((c) => c.header.toUpperCase())));
    for (const row of cells) this.say(line(row));
  }

  /** One resource as `field: value` lines, or as a JSON object. */
  record<T>(value: T, fields: Column<T>[]): void {
    if (this.json) {
      this.writeJson(value);
      return;
    }
    const width = Math.max(...fields.map((f) => f.header.length));
    for (const field of fields)
      this.say(`${`${field.header}:`.padEnd(width + 1)} ${cell(field.value(value))}`);
  }
}
