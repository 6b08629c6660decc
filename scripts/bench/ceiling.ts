import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { CHANNELS_PER_HOME, HomeStream, MINUTE } from './data.js';

/** One transaction's rows, sorted by (series, t), as column arrays. */
export interface Batch {
  series: Int32Array;
  t: Float64Array;
  v: Float64Array;
}

/**
 * The rows the ingest phase sends, in the order it sends them: `gateways` loops, each taking its
 * homes in turn, `perRequest` readings a request; consecutive requests grouped into transactions of
 * about `perTransaction` rows (as the server's group commit does), each sorted by (series, t).
 * Series numbers: home h's channel c is h × 8 + c + 1 (any dense numbering does).
 */
export function ingestBatches(options: {
  homes: number[];
  gateways: number;
  perRequest: number;
  perTransaction: number;
  total: number;
  start: number;
}): Batch[] {
  const minutes = Math.max(1, Math.floor(options.perRequest / CHANNELS_PER_HOME));
  const streams = new Map(options.homes.map((h) => [h, new HomeStream(h, options.start)]));
  const perGateway = Array.from({ length: options.gateways }, (_, g) =>
    options.homes.filter((_, i) => i % options.gateways === g),
  );
  const turn = new Array(options.gateways).fill(0) as number[];
  const batches: Batch[] = [];
  let made = 0;
  let series: number[] = [];
  let t: number[] = [];
  let v: number[] = [];
  const flush = () => {
    const order = series
      .map((_, i) => i)
      .sort((a, b) => (series[a] as number) - (series[b] as number) || (t[a] as number) - (t[b] as number));
    batches.push({
      series: Int32Array.from(order, (i) => series[i] as number),
      t: Float64Array.from(order, (i) => t[i] as number),
      v: Float64Array.from(order, (i) => v[i] as number),
    });
    series = [];
    t = [];
    v = [];
  };
  while (made < options.total) {
    for (let g = 0; g < options.gateways && made < options.total; g++) {
      const mine = perGateway[g] as number[];
      if (mine.length === 0) continue;
      const home = mine[(turn[g] as number) % mine.length] as number;
      turn[g] = (turn[g] as number) + 1;
      (streams.get(home) as HomeStream).next(minutes, (channel, time, value) => {
        series.push(home * CHANNELS_PER_HOME + channel + 1);
        t.push(time);
        v.push(value);
      });
      made += minutes * CHANNELS_PER_HOME;
      if (series.length >= options.perTransaction) flush();
    }
  }
  if (series.length > 0) flush();
  return batches;
}

const rowCount = (batches: Batch[]) => batches.reduce((s, b) => s + b.series.length, 0);

export interface CeilingResult {
  name: string;
  settings: Record<string, string | number>;
  rows: number;
  seconds: number;
  rate: number;
  transactions: number;
}

export interface SqliteCeilingConfig {
  name: string;
  synchronous: 'FULL' | 'NORMAL';
  walAutocheckpoint: number;
  /** Rows per INSERT statement (1: one prepared single-row statement run per row). */
  rowsPerStatement: number;
  cacheMb?: number;
  /** The server's form: ON CONFLICT DO NOTHING, with RETURNING series, t read back (multi-row). */
  onConflict?: boolean;
}

export const SQLITE_CONFIGS: SqliteCeilingConfig[] = [
  // The server's statement and settings (packages/server/src/telemetry/store-sqlite.ts): 64 rows per
  // INSERT … ON CONFLICT DO NOTHING RETURNING series, t (rows read back with .all()), FULL, SQLite's
  // default checkpoint (1000 pages), better-sqlite3's default cache (16 MB).
  {
    name: "server's statement (64 rows/INSERT … ON CONFLICT DO NOTHING RETURNING) and settings",
    synchronous: 'FULL',
    walAutocheckpoint: 1000,
    rowsPerStatement: 64,
    onConflict: true,
  },
  { name: 'FULL, autocheckpoint 1000', synchronous: 'FULL', walAutocheckpoint: 1000, rowsPerStatement: 1 },
  {
    name: 'FULL, autocheckpoint 1000, 64 rows/INSERT',
    synchronous: 'FULL',
    walAutocheckpoint: 1000,
    rowsPerStatement: 64,
  },
  {
    name: 'FULL, autocheckpoint 10000, 64 rows/INSERT',
    synchronous: 'FULL',
    walAutocheckpoint: 10_000,
    rowsPerStatement: 64,
  },
  {
    name: 'FULL, autocheckpoint 10000, cache 64 MB, 64 rows/INSERT',
    synchronous: 'FULL',
    walAutocheckpoint: 10_000,
    rowsPerStatement: 64,
    cacheMb: 64,
  },
  {
    name: 'NORMAL, autocheckpoint 10000',
    synchronous: 'NORMAL',
    walAutocheckpoint: 10_000,
    rowsPerStatement: 1,
  },
  {
    name: 'NORMAL, autocheckpoint 10000, 64 rows/INSERT',
    synchronous: 'NORMAL',
    walAutocheckpoint: 10_000,
    rowsPerStatement: 64,
  },
];

