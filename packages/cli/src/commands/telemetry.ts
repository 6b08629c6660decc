import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type HearthClient,
  HearthError,
  type LatestReading,
  MAX_READINGS_PER_PUSH,
  PayloadTooLargeError,
  type TelemetryAggregation,
  type TelemetryExclusion,
  type TelemetryQuery,
  type TelemetryResolution,
} from '@hearth/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Act } from '../cli.js';
import { type Context, optionsOf, positiveInteger } from '../context.js';
import { type CliIo, ExitCode, UsageError } from '../io.js';
import type { Column } from '../output.js';
import { CsvHeaderError, type CsvReading, readCsvReadings } from '../readings-csv.js';

const RESOLUTIONS: TelemetryResolution[] = ['raw', '5m', '15m', 'hour', 'day', 'month'];
const AGGREGATIONS: TelemetryAggregation[] = ['avg', 'min', 'max', 'sum', 'last', 'delta'];

const latestColumns: Column<LatestReading>[] = [
  { header: 'channel', value: (c) => c.channelId },
  { header: 'key', value: (c) => c.key },
  { header: 'unit', value: (c) => c.unit },
  { header: 'time', value: (c) => c.time },
  { header: 'value', value: (c) => c.value },
];

const exclusionColumns: Column<TelemetryExclusion>[] = [
  { header: 'id', value: (x) => x.id },
  { header: 'channel', value: (x) => x.channelId },
  { header: 'key', value: (x) => x.key },
  { header: 'from', value: (x) => x.from },
  { header: 'to', value: (x) => x.to },
  { header: 'reason', value: (x) => x.reason },
  { header: 'by', value: (x) => x.createdBy?.username ?? null },
  { header: 'created', value: (x) => x.createdAt },
];

/** A row of the file that was not stored: refused by the server, or not sent because it could not be read. */
export interface ImportProblem {
  line: number;
  channelId?: string;
  /** The server's refusal reason (`unknown_channel`, `time_in_future`, …), or `malformed`. */
  reason: string;
  detail: string;
}

/** What `hearth telemetry import` did with a file. */
export interface ImportSummary {
  file: string;
  /** Data rows read (not the header, not blank lines). */
  rows: number;
  /** Rows sent to the server. */
  sent: number;
  stored: number;
  duplicates: number;
  /** Rows the server refused. */
  refused: number;
  /** Rows that could not be read, and were not sent. */
  malformed: number;
  /** Each refused or malformed row, by line (with --json; people see them as they are found). */
  problems: ImportProblem[];
}

/** `--batch`: 1 to 10,000 readings per request. */
function batchSize(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_READINGS_PER_PUSH) {
    throw new InvalidArgumentError(`--batch must be a whole number from 1 to ${MAX_READINGS_PER_PUSH}.`);
  }
  return Number(value);
}

const count = (n: number) => n.toLocaleString('en-GB');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Writes to stdout, waiting when a real stream asks to (a pipe to a slow reader). */
export async function writeOut(io: CliIo, text: string): Promise<void> {
  const stdout = io.stdout as CliIo['stdout'] & { once?: (event: string, listener: () => void) => unknown };
  if (stdout.write(text) === false && typeof stdout.once === 'function') {
    await new Promise<void>((resolve) => stdout.once?.('drain', resolve));
  }
}

/**
 * Pushes one batch; a batch the server finds too large (its byte limit, HEARTH_BODY_LIMIT, can be
 * below 10,000 readings) is sent again in halves. Refusals come back with the file's line numbers.
 */
async function pushBatch(
  client: HearthClient,
  batch: CsvReading[],
): Promise<{ stored: number; duplicates: number; refused: ImportProblem[] }> {
  try {
    const result = await client.telemetry.push(batch.map((row) => row.reading));
    return {
      stored: result.stored,
      duplicates: result.duplicates,
      refused: result.refused.map((r) => ({
        line: (batch[r.index] as CsvReading).line,
        channelId: r.channelId,
        reason: r.reason,
        detail: r.detail,
      })),
    };
  } catch (err) {
    if (!(err instanceof PayloadTooLargeError) || batch.length < 2) throw err;
    const half = Math.ceil(batch.length / 2);
    const first = await pushBatch(client, batch.slice(0, half));
    const second = await pushBatch(client, batch.slice(half));
    return {
      stored: first.stored + second.stored,
      duplicates: first.duplicates + second.duplicates,
      refused: [...first.refused, ...second.refused],
    };
  }
}

