/**
 * `npm run bench`: the telemetry benchmark (issue #5). For each database (SQLite, PostgreSQL):
 *
 * 1. ceiling: the raw engine's own insert rate for the rows the ingest phase sends (better-sqlite3
 *    directly / COPY and unnest on PostgreSQL), in several configurations;
 * 2. the server as its own process (`node --import tsx packages/server/src/main.ts`), a tenant made
 *    over HTTP: an agent, its admin (invitation from the outbox), 100 homes through real orders,
 *    each home's gateway with its client_credentials token;
 * 3. the query channel's year (525,600 one-minute readings) pushed by its home's gateway;
 * 4. ingest: N gateways push 1-minute snapshots of their homes forward from a year ago, for the
 *    duration, every answer's `stored` counted; CPU of server (per thread), client and machine;
 * 5. queries: one day raw, one year hourly, one year daily, p50/p99 over HTTP;
 * 6. verification of the table counts; peak RSS (VmHWM) of the server;
 * 7. CPU profiles (node --cpu-prof) of a short ingest run and of the year-hourly query.
 *
 * Options: --db sqlite|postgres|both, --duration 60, --warmup 5, --gateways 8, --per-request 5000,
 * --homes 100, --queries 200, --profile-seconds 15, --ceiling-rows 3000000, --ceiling-seconds 8,
 * --ceiling-rounds 2 (each configuration runs this often, interleaved; the best run counts),
 * --out bench-results/telemetry-{db}-{date}.json, --keep (keep data), --no-profile, --no-ceiling,
 * --server-flags="--max-old-space-size=96" (node flags for the server, to try settings),
 * --server-root=DIR (run packages/server/src/main.ts of another checkout, to measure a proposed change),
 * --quiet-wait 180 (before the ceiling and the ingest, wait up to this many seconds for the machine
 * to be quiet — other processes using under a quarter of a core — as it is shared; 0: never wait).
 * Without --db: both when a PostgreSQL server is reachable, else SQLite only. PostgreSQL:
 * HEARTH_BENCH_DATABASE_URL (a server; the bench makes and drops its own databases hearth_bench_*),
 * else the one of scripts/test-postgres.sh (started by --db postgres|both when it is not running).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import {
  type CeilingResult,
  ingestBatches,
  postgresCeiling,
  SQLITE_CONFIGS,
  sqliteCeiling,
} from './ceiling.js';
import { CHANNEL_KEYS, CHANNELS_PER_HOME, DAY, HomeStream, pushBody, singleChannelBody } from './data.js';
import { Client } from './http.js';
import { busiest, type MachineInfo, machineInfo, uptime } from './machine.js';
import { type ProfileSummary, summariseProfile } from './profile.js';
import { cpuSecondsOf, freePort, machineCpu, ServerProcess, threadCpu } from './server.js';
import { type BenchHome, type BenchTenant, createTenant } from './setup.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const API = '/api/v/1';
const YEAR_MINUTES = 365 * 1440; // 525,600
const TARGETS = {
  ingestRate: 100_000,
  ceilingShare: 0.5,
  yearHourlyP50: 30,
  yearDailyP50: 10,
  p99OverP50: 3,
  rssMiB: 300,
};

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    duration: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    gateways: { type: 'string', default: '8' },
    'per-request': { type: 'string', default: '5000' },
    homes: { type: 'string', default: '100' },
    queries: { type: 'string', default: '200' },
    'query-warmup': { type: 'string', default: '20' },
    'profile-seconds': { type: 'string', default: '15' },
    'ceiling-rows': { type: 'string', default: '3000000' },
    'ceiling-seconds': { type: 'string', default: '8' },
    'ceiling-rounds': { type: 'string', default: '2' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'server-flags': { type: 'string', default: '' },
    'server-root': { type: 'string' },
    'quiet-wait': { type: 'string', default: '180' },
    'no-profile': { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  const doc = /\/\*\*([\s\S]*?)\*\//.exec(readFileSync(fileURLToPath(import.meta.url), 'utf8'))?.[1];
  process.stdout.write(`${(doc ?? '').replace(/^ \* ?/gm, '')}\n`);
  process.exit(0);
}

const num = (name: string, value: string | undefined, min = 0): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${value}`);
  return n;
};
const opts = {
  duration: num('duration', args.duration, 1),
  warmup: num('warmup', args.warmup),
  gateways: Math.floor(num('gateways', args.gateways, 1)),
  perRequest: Math.floor(num('per-request', args['per-request'], CHANNELS_PER_HOME)),
  homes: Math.floor(num('homes', args.homes, 2)),
  queries: Math.floor(num('queries', args.queries, 1)),
  queryWarmup: Math.floor(num('query-warmup', args['query-warmup'])),
  profileSeconds: num('profile-seconds', args['profile-seconds']),
  ceilingRows: Math.floor(num('ceiling-rows', args['ceiling-rows'], 100_000)),
  ceilingSeconds: num('ceiling-seconds', args['ceiling-seconds'], 1),
  ceilingRounds: Math.floor(num('ceiling-rounds', args['ceiling-rounds'], 1)),
  quietWait: num('quiet-wait', args['quiet-wait']),
};
if (opts.perRequest > 10_000) throw new Error('--per-request is at most 10000 (the API limit)');

/** Undone on failure too: the bench's PostgreSQL databases, its server processes. */
const cleanups = new Set<() => Promise<unknown>>();
const onCleanup = (f: () => Promise<unknown>) => {
  cleanups.add(f);
  return f;
};
async function cleanUp(): Promise<void> {
  for (const f of [...cleanups].reverse()) {
    cleanups.delete(f);
    await f().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  }
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const percentile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * Which server code ran: the commit, how many of its source files differ from it (the tree is
 * shared and edited), and a digest of the files on the ingest and query paths.
 */
function sourceOf(root: string): string {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', ['-C', root, ...a], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return '';
    }
  };
  const head = git('rev-parse', '--short', 'HEAD') || 'no git';
  const changed = git('status', '--porcelain', '--', 'packages/server/src')
    .split('\n')
    .filter(Boolean).length;
  const src = path.join(root, 'packages/server/src');
  const files = [
    ...readdirSync(path.join(src, 'telemetry')).map((f) => `telemetry/${f}`),
    'http/server.ts',
    'db/time.ts',
    'db/database.ts',
  ].sort();
  const hash = createHash('sha256');
  for (const f of files) {
    try {
      hash.update(f).update(readFileSync(path.join(src, f)));
    } catch {}
  }
  return `${head}, ${changed} files under packages/server/src changed in the work tree; telemetry/http/db path sha256 ${hash.digest('hex').slice(0, 12)}`;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: which server, and a database of the bench's own.

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function postgresUrl(startIfNeeded: boolean): Promise<string | undefined> {
  if (process.env.HEARTH_BENCH_DATABASE_URL) return process.env.HEARTH_BENCH_DATABASE_URL;
  const script = path.join(ROOT, 'scripts/test-postgres.sh');
  const url = execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim();
  if (await reachable(url)) return url;
  if (!startIfNeeded) return undefined;
  log(`PostgreSQL: starting the test server (${script} start)`);
  return execFileSync('bash', [script, 'start'], { encoding: 'utf8' }).trim().split('\n').at(-1);
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function adminQuery(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Waits (up to --quiet-wait seconds) until everything else on the machine uses under a quarter of
 * a core over 3 s: other engineers' test runs share these 2 cores. `own` is CPU seconds of the
 * bench's own processes so far (the idle server), subtracted. Returns what it saw.
 */
async function waitForQuiet(what: string, own: () => number): Promise<string> {
  const deadline = Date.now() + opts.quietWait * 1000;
  const cores = cpus().length;
  for (;;) {
    const a = machineCpu();
    const ownA = own() + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
    await new Promise((r) => setTimeout(r, 3000));
    const b = machineCpu();
    const ownB = own() + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
    const busyCores = ((b.busy - a.busy) / (b.total - a.total)) * cores;
    const others = Math.max(0, busyCores - (ownB - ownA) / 3);
    const seen = `${round(others)} cores used by other processes`;
    if (others < 0.25) return `quiet before ${what}: ${seen}`;
    if (Date.now() > deadline) {
      log(`  the machine stayed busy (${seen}); going on after ${opts.quietWait} s`);
      return `busy before ${what} after waiting ${opts.quietWait} s: ${seen}`;
    }
    log(`  waiting for a quiet machine before ${what} (${seen})…`);
  }
}

// ---------------------------------------------------------------------------------------------
// Ingest: gateways pushing their homes' minutes forward.

interface IngestStats {
  seconds: number;
  requests: number;
  readingsSent: number;
  stored: number;
  duplicates: number;
  refused: number;
  errors: string[];
  /** Readings stored by answers that arrived inside the measured window. */
  storedInWindow: number;
  rate: number;
  perSecond: number[];
  /** The slowest and fastest 10-second stretch of the window, readings/s. */
  window10s: { min: number; max: number };
  latencyMs: { p50: number; p99: number; max: number };
  cpu?: CpuWindow;
}

interface CpuWindow {
  seconds: number;
  /** Cores' worth of CPU over the window (1.0 = one core busy all the time). */
  server: number;
  serverThreads: Record<string, number>;
  client: number;
  postgresBackends?: number;
  machineBusyPercent: number;
  /** Cores' worth used by everything else on the machine (other engineers' tests, PostgreSQL's own workers). */
  otherProcesses: number;
  load: string;
  busiest: string[];
}

interface CpuSnapshot {
  at: bigint;
  server: number;
  threads: Map<string, number>;
  client: NodeJS.CpuUsage;
  machine: { busy: number; total: number };
  backends: number;
}

async function backendPids(url: string | undefined, database: string | undefined): Promise<number[]> {
  if (!url || !database) return [];
  const { rows } = await adminQuery(url, `select pid from pg_stat_activity where datname = '${database}'`);
  return rows.map((r: { pid: number }) => r.pid);
}

async function cpuSnapshot(
  server: ServerProcess,
  pgAdmin?: { url: string; database: string },
): Promise<CpuSnapshot> {
  const pids = await backendPids(pgAdmin?.url, pgAdmin?.database);
  return {
    at: process.hrtime.bigint(),
    server: cpuSecondsOf(server.pid),
    threads: threadCpu(server.pid),
    client: process.cpuUsage(),
    machine: machineCpu(),
    backends: pids.reduce((s, pid) => s + cpuSecondsOf(pid), 0),
  };
}

function cpuWindow(a: CpuSnapshot, b: CpuSnapshot, postgres: boolean): CpuWindow {
  const secs = Number(b.at - a.at) / 1e9;
  const threads: Record<string, number> = {};
  for (const [name, s] of b.threads) {
    const used = s - (a.threads.get(name) ?? 0);
    if (used / secs >= 0.005) threads[name] = round(used / secs);
  }
  const client = (b.client.user + b.client.system - a.client.user - a.client.system) / 1e6;
  const machineCores =
    ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * cpus().length;
  return {
    seconds: round(secs, 1),
    server: round((b.server - a.server) / secs),
    serverThreads: threads,
    client: round(client / secs),
    ...(postgres ? { postgresBackends: round((b.backends - a.backends) / secs) } : {}),
    machineBusyPercent: round(
      ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 100,
      1,
    ),
    otherProcesses: round(
      Math.max(
        0,
        machineCores - (b.server - a.server) / secs - client / secs - (b.backends - a.backends) / secs,
      ),
    ),
    load: uptime(),
    busiest: busiest(),
  };
}

async function ingest(
  client: Client,
  server: ServerProcess,
  homes: BenchHome[],
  streams: Map<number, HomeStream>,
  options: {
    gateways: number;
    perRequest: number;
    warmup: number;
    duration: number;
    pgAdmin?: { url: string; database: string };
  },
): Promise<IngestStats> {
  const minutes = Math.floor(options.perRequest / CHANNELS_PER_HOME);
  const start = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - start) / 1e6;
  const windowFrom = options.warmup * 1000;
  const windowTo = windowFrom + options.duration * 1000;
  const stats = { requests: 0, readingsSent: 0, stored: 0, duplicates: 0, refused: 0, storedInWindow: 0 };
  const errors: string[] = [];
  const latencies: number[] = [];
  const perSecond: number[] = new Array(Math.ceil(options.duration)).fill(0);
  let before: CpuSnapshot | undefined;
  let after: CpuSnapshot | undefined;
  const postgres = options.pgAdmin !== undefined;
  const timers = [
    setTimeout(async () => {
      before = await cpuSnapshot(server, options.pgAdmin);
    }, windowFrom),
    setTimeout(async () => {
      after = await cpuSnapshot(server, options.pgAdmin);
    }, windowTo),
  ];
  if (options.warmup === 0) before = await cpuSnapshot(server, options.pgAdmin);
  const perGateway = Array.from({ length: options.gateways }, (_, g) =>
    homes.filter((_, i) => i % options.gateways === g),
  );
  await Promise.all(
    perGateway.map(async (mine) => {
      let turn = 0;
      while (mine.length > 0 && ms() < windowTo) {
        const home = mine[turn++ % mine.length] as BenchHome;
        const body = pushBody(streams.get(home.index) as HomeStream, home.channelIds, minutes);
        const sent = ms();
        const answer = await client.request('POST', `${API}/telemetry`, {
          headers: { authorization: `Bearer ${home.gateway.token}`, 'content-type': 'application/json' },
          body,
        });
        const done = ms();
        stats.requests++;
        stats.readingsSent += minutes * CHANNELS_PER_HOME;
        if (answer.status !== 200) {
          errors.push(`${answer.status} ${answer.body.slice(0, 300)}`);
          if (errors.length > 20) throw new Error(`ingest failing:\n${errors.join('\n')}`);
          continue;
        }
        const result = JSON.parse(answer.body) as {
          received: number;
          stored: number;
          duplicates: number;
          refused: unknown[];
        };
        stats.stored += result.stored;
        stats.duplicates += result.duplicates;
        stats.refused += result.refused.length;
        if (result.refused.length > 0 && errors.length < 20)
          errors.push(`refused: ${JSON.stringify(result.refused.slice(0, 2))}`);
        if (done >= windowFrom && done < windowTo) {
          stats.storedInWindow += result.stored;
          latencies.push(done - sent);
          const second = Math.floor((done - windowFrom) / 1000);
          if (second < perSecond.length) perSecond[second] = (perSecond[second] as number) + result.stored;
        }
      }
    }),
  );
  for (const t of timers) clearTimeout(t);
  // The "after" snapshot fires at windowTo; requests in flight then finish afterwards.
  while (!after) await new Promise((r) => setTimeout(r, 20));
  latencies.sort((a, b) => a - b);
  const tens: number[] = [];
  for (let s = 0; s + 10 <= perSecond.length; s++)
    tens.push(perSecond.slice(s, s + 10).reduce((x, y) => x + y, 0) / 10);
  return {
    seconds: options.duration,
    ...stats,
    errors,
    rate: stats.storedInWindow / options.duration,
    perSecond,
    window10s: { min: Math.round(Math.min(...tens)), max: Math.round(Math.max(...tens)) },
    latencyMs: {
      p50: round(percentile(latencies, 0.5), 1),
      p99: round(percentile(latencies, 0.99), 1),
      max: round(latencies.at(-1) ?? Number.NaN, 1),
    },
    ...(before && after ? { cpu: cpuWindow(before, after, postgres) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Queries.

interface QueryStats {
  name: string;
  path: string;
  points: number;
  bucketCountSum: number;
  bytes: number;
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  target?: { p50: number };
}

async function queries(
  client: Client,
  token: string,
  homeId: string,
  channelId: string,
  yearStart: number,
  yearEnd: number,
  count: number,
  warmup: number,
): Promise<QueryStats[]> {
  const iso = (t: number) => new Date(t).toISOString();
  const base = `${API}/homes/${homeId}/telemetry?channels=${channelId}`;
  const defs = [
    { name: 'one day raw', path: `${base}&from=${iso(yearEnd - DAY)}&to=${iso(yearEnd)}`, expect: 1440 },
    {
      name: 'one year hourly',
      path: `${base}&from=${iso(yearStart)}&to=${iso(yearEnd)}&resolution=hour`,
      expect: 8760,
      target: TARGETS.yearHourlyP50,
    },
    {
      name: 'one year daily',
      path: `${base}&from=${iso(yearStart)}&to=${iso(yearEnd)}&resolution=day`,
      expect: 365,
      target: TARGETS.yearDailyP50,
    },
  ];
  const out: QueryStats[] = [];
  for (const def of defs) {
    const first = await client.request('GET', def.path, { headers: { authorization: `Bearer ${token}` } });
    if (first.status !== 200) throw new Error(`GET ${def.path}: ${first.status} ${first.body.slice(0, 300)}`);
    const answer = JSON.parse(first.body) as { channels: { points: { count?: number }[] }[] };
    const points = answer.channels[0]?.points ?? [];
    const bucketCountSum = points.reduce((s, p) => s + (p.count ?? 1), 0);
    if (points.length !== def.expect && !(def.expect === 365 && points.length === 366)) {
      throw new Error(`${def.name}: ${points.length} points, expected ${def.expect}`);
    }
    for (let i = 0; i < warmup; i++)
      await client.request('GET', def.path, { headers: { authorization: `Bearer ${token}` } });
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      const r = await client.request('GET', def.path, { headers: { authorization: `Bearer ${token}` } });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 200) throw new Error(`GET ${def.path}: ${r.status}`);
    }
    times.sort((a, b) => a - b);
    out.push({
      name: def.name,
      path: def.path,
      points: points.length,
      bucketCountSum,
      bytes: Buffer.byteLength(first.body),
      requests: count,
      p50: round(percentile(times, 0.5)),
      p90: round(percentile(times, 0.9)),
      p99: round(percentile(times, 0.99)),
      max: round(times.at(-1) as number),
      mean: round(times.reduce((s, x) => s + x, 0) / times.length),
      ...(def.target ? { target: { p50: def.target } } : {}),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Table counts, straight from the database.

interface Counts {
  readings: number;
  rollupsHourCount: number;
  rollupsDayCount: number;
  queryChannel: number;
  queryChannelFirst: string;
  queryChannelLast: string;
}

async function counts(kind: 'sqlite' | 'postgres', where: string, queryChannelId: string): Promise<Counts> {
  const texts = {
    readings: 'select count(*) as n from readings',
    hour: 'select coalesce(sum(count), 0) as n from rollups_hour',
    day: 'select coalesce(sum(count), 0) as n from rollups_day',
    channel: `select count(*) as n, min(t) as first, max(t) as last from readings
      where series = (select no from telemetry_series where channel_id = '${queryChannelId}')`,
  };
  if (kind === 'sqlite') {
    const db = new SqliteDatabase(where, { readonly: true, fileMustExist: true });
    try {
      const one = (text: string) => db.prepare(text).get() as { n: number; first?: number; last?: number };
      const channel = one(texts.channel);
      return {
        readings: one(texts.readings).n,
        rollupsHourCount: one(texts.hour).n,
        rollupsDayCount: one(texts.day).n,
        queryChannel: channel.n,
        queryChannelFirst: new Date(Number(channel.first)).toISOString(),
        queryChannelLast: new Date(Number(channel.last)).toISOString(),
      };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: where });
  await client.connect();
  try {
    const one = async (text: string) =>
      (await client.query(text)).rows[0] as { n: string; first?: string; last?: string };
    const channel = await one(texts.channel);
    return {
      readings: Number((await one(texts.readings)).n),
      rollupsHourCount: Number((await one(texts.hour)).n),
      rollupsDayCount: Number((await one(texts.day)).n),
      queryChannel: Number(channel.n),
      queryChannelFirst: new Date(Number(channel.first)).toISOString(),
      queryChannelLast: new Date(Number(channel.last)).toISOString(),
    };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// One database's run.

const STAGES: [string, RegExp][] = [
  [
    'HTTP: JSON body parse (secure-json-parse / JSON.parse)',
    /secure-json-parse|^defaultJsonParser@|^parse@$/,
  ],
  ['Ajv body/query validation (compiled validate functions)', /^validate\d*@|ajv|ucs2length/],
  ['TelemetryService.accept (checks, series, queue)', /^accept@.*telemetry\/service/],
  ['  parseTime (RFC 3339 regex + Date.parse)', /^parseTime@/],
  ['  channelFacts (SELECT channels ⋈ homes …)', /^channelFacts@/],
  ['TelemetryService.write (one transaction per batch)', /^write@.*telemetry\/service/],
  ['  writeBatch (sort, fold rollups)', /^writeBatch@/],
  ['  store insert of readings', /^insert@.*store-(sqlite|postgres)/],
  ['  rollups merge', /^mergeRollups@/],
  ['  SQLite COMMIT (WAL fsync, checkpoints)', /^commit@.*store-sqlite/],
  ['Kysely (query building, compilation)', /kysely/],
  ['pg driver (protocol, array serialisation)', /node_modules\/pg(-protocol|-types)?\//],
  ['Response serialisation (fast-json-stringify)', /fast-json-stringify|^anonymous@$|serialize/],
  ['Fastify routing/hooks', /node_modules\/(fastify|find-my-way|avvio|light-my-request)\//],
  ['Bearer authentication', /auth\/bearer/],
  ['TelemetryQueries.series (query, map points)', /^series@.*telemetry\/query/],
  ['isoTime (point times)', /^isoTime@/],
];

interface DatabaseReport {
  database: 'sqlite' | 'postgres';
  startedAt: string;
  machine: MachineInfo;
  engine: Record<string, string>;
  loadAtStart: string;
  /** What the machine looked like before the ceiling and the ingest (it is shared). */
  quiet: string[];
  options: typeof opts & { serverFlags: string; serverRoot: string };
  dataset: Record<string, unknown>;
  ceiling: {
    configs: CeilingResult[];
    bestSameDurability?: CeilingResult;
    best?: CeilingResult;
    rows: number;
    note: string;
  };
  setup: { seconds: number; homes: number; channels: number };
  preload: { readings: number; requests: number; seconds: number; rate: number; how: string };
  ingest: IngestStats;
  ratio: { toSameDurability?: number; toBest?: number };
  queries: QueryStats[];
  verification: { expected: number; counts: Counts; ok: boolean; notes: string[] };
  memory: {
    startRssMiB: number;
    setupPreloadPeakMiB: number;
    peakRssMiB: number;
    vmHwmMiB: number;
    ingestPeakMiB: number;
    queryPeakMiB: number;
    endRssMiB: number;
  };
  profiles: {
    ingest?: ProfileSummary & { requests: number; stored: number };
    query?: ProfileSummary & { requests: number };
  };
  checks: { figure: string; value: string; target: string; pass: boolean | null }[];
  loadAtEnd: string;
  totalSeconds: number;
}

async function runDatabase(
  kind: 'sqlite' | 'postgres',
  pgServerUrl: string | undefined,
): Promise<DatabaseReport> {
  const began = process.hrtime.bigint();
  const dataDir = mkdtempSync(path.join(tmpdir(), `hearth-bench-${kind}-`));
  const operatorPassword = `bench-operator-${randomBytes(6).toString('hex')}`;
  const tag = randomBytes(4).toString('hex');
  const dbName = `hearth_bench_${tag}`;
  const ceilingDbName = `hearth_bench_${tag}_ceiling`;
  let databaseUrl: string | undefined;
  const engine: Record<string, string> = {};
  log(`\n=== ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} — data in ${dataDir} ===`);
  const machine = machineInfo(dataDir);
  const loadAtStart = uptime();
  log(`load: ${loadAtStart}`);
  if (kind === 'postgres') {
    const url = pgServerUrl as string;
    await adminQuery(url, `create database ${dbName}`);
    onCleanup(() => adminQuery(url, `drop database if exists ${dbName} with (force)`));
    await adminQuery(url, `create database ${ceilingDbName}`);
    onCleanup(() => adminQuery(url, `drop database if exists ${ceilingDbName} with (force)`));
    databaseUrl = withDatabase(url, dbName);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    for (const setting of [
      'server_version',
      'fsync',
      'synchronous_commit',
      'full_page_writes',
      'shared_buffers',
      'wal_level',
      'max_wal_size',
      'checkpoint_timeout',
    ]) {
      engine[setting] = (await client.query(`show ${setting}`)).rows[0][setting];
    }
    await client.end();
    engine.url = url.replace(/:[^:@/]*@/, ':***@');
  } else {
    const probe = new SqliteDatabase(':memory:');
    engine.sqlite_version = (probe.prepare('select sqlite_version() as v').get() as { v: string }).v;
    probe.close();
    engine.server_settings =
      'journal_mode=WAL, synchronous=FULL, wal_autocheckpoint=1000 (default), cache_size=16 MB (better-sqlite3 default)';
  }
  engine['better-sqlite3'] = (
    JSON.parse(readFileSync(path.join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

  // A year ending at today's UTC midnight: 365 × 1440 = 525,600 minutes, all in the past.
  const yearEnd = Math.floor(Date.now() / DAY) * DAY;
  const yearStart = yearEnd - 365 * DAY;
  const commissioningDate = new Date(yearStart - 30 * DAY).toISOString().slice(0, 10);
  const ingestHomes = Array.from({ length: opts.homes - 1 }, (_, i) => i + 1);

  // 1. Ceiling.
  const quiet: string[] = [];
  const ceiling: DatabaseReport['ceiling'] = { configs: [], rows: 0, note: '' };
  if (!args['no-ceiling']) {
    if (opts.quietWait > 0) quiet.push(await waitForQuiet('the ceiling', () => 0));
    const perTransaction = Math.min(50_000, opts.gateways * opts.perRequest);
    const t = process.hrtime.bigint();
    const batches = ingestBatches({
      homes: ingestHomes,
      gateways: opts.gateways,
      perRequest: opts.perRequest,
      perTransaction,
      total: opts.ceilingRows,
      start: yearStart,
    });
    ceiling.rows = batches.reduce((s, b) => s + b.series.length, 0);
    ceiling.note =
      `the rows the ingest phase sends (${ingestHomes.length} homes × 8 channels, forward from ${new Date(yearStart).toISOString().slice(0, 10)}, ` +
      `${opts.gateways} gateways × ${opts.perRequest} per request), ${perTransaction} rows per transaction sorted by (series, t) — ` +
      `the server's group commit gathers the same; rows generated in ${round(seconds(t), 1)} s before timing`;
    log(`ceiling: ${fmt(ceiling.rows)} rows in ${batches.length} transactions`);
    // Every configuration runs `rounds` times, interleaved, and keeps its best run: the machine is
    // shared, and a neighbour's burst should not decide which configuration wins.
    const best = new Map<string, CeilingResult>();
    const keep = (r: CeilingResult) => {
      const seen = best.get(r.name);
      if (!seen || r.rate > seen.rate) best.set(r.name, r);
      log(`  ${r.name}: ${fmt(r.rate)} rows/s (${fmt(r.rows)} rows in ${round(r.seconds, 2)} s)`);
    };
    for (let pass = 1; pass <= opts.ceilingRounds; pass++) {
      log(`  round ${pass} of ${opts.ceilingRounds}`);
      if (kind === 'sqlite') {
        for (const config of SQLITE_CONFIGS)
          keep(sqliteCeiling(dataDir, batches, config, opts.ceilingSeconds));
      } else {
        const url = withDatabase(pgServerUrl as string, ceilingDbName);
        for (const method of ['copy', 'unnest', 'unnest-server'] as const) {
          keep(await postgresCeiling(url, batches, method, opts.ceilingSeconds));
        }
      }
    }
    ceiling.configs = [...best.values()];
    ceiling.bestSameDurability =
      kind === 'sqlite'
        ? ceiling.configs.filter((c) => c.settings.synchronous === 'FULL').sort((a, b) => b.rate - a.rate)[0]
        : // Same server, same durability settings (whatever fsync / synchronous_commit are).
          [...ceiling.configs].sort((a, b) => b.rate - a.rate)[0];
    ceiling.best = [...ceiling.configs].sort((a, b) => b.rate - a.rate)[0];
  }

  // 2. Server and tenant.
  const port = await freePort();
  const serverFlags = (args['server-flags'] ?? '').split(' ').filter(Boolean);
  const serverRoot = args['server-root'] ? path.resolve(args['server-root']) : ROOT;
  engine.server_source = sourceOf(serverRoot);
  const serverOptions = {
    root: serverRoot,
    dataDir,
    port,
    operatorPassword,
    log,
    ...(databaseUrl ? { databaseUrl } : {}),
  };
  let server = await ServerProcess.start({ ...serverOptions, nodeFlags: serverFlags });
  const stopFirst = onCleanup(() => server.stop());
  const startRss = server.sample();
  log(`server pid ${server.pid} on ${server.base}, RSS after start ${mib(startRss)} MiB`);
  let client = new Client(server.base, opts.gateways + 8);
  let t = process.hrtime.bigint();
  const tenant: BenchTenant = await createTenant(client, {
    dataDir,
    operatorPassword,
    homes: opts.homes,
    commissioningDate,
    parallel: 8,
  });
  const setup = {
    seconds: round(seconds(t), 1),
    homes: tenant.homes.length,
    channels: tenant.homes.length * CHANNELS_PER_HOME,
  };
  log(
    `setup: agent, admin, ${setup.homes} homes (orders), ${setup.homes} gateway tokens in ${setup.seconds} s`,
  );

  // 3. The query channel's year, pushed by its home's gateway.
  const queryHome = tenant.homes[0] as BenchHome;
  const queryChannelIndex = CHANNEL_KEYS.indexOf('heat_energy');
  const queryChannelId = queryHome.channelIds[queryChannelIndex] as string;
  const yearStream = new HomeStream(queryHome.index, yearStart);
  t = process.hrtime.bigint();
  let preloaded = 0;
  let preloadRequests = 0;
  for (let left = YEAR_MINUTES; left > 0; ) {
    const n = Math.min(10_000, left);
    const body = singleChannelBody(yearStream, queryChannelIndex, queryChannelId, n);
    const r = await client.json<{ stored: number; refused: unknown[] }>(
      'POST',
      `${API}/telemetry`,
      queryHome.gateway.token,
      body,
      [200],
    );
    if (r.refused.length > 0) throw new Error(`preload refused: ${JSON.stringify(r.refused.slice(0, 3))}`);
    preloaded += r.stored;
    preloadRequests++;
    left -= n;
  }
  const preloadSeconds = seconds(t);
  const preload = {
    readings: preloaded,
    requests: preloadRequests,
    seconds: round(preloadSeconds, 1),
    rate: Math.round(preloaded / preloadSeconds),
    how:
      `before the ingest phase, home 0's gateway pushed its heat_energy register's year ` +
      `(${new Date(yearStart).toISOString()} to ${new Date(yearEnd).toISOString()}, one reading a minute) over HTTP, ` +
      `${preloadRequests} sequential requests of up to 10,000 readings; the ingest gateways write the other ${ingestHomes.length} homes, so the channel keeps exactly its year`,
  };
  log(
    `preload: ${fmt(preloaded)} readings of the query channel in ${preload.seconds} s (${fmt(preload.rate)}/s, one gateway, sequential)`,
  );
  if (preloaded !== YEAR_MINUTES) throw new Error(`preload stored ${preloaded}, expected ${YEAR_MINUTES}`);
  const setupPreloadPeak = server.takePhasePeak();

  // 4. Ingest.
  const streams = new Map(tenant.homes.map((h) => [h.index, new HomeStream(h.index, yearStart)]));
  const ingestTenantHomes = tenant.homes.slice(1);
  log(
    `ingest: ${opts.gateways} gateways, ${ingestTenantHomes.length} homes, ${opts.perRequest} readings/request, ${opts.warmup} s warm-up + ${opts.duration} s measured…`,
  );
  const pgAdmin = kind === 'postgres' ? { url: pgServerUrl as string, database: dbName } : undefined;
  if (opts.quietWait > 0) quiet.push(await waitForQuiet('the ingest', () => cpuSecondsOf(server.pid)));
  const ingested = await ingest(client, server, ingestTenantHomes, streams, {
    gateways: opts.gateways,
    perRequest: opts.perRequest,
    warmup: opts.warmup,
    duration: opts.duration,
    ...(pgAdmin ? { pgAdmin } : {}),
  });
  const ingestPeak = server.takePhasePeak();
  log(
    `ingest: ${fmt(ingested.rate)} readings/s over ${opts.duration} s (${fmt(ingested.storedInWindow)} in the window; ` +
      `${fmt(ingested.stored)} stored in all, ${ingested.requests} requests, latency p50 ${ingested.latencyMs.p50} ms p99 ${ingested.latencyMs.p99} ms)`,
  );
  if (ingested.errors.length > 0) log(`  errors: ${ingested.errors.slice(0, 5).join(' | ')}`);

  // 5. Queries (server otherwise idle).
  log(`queries: ${opts.queryWarmup} warm-up + ${opts.queries} timed requests each, sequential…`);
  const queryStats = await queries(
    client,
    tenant.adminToken,
    queryHome.homeId,
    queryChannelId,
    yearStart,
    yearEnd,
    opts.queries,
    opts.queryWarmup,
  );
  for (const q of queryStats)
    log(`  ${q.name}: p50 ${q.p50} ms, p99 ${q.p99} ms (${q.points} points, ${fmt(q.bytes / 1024)} KiB)`);
  const queryPeak = server.takePhasePeak();

  // 6. Counts (server still running: SQLite in WAL reads alongside).
  const where = kind === 'sqlite' ? path.join(dataDir, 'hearth.db') : (databaseUrl as string);
  let expected = preloaded + ingested.stored;
  let found = await counts(kind, where, queryChannelId);
  const endRss = server.sample();
  client.close();
  await server.stop();
  cleanups.delete(stopFirst);
  const memory = {
    startRssMiB: mib(startRss),
    setupPreloadPeakMiB: mib(setupPreloadPeak),
    peakRssMiB: mib(server.peakRss),
    vmHwmMiB: mib(server.peakHwm),
    ingestPeakMiB: mib(ingestPeak),
    queryPeakMiB: mib(queryPeak),
    endRssMiB: mib(endRss),
  };
  log(
    `server memory: peak RSS ${memory.peakRssMiB} MiB (VmHWM ${memory.vmHwmMiB} MiB); after start ${memory.startRssMiB}, ` +
      `setup+preload ${memory.setupPreloadPeakMiB}, ingest ${memory.ingestPeakMiB}, queries ${memory.queryPeakMiB}`,
  );

  // 7. Profiles: the same data, a server started with --cpu-prof.
  const profiles: DatabaseReport['profiles'] = {};
  if (!args['no-profile'] && opts.profileSeconds > 0) {
    for (const what of ['ingest', 'query'] as const) {
      const dir = path.join(dataDir, `profile-${what}`);
      server = await ServerProcess.start({
        ...serverOptions,
        nodeFlags: [...serverFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`],
      });
      const stopProfiled = onCleanup(() => server.stop());
      client = new Client(server.base, opts.gateways + 8);
      let requests = 0;
      let stored = 0;
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      if (what === 'ingest') {
        log(`profile: ingest for ${opts.profileSeconds} s under --cpu-prof…`);
        const r = await ingest(client, server, ingestTenantHomes, streams, {
          gateways: opts.gateways,
          perRequest: opts.perRequest,
          warmup: 0,
          duration: opts.profileSeconds,
        });
        requests = r.requests;
        stored = r.stored;
        expected += r.stored;
      } else {
        log(
          `profile: year-hourly query for ${Math.max(5, Math.round(opts.profileSeconds / 2))} s under --cpu-prof…`,
        );
        const q = `${API}/homes/${queryHome.homeId}/telemetry?channels=${queryChannelId}&from=${new Date(yearStart).toISOString()}&to=${new Date(yearEnd).toISOString()}&resolution=hour`;
        const until = Date.now() + Math.max(5, Math.round(opts.profileSeconds / 2)) * 1000;
        while (Date.now() < until) {
          await client.request('GET', q, { headers: { authorization: `Bearer ${tenant.adminToken}` } });
          requests++;
        }
      }
      const toUs = Number(process.hrtime.bigint() / 1000n);
      client.close();
      await server.stop();
      cleanups.delete(stopProfiled);
      const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
      if (!file) {
        log(`  (no profile written in ${dir})`);
        continue;
      }
      // Only the load: the server's start-up (module loading, migrations) is cut out.
      const summary = summariseProfile(path.join(dir, file), STAGES, { fromUs, toUs });
      if (what === 'ingest') profiles.ingest = { ...summary, requests, stored };
      else profiles.query = { ...summary, requests };
      log(
        `  ${what} profile: main thread busy ${summary.busyPercent}% of ${round(summary.wallSeconds, 1)} s; top: ${summary.topSelf
          .slice(0, 3)
          .map((l) => `${l.name} ${l.percent}%`)
          .join(', ')}`,
      );
    }
    found = await counts(kind, where, queryChannelId);
  }

  const notes: string[] = [];
  if (found.readings !== expected)
    notes.push(`readings table holds ${found.readings}, answers said ${expected} stored`);
  if (found.rollupsHourCount !== found.readings)
    notes.push(`rollups_hour counts ${found.rollupsHourCount} ≠ ${found.readings} readings`);
  if (found.rollupsDayCount !== found.readings)
    notes.push(`rollups_day counts ${found.rollupsDayCount} ≠ ${found.readings} readings`);
  if (found.queryChannel !== YEAR_MINUTES)
    notes.push(`query channel holds ${found.queryChannel}, expected ${YEAR_MINUTES}`);
  if (ingested.refused > 0 || ingested.duplicates > 0)
    notes.push(`ingest: ${ingested.refused} refused, ${ingested.duplicates} duplicates`);
  const verification = { expected, counts: found, ok: notes.length === 0, notes };
  log(
    `verification: ${verification.ok ? 'OK' : 'FAILED'} — ${fmt(found.readings)} readings in the table, ${fmt(expected)} acknowledged as stored${notes.length ? `; ${notes.join('; ')}` : ''}`,
  );

  // Cleanup: drop the databases (PostgreSQL), remove the data folder unless --keep.
  await cleanUp();
  if (!args.keep) rmSync(dataDir, { recursive: true, force: true });

  const ratio = {
    ...(ceiling.bestSameDurability
      ? { toSameDurability: ingested.rate / ceiling.bestSameDurability.rate }
      : {}),
    ...(ceiling.best ? { toBest: ingested.rate / ceiling.best.rate } : {}),
  };
  const sqliteTarget = kind === 'sqlite' ? '' : ' (set for SQLite; for comparison)';
  const checks: DatabaseReport['checks'] = [
    {
      figure: 'ingest rate (readings/s, sustained)',
      value: fmt(ingested.rate),
      target: `≥ ${fmt(TARGETS.ingestRate)}${sqliteTarget}`,
      pass: ingested.rate >= TARGETS.ingestRate,
    },
    {
      figure: `share of the raw engine's ceiling (${ceiling.bestSameDurability?.name ?? 'n/a'})`,
      value: ratio.toSameDurability === undefined ? 'n/a' : `${round(ratio.toSameDurability * 100, 1)}%`,
      target: `≥ ${TARGETS.ceilingShare * 100}%${sqliteTarget}`,
      pass: ratio.toSameDurability === undefined ? null : ratio.toSameDurability >= TARGETS.ceilingShare,
    },
  ];
  for (const q of queryStats) {
    if (q.target) {
      checks.push({
        figure: `${q.name} p50`,
        value: `${q.p50} ms`,
        target: `≤ ${q.target.p50} ms`,
        pass: q.p50 <= q.target.p50,
      });
    }
    checks.push({
      figure: `${q.name} p99 / p50`,
      value: `${q.p99} ms = ${round(q.p99 / q.p50, 2)}×`,
      target: `≤ ${TARGETS.p99OverP50}×`,
      pass: q.p99 <= TARGETS.p99OverP50 * q.p50,
    });
  }
  checks.push({
    figure: 'peak server RSS (VmHWM)',
    value: `${memory.vmHwmMiB} MiB`,
    target: `≤ ${TARGETS.rssMiB} MB`,
    pass: memory.vmHwmMiB * 2 ** 20 <= TARGETS.rssMiB * 1e6,
  });
  checks.push({
    figure: 'every acknowledged reading in the table',
    value: verification.ok ? 'yes' : 'NO',
    target: 'yes',
    pass: verification.ok,
  });

  return {
    database: kind,
    startedAt: new Date().toISOString(),
    machine,
    engine,
    loadAtStart,
    quiet,
    options: {
      ...opts,
      serverFlags: args['server-flags'] ?? '',
      serverRoot: path.relative(ROOT, serverRoot) || '.',
    },
    dataset: {
      homes: opts.homes,
      channelsPerHome: CHANNELS_PER_HOME,
      channelKeys: CHANNEL_KEYS,
      queryHome: queryHome.homeId,
      queryChannel: {
        id: queryChannelId,
        key: 'heat_energy',
        readings: YEAR_MINUTES,
        from: new Date(yearStart).toISOString(),
        to: new Date(yearEnd).toISOString(),
      },
      ingestHomes: ingestTenantHomes.length,
      ingestFrom: new Date(yearStart).toISOString(),
      ingestReachedAbout: new Date(Math.max(...[...streams.values()].map((s) => s.t))).toISOString(),
    },
    ceiling,
    setup,
    preload,
    ingest: ingested,
    ratio,
    queries: queryStats,
    verification,
    memory,
    profiles,
    checks,
    loadAtEnd: uptime(),
    totalSeconds: round(seconds(began), 1),
  };
}

// ---------------------------------------------------------------------------------------------
// The report.

function printReport(r: DatabaseReport): string {
  const lines: string[] = [];
  const p = (s = '') => lines.push(s);
  const name = r.database === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  p('');
  p('='.repeat(100));
  p(`Hearth telemetry benchmark — ${name} — ${r.startedAt}`);
  p('='.repeat(100));
  p(
    `Machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.ramGiB} GiB RAM, Node ${r.machine.node}, ${r.machine.os}`,
  );
  p(
    `Disk:    ${r.machine.disk.device} (${r.machine.disk.filesystem}, ${r.machine.disk.rotational}), data in ${r.machine.disk.path}; ` +
      `4 KiB write+fdatasync p50 ${r.machine.disk.fdatasyncMs.p50} ms, p99 ${r.machine.disk.fdatasyncMs.p99} ms`,
  );
  p(
    `Engine:  ${Object.entries(r.engine)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  p(`Load:    at start ${r.loadAtStart}`);
  p(`         at end   ${r.loadAtEnd}`);
  for (const q of r.quiet) p(`         ${q}`);
  p(`Options: ${JSON.stringify(r.options)}`);
  p('');
  p('Results against the targets of issue #5');
  const w = Math.max(...r.checks.map((c) => c.figure.length));
  for (const c of r.checks) {
    const verdict = c.pass === null ? ' n/a' : c.pass ? 'PASS' : 'FAIL';
    p(`  [${verdict}] ${c.figure.padEnd(w)}  ${c.value.padStart(18)}   target ${c.target}`);
  }
  p('');
  p(`Ceiling: the raw engine alone — ${r.ceiling.note}`);
  for (const c of r.ceiling.configs)
    p(`  ${fmt(c.rate).padStart(11)} rows/s  ${c.name} (${fmt(c.rows)} rows, ${round(c.seconds, 2)} s)`);
  if (r.ratio.toSameDurability !== undefined) {
    p(
      `  server / ceiling: ${round(r.ratio.toSameDurability * 100, 1)}% of the best at the server's durability` +
        (r.ratio.toBest !== undefined
          ? `, ${round(r.ratio.toBest * 100, 1)}% of the best overall (${r.ceiling.best?.name})`
          : ''),
    );
  }
  p('');
  p(
    `Setup: ${r.setup.homes} homes through orders, ${r.setup.channels} channels, gateway secrets and tokens — ${r.setup.seconds} s`,
  );
  p(
    `Query channel: ${r.preload.how}: ${fmt(r.preload.readings)} readings in ${r.preload.seconds} s = ${fmt(r.preload.rate)}/s`,
  );
  const i = r.ingest;
  p('');
  p(
    `Ingest over HTTP (${r.options.gateways} gateways, ${r.options.perRequest} readings/request, ${r.options.warmup} s warm-up, ${i.seconds} s measured)`,
  );
  p(
    `  rate:       ${fmt(i.rate)} readings/s  (${fmt(i.storedInWindow)} stored by answers inside the window)`,
  );
  p(`  sustained:  slowest 10 s ${fmt(i.window10s.min)}/s, fastest 10 s ${fmt(i.window10s.max)}/s`);
  if (i.cpu?.serverThreads['main thread']) {
    p(
      `  per CPU:    ${fmt(i.rate / i.cpu.serverThreads['main thread'])} readings per CPU-second of the server's main thread ` +
        `(the rate a dedicated core would give if the thread stays the limit; it got ${i.cpu.serverThreads['main thread']} of a core)`,
    );
  }
  p(`  per second: ${i.perSecond.map((x) => Math.round(x / 1000)).join(' ')} (thousands)`);
  p(
    `  requests:   ${i.requests}, latency p50 ${i.latencyMs.p50} ms, p99 ${i.latencyMs.p99} ms, max ${i.latencyMs.max} ms`,
  );
  p(
    `  in all:     ${fmt(i.readingsSent)} sent, ${fmt(i.stored)} stored, ${i.duplicates} duplicates, ${i.refused} refused, ${i.errors.length} errors`,
  );
  if (i.cpu) {
    const threads = Object.entries(i.cpu.serverThreads)
      .sort((a, b) => b[1] - a[1])
      .map(([n, c]) => `${n} ${c}`)
      .join(', ');
    p(
      `  CPU (cores): server ${i.cpu.server} [${threads}], bench client ${i.cpu.client}` +
        (i.cpu.postgresBackends !== undefined ? `, PostgreSQL backends ${i.cpu.postgresBackends}` : '') +
        `; machine ${i.cpu.machineBusyPercent}% busy of ${r.machine.cores} cores, everything else ${i.cpu.otherProcesses}`,
    );
    p(`  load then:  ${i.cpu.load}`);
    p(`  busiest:    ${i.cpu.busiest.join(' | ')}`);
  }
  p('');
  p(
    `Queries over HTTP on the query channel (${r.options.queries} sequential requests each after ${r.options.queryWarmup} warm-up; server otherwise idle)`,
  );
  for (const q of r.queries) {
    p(
      `  ${q.name.padEnd(16)} p50 ${String(q.p50).padStart(7)} ms  p90 ${String(q.p90).padStart(7)} ms  p99 ${String(q.p99).padStart(7)} ms  max ${String(q.max).padStart(7)} ms` +
        `  (${q.points} points, readings counted ${fmt(q.bucketCountSum)}, ${fmt(q.bytes / 1024)} KiB)`,
    );
  }
  p('');
  p(
    `Memory (server RSS, sampled every 200 ms): peak ${r.memory.peakRssMiB} MiB, VmHWM ${r.memory.vmHwmMiB} MiB; after start ${r.memory.startRssMiB} MiB, ` +
      `setup + preload (10,000-reading requests) peak ${r.memory.setupPreloadPeakMiB} MiB, ingest phase peak ${r.memory.ingestPeakMiB} MiB, ` +
      `query phase peak ${r.memory.queryPeakMiB} MiB, at the end ${r.memory.endRssMiB} MiB (profiled runs not included)`,
  );
  p(
    `Verification: ${r.verification.ok ? 'OK' : 'FAILED'} — readings table ${fmt(r.verification.counts.readings)}, acknowledged ${fmt(r.verification.expected)}; ` +
      `rollups count ${fmt(r.verification.counts.rollupsHourCount)} (hour), ${fmt(r.verification.counts.rollupsDayCount)} (day); query channel ${fmt(r.verification.counts.queryChannel)} readings ` +
      `${r.verification.counts.queryChannelFirst} … ${r.verification.counts.queryChannelLast}`,
  );
  for (const n of r.verification.notes) p(`  ! ${n}`);
  for (const [what, prof] of Object.entries(r.profiles)) {
    if (!prof) continue;
    p('');
    p(
      `CPU profile of the server, ${what} (node --cpu-prof, ${round(prof.wallSeconds, 1)} s, ${prof.requests} requests` +
        ('stored' in prof ? `, ${fmt(prof.stored as number)} readings stored` : '') +
        `): main thread busy ${prof.busyPercent}% of the time`,
    );
    p('  top self time (% of busy time):');
    for (const l of prof.topSelf.slice(0, 20))
      p(`    ${String(l.percent).padStart(5)}%  ${fmt(l.ms).padStart(7)} ms  ${l.name}  ${l.where}`);
    p('  by area (self time):');
    for (const l of prof.byArea.slice(0, 12)) p(`    ${String(l.percent).padStart(5)}%  ${l.name}`);
    p('  stages (inclusive time):');
    for (const l of prof.stages.filter((s) => s.ms > 0))
      p(`    ${String(l.percent).padStart(5)}%  ${l.name}`);
  }
  p('');
  p(`Total time for ${name}: ${r.totalSeconds} s`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const requested = args.db ?? '';
  if (requested && !['sqlite', 'postgres', 'both'].includes(requested))
    throw new Error('--db is sqlite, postgres or both');
  let pgUrl: string | undefined;
  let databases: ('sqlite' | 'postgres')[];
  if (requested === 'sqlite') databases = ['sqlite'];
  else {
    pgUrl = await postgresUrl(requested === 'postgres' || requested === 'both');
    if (!pgUrl) {
      log(
        'PostgreSQL: no HEARTH_BENCH_DATABASE_URL and scripts/test-postgres.sh is not running: SQLite only (--db both starts it)',
      );
      databases = ['sqlite'];
    } else databases = requested === 'postgres' ? ['postgres'] : ['sqlite', 'postgres'];
  }
  const date = new Date().toISOString().slice(0, 16).replace(/:/g, '');
  for (const kind of databases) {
    const report = await runDatabase(kind, pgUrl);
    const text = printReport(report);
    log(text);
    let out = args.out ?? `bench-results/telemetry-{db}-{date}.json`;
    if (!out.includes('{db}') && databases.length > 1) out = out.replace(/(\.json)?$/, '-{db}$1');
    out = path.resolve(ROOT, out.replaceAll('{db}', kind).replaceAll('{date}', date));
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ ...report, text }, null, 2)}\n`);
    log(`\nwritten: ${path.relative(ROOT, out)}`);
  }
}

process.once('SIGINT', () => {
  log('interrupted: cleaning up');
  void cleanUp().then(() => process.exit(130));
});

main().catch(async (err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  await cleanUp();
  process.exit(1);
});