/**
 * better-sqlite3 directly, on a fresh file in the same folder (same disk) as the server's database,
 * into a table identical to the server's `readings`; one transaction per batch. Stops after
 * `maxSeconds` (the rate is rows / time, commits included).
 */
export function sqliteCeiling(
  dir: string,
  batches: Batch[],
  config: SqliteCeilingConfig,
  maxSeconds: number,
): CeilingResult {
  const file = path.join(dir, `ceiling-${Math.random().toString(36).slice(2, 8)}.db`);
  const db = new SqliteDatabase(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${config.synchronous}`);
    db.pragma(`wal_autocheckpoint = ${config.walAutocheckpoint}`);
    if (config.cacheMb) db.pragma(`cache_size = -${config.cacheMb * 1024}`);
    db.exec(`create table readings (
      series integer not null,
      t integer not null,
      value real not null,
      primary key (series, t)
    ) without rowid`);
    const k = config.rowsPerStatement;
    const one = db.prepare(
      `insert into readings (series, t, value) values (?, ?, ?)${config.onConflict ? ' on conflict do nothing' : ''}`,
    );
    const many =
      k > 1
        ? db.prepare(
            `insert into readings (series, t, value) values ${new Array(k).fill('(?, ?, ?)').join(', ')}` +
              (config.onConflict ? ' on conflict do nothing returning series, t' : ''),
          )
        : undefined;
    const args: number[] = new Array(3 * k).fill(0);
    const begin = db.prepare('begin immediate');
    const commit = db.prepare('commit');
    const started = process.hrtime.bigint();
    const deadline = Date.now() + maxSeconds * 1000;
    let rows = 0;
    let transactions = 0;
    for (const batch of batches) {
      const n = batch.series.length;
      begin.run();
      let i = 0;
      if (many) {
        for (; i + k <= n; i += k) {
          for (let j = 0; j < k; j++) {
            args[3 * j] = batch.series[i + j] as number;
            args[3 * j + 1] = batch.t[i + j] as number;
            args[3 * j + 2] = batch.v[i + j] as number;
          }
          if (config.onConflict) {
            if ((many.all(args) as unknown[]).length !== k) throw new Error('conflict');
          } else many.run(args);
        }
      }
      if (config.onConflict) {
        for (; i < n; i++)
          if (one.run(batch.series[i], batch.t[i], batch.v[i]).changes !== 1) throw new Error('conflict');
      } else {
        for (; i < n; i++) one.run(batch.series[i], batch.t[i], batch.v[i]);
      }
      commit.run();
      rows += n;
      transactions++;
      if (Date.now() > deadline) break;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const count = (db.prepare('select count(*) as n from readings').get() as { n: number }).n;
    if (count !== rows) throw new Error(`ceiling stored ${count} rows, expected ${rows}`);
    return {
      name: config.name,
      settings: {
        synchronous: config.synchronous,
        wal_autocheckpoint: config.walAutocheckpoint,
        cache_size_mb: config.cacheMb ?? 16,
        rows_per_statement: k,
        on_conflict_do_nothing: config.onConflict ? 'yes' : 'no',
        rows_per_transaction: Math.round(rows / transactions),
      },
      rows,
      seconds,
      rate: rows / seconds,
      transactions,
    };
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}

const IDENTICAL_TABLE = `create table readings (
  series integer not null,
  t bigint not null,
  value double precision not null,
  primary key (series, t)
) partition by range (t)`;

/** Creates the monthly partitions a set of batches needs (as the server's Partitions does). */
async function partitions(client: pg.Client, batches: Batch[]): Promise<void> {
  const months = new Set<string>();
  for (const b of batches) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const t of b.t) {
      if (t < min) min = t;
      if (t > max) max = t;
    }
    const d = new Date(min);
    // Every month from the batch's first reading's to its last's.
    for (let m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); m <= max; ) {
      const month = new Date(m);
      months.add(`${month.getUTCFullYear()}-${month.getUTCMonth()}`);
      m = Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1);
    }
  }
  for (const m of months) {
    const [y, mo] = m.split('-').map(Number) as [number, number];
    const from = Date.UTC(y, mo, 1);
    const to = Date.UTC(y, mo + 1, 1);
    await client.query(
      `create table if not exists readings_y${y}m${String(mo + 1).padStart(2, '0')} partition of readings for values from (${from}) to (${to})`,
    );
  }
}

export type PgMethod = 'copy' | 'unnest' | 'unnest-server';

/**
 * PostgreSQL's own insert rate into a table identical to the server's (partitioned by month,
 * primary key (series, t)) in a database of its own on the same server: COPY (through psql, the
 * fastest path a client has), a multi-row unnest INSERT, and the server's exact statement (unnest
 * with ON CONFLICT DO NOTHING RETURNING). One transaction per batch.
 */
export async function postgresCeiling(
  url: string,
  batches: Batch[],
  method: PgMethod,
  maxSeconds: number,
): Promise<CeilingResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('drop table if exists readings cascade');
    await client.query(IDENTICAL_TABLE);
    await partitions(client, batches);
    let rows = 0;
    let transactions = 0;
    const started = process.hrtime.bigint();
    if (method === 'copy') {
      // The whole stream, pre-rendered, piped into psql: BEGIN; COPY … FROM STDIN; rows; \.; COMMIT per batch.
      const deadlineRows = batches.reduce((s, b) => s + b.series.length, 0);
      const chunks: string[] = [];
      for (const b of batches) {
        const lines: string[] = ['BEGIN;', 'COPY readings (series, t, value) FROM STDIN;'];
        for (let i = 0; i < b.series.length; i++) lines.push(`${b.series[i]}\t${b.t[i]}\t${b.v[i]}`);
        lines.push('\\.', 'COMMIT;', '');
        chunks.push(lines.join('\n'));
      }
      const script = Buffer.from(chunks.join(''));
      const copyStarted = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => {
        const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url], {
          stdio: ['pipe', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
        });
        child.on('error', reject);
        // psql stopping early (ON_ERROR_STOP) closes its input: its exit code and message tell why.
        child.stdin.on('error', () => {});
        child.on('close', (code) =>
          code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${err}`)),
        );
        child.stdin.end(script);
      });
      rows = deadlineRows;
      transactions = batches.length;
      const seconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;
      await verify(client, rows);
      return result(
        `COPY (psql), ${Math.round(rows / transactions)} rows per transaction`,
        method,
        rows,
        seconds,
        transactions,
      );
    }
    const deadline = Date.now() + maxSeconds * 1000;
    const statement =
      method === 'unnest'
        ? 'insert into readings (series, t, value) select * from unnest($1::int4[], $2::int8[], $3::float8[])'
        : 'insert into readings (series, t, value) select * from unnest($1::int4[], $2::int8[], $3::float8[]) on conflict do nothing returning series, t';
    for (const b of batches) {
      await client.query('begin');
      await client.query(statement, [Array.from(b.series), Array.from(b.t), Array.from(b.v)]);
      await client.query('commit');
      rows += b.series.length;
      transactions++;
      if (Date.now() > deadline) break;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await verify(client, rows);
    return result(
      method === 'unnest'
        ? `INSERT … SELECT unnest(arrays), ${Math.round(rows / transactions)} rows per transaction`
        : `the server's statement (unnest, ON CONFLICT DO NOTHING RETURNING), ${Math.round(rows / transactions)} rows per transaction`,
      method,
      rows,
      seconds,
      transactions,
    );
  } finally {
    await client.query('drop table if exists readings cascade').catch(() => {});
    await client.end();
  }
}

async function verify(client: pg.Client, rows: number): Promise<void> {
  const { rows: found } = await client.query<{ n: string }>('select count(*) as n from readings');
  if (Number(found[0]?.n) !== rows) throw new Error(`ceiling stored ${found[0]?.n} rows, expected ${rows}`);
}

function result(
  name: string,
  method: PgMethod,
  rows: number,
  seconds: number,
  transactions: number,
): CeilingResult {
  return {
    name,
    settings: { method, rows_per_transaction: Math.round(rows / transactions) },
    rows,
    seconds,
    rate: rows / seconds,
    transactions,
  };
}

export { MINUTE, rowCount };