/**
 * Streams a CSV file into `POST /telemetry` in batches: only one batch is held at a time, and the
 * file is read on only while the previous batch is answered. Problems are printed as each batch is
 * answered (in line order), the summary at the end.
 */
async function importFile(ctx: Context, file: string, batch: number): Promise<ImportSummary> {
  const { io, out } = ctx;
  let size: number | undefined;
  if (file !== '-') {
    try {
      size = (await stat(file)).size;
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const client = await ctx.client();
  const source = file === '-' ? io.stdin : createReadStream(file);
  const name = file === '-' ? 'stdin' : path.basename(file);
  const summary: ImportSummary = {
    file,
    rows: 0,
    sent: 0,
    stored: 0,
    duplicates: 0,
    refused: 0,
    malformed: 0,
    problems: [],
  };

  // Progress on stderr, redrawn in place, only for a person watching a terminal.
  const tty = io.stderr.isTTY === true;
  let shown = false;
  const progress = (final = false) => {
    if (!tty) return;
    if (final) {
      if (shown) io.stderr.write('\r\x1b[K');
      shown = false;
      return;
    }
    const read = (source as { bytesRead?: number }).bytesRead;
    const percent = size && read !== undefined ? ` (${Math.min(100, Math.floor((read / size) * 100))}%)` : '';
    const refused = summary.refused + summary.malformed;
    io.stderr.write(
      `\r\x1b[KImporting ${name}: ${plural(summary.rows, 'row')} read${percent}, ${count(summary.stored)} stored, ` +
        `${plural(summary.duplicates, 'duplicate')}, ${count(refused)} refused`,
    );
    shown = true;
  };
  const report = async (problems: ImportProblem[]) => {
    if (problems.length === 0) return;
    problems.sort((a, b) => a.line - b.line);
    if (out.json) {
      summary.problems.push(...problems);
      return;
    }
    progress(true);
    for (const p of problems) {
      const what = p.reason === 'malformed' ? 'not sent (malformed)' : `refused (${p.reason})`;
      const channel = p.channelId && p.reason !== 'malformed' ? ` [channel ${p.channelId}]` : '';
      await writeOut(io, `line ${p.line}: ${what}: ${p.detail}${channel}\n`);
    }
  };

  let rows: CsvReading[] = [];
  let malformed: ImportProblem[] = [];
  let sentUpTo = 0;
  const flush = async () => {
    const pending = rows;
    rows = [];
    let refused: ImportProblem[] = [];
    if (pending.length > 0) {
      const result = await pushBatch(client, pending);
      summary.sent += pending.length;
      summary.stored += result.stored;
      summary.duplicates += result.duplicates;
      summary.refused += result.refused.length;
      refused = result.refused;
      sentUpTo = (pending[pending.length - 1] as CsvReading).line;
    }
    await report([...malformed, ...refused]);
    malformed = [];
    progress();
  };

  progress();
  try {
    for await (const row of readCsvReadings(source)) {
      summary.rows++;
      if (row.kind === 'problem') {
        summary.malformed++;
        malformed.push({
          line: row.line,
          ...(row.channelId ? { channelId: row.channelId } : {}),
          reason: 'malformed',
          detail: row.detail,
        });
      } else {
        rows.push(row);
      }
      // Malformed rows are held with the batch so that problems are printed in line order; a file
      // of nothing but malformed rows still holds at most a batch of them.
      if (rows.length >= batch || malformed.length >= batch) await flush();
    }
    await flush();
  } catch (err) {
    progress(true);
    if (err instanceof CsvHeaderError) throw new UsageError(`${file}: ${err.message}`);
    if (err instanceof HearthError && summary.sent > 0) {
      io.stderr.write(
        `hearth: the import of ${file} stopped after line ${sentUpTo} (so far ${count(summary.stored)} stored, ` +
          `${plural(summary.duplicates, 'duplicate')}, ${count(summary.refused)} refused); importing the file ` +
          'again is safe: rows already stored count as duplicates\n',
      );
    }
    throw err;
  } finally {
    if (source !== io.stdin) (source as { destroy?: () => void }).destroy?.();
  }
  progress(true);
  return summary;
}

/** Where --out writes: a temporary file beside it, renamed into place only once the export is whole. */
export async function writeFileAtomically(
  target: string,
  write: (stream: Writable) => Promise<void>,
): Promise<void> {
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);
  try {
    await write(createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { force: true });
    if (err instanceof HearthError) throw err;
    throw new UsageError(`cannot write ${target}: ${(err as Error).message}`);
  }
}

/** `hearth telemetry import|export|latest|exclusions`. */
export function registerTelemetry(program: Command, act: Act): void {
  const telemetry = program
    .command('telemetry')
    .description("telemetry: import readings from CSV, export a home's readings, the latest values");

  telemetry
    .command('import')
    .description('push readings from a CSV file (- for stdin) with a header naming channelId, time and value')
    .argument('<file>', 'the CSV file; other columns (an export’s key and unit) are ignored')
    .option('--batch <n>', `readings per request, 1 to ${MAX_READINGS_PER_PUSH}`, batchSize, 5000)
    .addHelpText(
      'after',
      '\nThe file is streamed and sent in batches. Rows the server refuses (an unknown channel, a time in the\n' +
        'future or before the channel existed, another value already stored) and rows that cannot be read (a\n' +
        'missing field, a value that is not a number; those are not sent) are listed by line number, then a\n' +
        'summary. Exit code 5 when any row was refused or could not be read. Importing a file again is safe:\n' +
        'rows already stored count as duplicates.\n\n' +
        'Example: hearth telemetry export <homeId> --from 2026-01-01T00:00:00Z --out readings.csv\n' +
        '         hearth telemetry import readings.csv',
    )
    .action(
      act(async (ctx, command, file) => {
        const { batch } = optionsOf<{ batch: number }>(command);
        const summary = await importFile(ctx, String(file), batch);
        const notStored = summary.refused + summary.malformed;
        if (notStored > 0) ctx.exitCode = ExitCode.rowsRefused;
        if (ctx.out.json) {
          ctx.out.writeJson(summary);
          return;
        }
        const malformed = summary.malformed > 0 ? `, ${count(summary.malformed)} not sent (malformed)` : '';
        ctx.out.say(
          `Read ${plural(summary.rows, 'row')} from ${summary.file}: ${count(summary.stored)} stored, ` +
            `${plural(summary.duplicates, 'duplicate')}, ${count(summary.refused)} refused${malformed}.`,
        );
      }),
    );

  telemetry
    .command('export')
    .description("a home's readings as the server's CSV (channelId,key,unit,time,value), to stdout or --out")
    .argument('<homeId>', 'home id')
    .option('--channels <ids>', 'comma-separated channel ids (default: all the home’s channels)')
    .option('--from <time>', 'RFC 3339 start, inclusive (default: a day before --to)')
    .option('--to <time>', 'RFC 3339 end, exclusive (default: now)')
    .addOption(new Option('--resolution <r>', 'raw readings or buckets (default raw)').choices(RESOLUTIONS))
    .addOption(
      new Option('--agg <a>', 'per bucket (default: delta for registers, avg otherwise)').choices(
        AGGREGATIONS,
      ),
    )
    .option('--include-excluded', 'readings under an exclusion too (CSV: an excluded column says which)')
    .option('--out <file>', 'write to this file (replaced only once the export is complete)')
    .addHelpText(
      'after',
      '\nWith --json, the series as JSON instead of CSV. The server answers at most HEARTH_TELEMETRY_MAX_POINTS\n' +
        'points (too_many_points beyond): choose a coarser --resolution or a shorter range.\n\n' +
        'Example: hearth telemetry export <homeId> --from 2026-11-01T00:00:00Z --to 2026-11-08T00:00:00Z \\\n' +
        '           --resolution hour --agg max --out week.csv',
    )
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<{
          channels?: string;
          from?: string;
          to?: string;
          resolution?: TelemetryResolution;
          agg?: TelemetryAggregation;
          includeExcluded?: boolean;
          out?: string;
        }>(command);
        const query: TelemetryQuery = {
          ...(o.channels !== undefined ? { channels: o.channels } : {}),
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
          ...(o.resolution ? { resolution: o.resolution } : {}),
          ...(o.agg ? { agg: o.agg } : {}),
          ...(o.includeExcluded ? { includeExcluded: true } : {}),
        };
        const client = await ctx.client();
        const id = String(homeId);
        if (ctx.out.json) {
          const text = `${JSON.stringify(await client.telemetry.query(id, query), null, 2)}\n`;
          if (o.out) {
            await writeFileAtomically(o.out, async (file) => pipeline(Readable.from([text]), file));
          } else {
            await writeOut(ctx.io, text);
          }
          return;
        }
        const csv = await client.telemetry.exportCsvStream(id, query);
        let lines = 0;
        const body = Readable.fromWeb(csv as Parameters<typeof Readable.fromWeb>[0]);
        const counted = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            for (const byte of chunk) if (byte === 0x0a) lines++;
            done(null, chunk);
          },
        });
        if (o.out) {
          await writeFileAtomically(o.out, (file) => pipeline(body, counted, file));
          ctx.out.say(`Wrote ${plural(Math.max(0, lines - 1), 'reading')} to ${o.out}.`);
        } else {
          const decoder = new TextDecoder();
          await pipeline(
            body,
            new Writable({
              write(chunk: Buffer, _encoding, done) {
                writeOut(ctx.io, decoder.decode(chunk, { stream: true })).then(() => done(), done);
              },
              final(done) {
                writeOut(ctx.io, decoder.decode()).then(() => done(), done);
              },
            }),
          );
        }
      }),
    );

  telemetry
    .command('latest')
    .description("the newest reading of each of a home's channels")
    .argument('<homeId>', 'home id')
    .option('--include-excluded', 'the newest stored reading even when an exclusion covers it')
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<{ includeExcluded?: boolean }>(command);
        const latest = await (await ctx.client()).telemetry.latest(
          String(homeId),
          {},
          o.includeExcluded ? { includeExcluded: true } : {},
        );
        const columns: Column<LatestReading>[] = o.includeExcluded
          ? [...latestColumns, { header: 'excluded', value: (c) => (c.excluded ? 'yes' : 'no') }]
          : latestColumns;
        ctx.out.table(latest.channels, columns, 'The home has no channels.');
      }),
    );

  const exclusions = telemetry
    .command('exclusions')
    .description("readings left out of rollups, queries and analytics: a channel's over a time range");

  exclusions
    .command('list')
    .description("a home's exclusions, oldest first")
    .argument('<homeId>', 'home id')
    .option('--channel <id>', "only this channel's")
    .option('--limit <n>', 'at most this many', positiveInteger('--limit'))
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<{ channel?: string; limit?: number }>(command);
        const list = (await ctx.client()).telemetry.exclusions(
          String(homeId),
          o.channel ? { channelId: o.channel } : {},
        );
        ctx.out.table(await list.toArray(o.limit), exclusionColumns, 'No exclusions.');
      }),
    );

  exclusions
    .command('add')
    .description("exclude a channel's readings from --from (inclusive) to --to (exclusive)")
    .argument('<homeId>', 'home id')
    .requiredOption('--channel <id>', 'the channel (hearth homes meters <homeId> lists them)')
    .requiredOption('--from <time>', 'RFC 3339 start, inclusive')
    .requiredOption('--to <time>', 'RFC 3339 end, exclusive (at most a year ahead)')
    .requiredOption('--reason <text>', 'why these readings do not count (1 to 500 characters)')
    .addHelpText(
      'after',
      '\nThe readings stay stored; they leave the rollups, queries, performance, insight and fault rules until\n' +
        "the exclusion is removed. A register's rise over the range counts on the first reading after it, as\n" +
        'over a gap. See docs/telemetry.md, "Excluding readings".\n\n' +
        'Example: hearth telemetry exclusions add <homeId> --channel <channelId> \\\n' +
        '           --from 2026-11-03T10:00:00Z --to 2026-11-04T00:00:00Z --reason "sensor off the pipe"',
    )
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<{ channel: string; from: string; to: string; reason: string }>(command);
        const created = await (await ctx.client()).telemetry.exclude(String(homeId), {
          channelId: o.channel,
          from: o.from,
          to: o.to,
          reason: o.reason,
        });
        ctx.out.record(created, exclusionColumns);
      }),
    );

  exclusions
    .command('remove')
    .description('remove an exclusion: its readings count again')
    .argument('<homeId>', 'home id')
    .argument('<exclusionId>', 'exclusion id (from exclusions list)')
    .action(
      act(async (ctx, _command, homeId, exclusionId) => {
        await (await ctx.client()).telemetry.removeExclusion(String(homeId), String(exclusionId));
        if (ctx.out.json) ctx.out.writeJson({ id: exclusionId, deleted: true });
        else ctx.out.say(`Removed exclusion ${exclusionId}; its readings count again.`);
      }),
    );
}
