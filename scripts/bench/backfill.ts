/**
 * `npm run bench:backfill`: the simulator's backfill benchmark (issue #6).
 *
 * 1. generation only (no server): one home, `--days` of 1-minute readings (the first demo home
 *    without faults, read every 60 s: 9 channels), advanced a day at a time;
 * 2. backfill over HTTP push: the same days into a real server through the home's gateway
 *    (`feed` with each of `--in-flight`, default 2 and 4), a fresh server and data folder each;
 * 3. backfill over MQTT: the same for a home whose meters publish to the embedded broker;
 * 4. the demo's first start: `runDemo({ homes: 20, days: 60, live: false })` against a fresh server.
 *
 * Each server is its own process (`node --import tsx packages/server/src/main.ts`, HEARTH_DEMO=off,
 * HEARTH_MQTT=embedded on a free port, a fresh DATA_DIR in /tmp), its agent admin made through the
 * operator's invitation (token from the outbox), its RSS sampled every 200 ms and its CPU read from
 * /proc. The simulation itself runs in this process, as a gateway's would outside the platform.
 *
 * Options: --days 365 (phases 2 and 3), --mqtt-days (default --days), --in-flight 2,4,
 * --mqtt-in-flight 2, --skip-demo, --demo-homes 20, --demo-days 60, --db sqlite|postgres
 * (PostgreSQL: HEARTH_BENCH_DATABASE_URL, else scripts/test-postgres.sh's server when it runs, else a
 * private one of that script in its own folder and port, stopped and removed at the end),
 * --out bench-results/backfill-{db}-{date}.json, --keep (keep data folders).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HearthClient } from '@hearth/client';
import SqliteDatabase from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import {
  type DemoSummary,
  demoFleet,
  type FeedTally,
  feed,
  gatewayClient,
  gatewayCredentials,
  type HomeSpec,
  httpSink,
  mqttSink,
  provisionHome,
  type ReadingSink,
  runDemo,
  simulateHome,
} from '../../packages/simulator/src/index.js';
import { machineInfo, uptime } from './machine.js';
import { cpuSecondsOf, freePort, memoryOf } from './server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DAY = 86_400_000;

const { values: args } = parseArgs({
  options: {
    days: { type: 'string', default: '365' },
    'mqtt-days': { type: 'string' },
    'in-flight': { type: 'string', default: '2,4' },
    'mqtt-in-flight': { type: 'string', default: '2' },
    'skip-demo': { type: 'boolean', default: false },
    'demo-homes': { type: 'string', default: '20' },
    'demo-days': { type: 'string', default: '60' },
    db: { type: 'string', default: 'sqlite' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  const doc = /\/\*\*([\s\S]*?)\*\//.exec(readFileSync(fileURLToPath(import.meta.url), 'utf8'))?.[1];
  process.stdout.write(`${(doc ?? '').replace(/^ \* ?/gm, '')}\n`);
  process.exit(0);
}

const num = (name: string, value: string | undefined, min: number, max = Number.POSITIVE_INFINITY) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`--${name} must be a number from ${min} to ${max}, got ${value}`);
  return n;
};
const opts = {
  days: num('days', args.days, 1, 366),
  mqttDays: num('mqtt-days', args['mqtt-days'] ?? args.days, 1, 366),
  inFlight: (args['in-flight'] ?? '2,4').split(',').map((v) => Math.floor(num('in-flight', v, 1, 64))),
  mqttInFlight: Math.floor(num('mqtt-in-flight', args['mqtt-in-flight'], 1, 64)),
  demo: !args['skip-demo'],
  demoHomes: Math.floor(num('demo-homes', args['demo-homes'], 1, 200)),
  demoDays: num('demo-days', args['demo-days'], 1, 366),
  db: args.db as 'sqlite' | 'postgres',
};
if (opts.db !== 'sqlite' && opts.db !== 'postgres') throw new Error('--db is sqlite or postgres');

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const clientCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// ---------------------------------------------------------------------------------------------
// Clean-up, on failure and Ctrl-C too: servers, PostgreSQL databases, data folders.

const cleanups: (() => Promise<unknown>)[] = [];
async function cleanUp(): Promise<void> {
  for (const f of cleanups.splice(0).reverse())
    await f().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
}
const children = new Set<ChildProcess>();
// Last resort: a server never outlives the bench.
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

// ---------------------------------------------------------------------------------------------
// The server as its own process, with the embedded MQTT broker (scripts/bench/server.ts's
// ServerProcess turns MQTT off), RSS sampled every 200 ms.

class BenchServer {
  peakRss = 0;
  private phasePeak = 0;
  private sampler: NodeJS.Timeout | undefined;
  private stderr = '';
  readonly base: string;
  readonly mqttUrl: string;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    port: number,
    mqttPort: number,
    readonly startSeconds: number,
  ) {
    this.base = `http://127.0.0.1:${port}`;
    this.mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(dataDir: string, operatorPassword: string, databaseUrl?: string): Promise<BenchServer> {
    const port = await freePort();
    const mqttPort = await freePort();
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      HEARTH_DEMO: 'off',
      HEARTH_RATE_LIMIT: '0', // the bench measures the server, not one caller's allowance
      HEARTH_MQTT: 'embedded',
      HEARTH_MQTT_PORT: String(mqttPort),
      LOG_LEVEL: 'warn',
      HEARTH_OPERATOR_USERNAME: 'operator',
      HEARTH_OPERATOR_PASSWORD: operatorPassword,
    };
    delete env.DATABASE_URL;
    delete env.MQTT_URL;
    delete env.SMTP_URL;
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    const began = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const out = createWriteStream(path.join(dataDir, `server-${child.pid}.log`));
    child.stdout?.pipe(out);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-20_000);
      for (const line of text.split('\n')) if (line.trim()) log(`  [server] ${line.slice(0, 300)}`);
    });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`server did not start in 120 s:\n${stderr}`));
      }, 120_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('Hearth is listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${stderr}`));
      });
    });
    const server = new BenchServer(child, dataDir, port, mqttPort, round(seconds(began), 1));
    server.stderr = stderr;
    server.sampler = setInterval(() => server.sample(), 200);
    server.sampler.unref();
    server.sample();
    return server;
  }

  sample(): number {
    const m = memoryOf(this.pid);
    if (!m) return 0;
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.phasePeak = Math.max(this.phasePeak, m.rss);
    return m.rss;
  }

  /** The highest sampled RSS since the last call. */
  takePhasePeak(): number {
    this.sample();
    const peak = this.phasePeak;
    this.phasePeak = 0;
    return peak;
  }

  /** VmHWM: the highest RSS the kernel saw, start-up included. */
  hwm(): number {
    return memoryOf(this.pid)?.hwm ?? 0;
  }

  cpuSeconds(): number {
    return cpuSecondsOf(this.pid);
  }

  async stop(): Promise<number | null> {
    if (this.sampler) clearInterval(this.sampler);
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(timer);
    children.delete(this.child);
    return code;
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (optional): a database of the bench's own per server.

async function pgQuery(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

async function postgresServer(): Promise<string> {
  if (process.env.HEARTH_BENCH_DATABASE_URL) return process.env.HEARTH_BENCH_DATABASE_URL;
  const script = path.join(ROOT, 'scripts/test-postgres.sh');
  const url = execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim();
  try {
    await pgQuery(url, 'select 1');
    return url;
  } catch {}
  // A private cluster (its own folder and port), so nobody else's test server is stopped under them.
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-bench-backfill-pg-'));
  const env = { ...process.env, PGTEST_DIR: dir, PGTEST_PORT: String(await freePort()) };
  log(
    `PostgreSQL: starting a private test server (${script} start, PGTEST_DIR=${dir}); stopped again at the end`,
  );
  cleanups.push(async () => {
    execFileSync('bash', [script, 'stop'], { env });
    rmSync(dir, { recursive: true, force: true });
  });
  const started = execFileSync('bash', [script, 'start'], { encoding: 'utf8', env })
    .trim()
    .split('\n')
    .at(-1);
  if (!started) throw new Error(`${script} start printed no URL`);
  return started;
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

let pgServerUrl: string | undefined;

/** Readings in the server's table (each server has its own data folder or database). */
async function tableCount(where: { dataDir: string; databaseUrl?: string }): Promise<number> {
  if (where.databaseUrl) {
    const { rows } = await pgQuery(where.databaseUrl, 'select count(*) as n from readings');
    return Number((rows[0] as { n: string }).n);
  }
  const db = new SqliteDatabase(path.join(where.dataDir, 'hearth.db'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    return (db.prepare('select count(*) as n from readings').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// A fresh platform with an agent admin, made as a real one is: the operator registers the agent,
// its admin accepts the emailed invitation (the outbox file: no SMTP configured).

interface Platform {
  server: BenchServer;
  dataDir: string;
  databaseUrl?: string;
  admin: { username: string; password: string };
  adminClient: HearthClient;
  setupSeconds: number;
  startRss: number;
}

async function invitationToken(dataDir: string, to: string): Promise<string> {
  const dir = path.join(dataDir, 'outbox');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (existsSync(dir)) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
        const mail = await simpleParser(readFileSync(path.join(dir, file)));
        const address = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
        if (!address?.toLowerCase().includes(to.toLowerCase())) continue;
        const match = /invitation token:\s*\n\s*(\S+)/i.exec(mail.text ?? '');
        if (match?.[1]) return match[1];
      }
    }
    await sleep(100);
  }
  throw new Error(`no invitation email to ${to} in ${dir} after 30 s`);
}

async function platform(label: string): Promise<Platform> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `hearth-bench-backfill-${label}-`));
  if (!args.keep) cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  let databaseUrl: string | undefined;
  if (opts.db === 'postgres') {
    const url = pgServerUrl as string;
    const name = `hearth_bench_backfill_${randomBytes(4).toString('hex')}`;
    await pgQuery(url, `create database ${name}`);
    cleanups.push(() => pgQuery(url, `drop database if exists ${name} with (force)`));
    databaseUrl = withDatabase(url, name);
  }
  const operatorPassword = `bench-operator-${randomBytes(6).toString('hex')}`;
  const server = await BenchServer.start(dataDir, operatorPassword, databaseUrl);
  cleanups.push(() => server.stop());
  const startRss = server.sample();
  const t = process.hrtime.bigint();
  const operator = new HearthClient({ baseUrl: server.base });
  await operator.login({ username: 'operator', password: operatorPassword });
  const tag = randomBytes(3).toString('hex');
  const adminEmail = `backfill-admin-${tag}@example.com`;
  await operator.agents.create({ name: `Backfill Heating ${tag}`, adminEmail, adminName: 'Backfill Admin' });
  await operator.logout().catch(() => {});
  const admin = { username: `backfill-admin-${tag}`, password: `backfill admin ${tag} staple battery horse` };
  await new HearthClient({ baseUrl: server.base }).invitations.accept({
    token: await invitationToken(dataDir, adminEmail),
    ...admin,
    name: 'Backfill Admin',
  });
  const adminClient = new HearthClient({ baseUrl: server.base });
  await adminClient.login(admin);
  const setupSeconds = round(seconds(t), 1);
  log(
    `  server pid ${server.pid} on ${server.base} (MQTT ${server.mqttUrl}), started in ${server.startSeconds} s, ` +
      `RSS ${mib(startRss)} MiB; agent admin by invitation in ${setupSeconds} s`,
  );
  return {
    server,
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    admin,
    adminClient,
    setupSeconds,
    startRss,
  };
}

async function closePlatform(p: Platform): Promise<void> {
  await p.adminClient.logout().catch(() => {});
  await p.server.stop();
}

// ---------------------------------------------------------------------------------------------
// The phases.

/** The home every phase sends: the first demo home without faults, read every 60 s. */
function benchSpec(start: number, reference: string): HomeSpec {
  const spec = demoFleet({ start, homes: 1, faults: false, intervalSeconds: 60 })[0] as HomeSpec;
  return { ...spec, reference };
}

interface GenerationResult {
  days: number;
  channels: number;
  readings: number;
  seconds: number;
  readingsPerSecond: number;
  cpuSeconds: number;
  benchRssMiB: number;
}

function generation(start: number, days: number): GenerationResult {
  const spec = benchSpec(start, 'BENCH-GEN');
  const sim = simulateHome(spec, { start });
  const until = start + days * DAY;
  const channels = new Set<string>();
  let readings = 0;
  let rss = 0;
  const cpu = clientCpu();
  const t = process.hrtime.bigint();
  while (sim.now < until) {
    const batch = sim.advance(Math.min(until, sim.now + DAY));
    readings += batch.length;
    if (channels.size < 32) for (const r of batch) channels.add(`${r.meter}/${r.channel}`);
    rss = Math.max(rss, process.memoryUsage.rss());
  }
  const secs = seconds(t);
  return {
    days,
    channels: channels.size,
    readings,
    seconds: round(secs, 2),
    readingsPerSecond: Math.round(readings / secs),
    cpuSeconds: round(clientCpu() - cpu, 1),
    benchRssMiB: mib(Math.max(rss, process.memoryUsage.rss())),
  };
}

interface BackfillResult {
  transport: 'http' | 'mqtt';
  inFlight: number;
  days: number;
  from: string;
  to: string;
  tally: FeedTally;
  ok: boolean;
  tableReadings: number;
  seconds: number;
  storedPerSecond: number;
  serverCpuSeconds: number;
  benchCpuSeconds: number;
  serverStartRssMiB: number;
  serverPeakRssMiB: number;
  serverVmHwmMiB: number;
  serverStartSeconds: number;
  setupSeconds: number;
  load: string;
}

async function backfill(transport: 'http' | 'mqtt', inFlight: number, days: number): Promise<BackfillResult> {
  log(
    `\n${transport === 'http' ? 'HTTP push' : 'MQTT'} backfill: ${days} days, ${inFlight} batches in flight`,
  );
  const until = Math.floor(Date.now() / DAY) * DAY;
  const start = until - days * DAY;
  const p = await platform(`${transport}${inFlight}`);
  try {
    const spec = benchSpec(start, `BENCH-${transport.toUpperCase()}-${inFlight}`);
    const home = await provisionHome(p.adminClient, spec, {
      commissioningDate: new Date(start).toISOString().slice(0, 10),
      delivery: transport === 'http' ? 'push' : 'mqtt',
    });
    const credentials = await gatewayCredentials(p.adminClient, home.homeId);
    const sink: ReadingSink =
      transport === 'http'
        ? httpSink(await gatewayClient(p.server.base, credentials))
        : await mqttSink(p.server.mqttUrl, credentials);
    const sim = simulateHome(spec, { start: home.start });
    p.server.takePhasePeak();
    const cpu0 = p.server.cpuSeconds();
    const bench0 = clientCpu();
    const t = process.hrtime.bigint();
    let lastLog = Date.now();
    let tally: FeedTally;
    try {
      tally = await feed(sim, home.channels, sink, until, {
        inFlight,
        onProgress: (reached, so) => {
          if (Date.now() - lastLog < 15_000) return;
          lastLog = Date.now();
          log(
            `  ${new Date(reached).toISOString().slice(0, 10)}: ${fmt(so.stored)} stored, ` +
              `${fmt(so.stored / seconds(t))}/s, server RSS ${mib(p.server.sample())} MiB`,
          );
        },
      });
    } finally {
      await sink.close().catch(() => {});
    }
    const secs = seconds(t);
    const serverCpu = p.server.cpuSeconds() - cpu0;
    const benchCpu = clientCpu() - bench0;
    const peak = p.server.takePhasePeak();
    const hwm = p.server.hwm();
    const tableReadings = await tableCount(p);
    const ok =
      tally.stored === tally.sent &&
      tally.refused === 0 &&
      tally.duplicates === 0 &&
      tally.unmapped === 0 &&
      tableReadings === tally.stored;
    const result: BackfillResult = {
      transport,
      inFlight,
      days,
      from: new Date(start).toISOString(),
      to: new Date(until).toISOString(),
      tally,
      ok,
      tableReadings,
      seconds: round(secs, 1),
      storedPerSecond: Math.round(tally.stored / secs),
      serverCpuSeconds: round(serverCpu, 1),
      benchCpuSeconds: round(benchCpu, 1),
      serverStartRssMiB: mib(p.startRss),
      serverPeakRssMiB: mib(peak),
      serverVmHwmMiB: mib(hwm),
      serverStartSeconds: p.server.startSeconds,
      setupSeconds: p.setupSeconds,
      load: uptime(),
    };
    log(
      `  ${fmt(tally.stored)} stored of ${fmt(tally.sent)} sent in ${result.seconds} s = ${fmt(result.storedPerSecond)}/s; ` +
        `${tally.duplicates} duplicates, ${tally.refused} refused${tally.refused ? ` ${JSON.stringify(tally.refusedBy)}` : ''}; ` +
        `table ${fmt(tableReadings)} — ${ok ? 'OK' : 'MISMATCH'}`,
    );
    log(
      `  server CPU ${result.serverCpuSeconds} s (${round(serverCpu / secs)} cores), bench CPU ${result.benchCpuSeconds} s ` +
        `(${round(benchCpu / secs)} cores); server RSS peak ${result.serverPeakRssMiB} MiB (VmHWM ${result.serverVmHwmMiB} MiB)`,
    );
    return result;
  } finally {
    await closePlatform(p);
  }
}

interface DemoResult {
  homes: number;
  days: number;
  mqttUrl: string;
  secondsToReady: number;
  stored: number;
  duplicates: number;
  refused: number;
  refusedBy: Record<string, number>;
  sent: number;
  tableReadings: number;
  storedPerSecond: number;
  serverCpuSeconds: number;
  benchCpuSeconds: number;
  serverStartRssMiB: number;
  serverPeakRssMiB: number;
  serverVmHwmMiB: number;
  serverStartSeconds: number;
  setupSeconds: number;
  load: string;
}

async function demo(homes: number, days: number): Promise<DemoResult> {
  log(`\nThe demo's first start: runDemo({ homes: ${homes}, days: ${days}, live: false }) on a fresh server`);
  const p = await platform('demo');
  try {
    p.server.takePhasePeak();
    const cpu0 = p.server.cpuSeconds();
    const bench0 = clientCpu();
    const t = process.hrtime.bigint();
    const run = runDemo({
      baseUrl: p.server.base,
      ...p.admin,
      homes,
      days,
      live: false,
      // As the server's own demo does with its embedded broker: every third home over MQTT.
      mqttUrl: p.server.mqttUrl,
      log: (message) => log(`  ${message}`),
    });
    let summary: DemoSummary;
    try {
      summary = await run.ready;
    } finally {
      await run.stop();
    }
    const secs = seconds(t);
    const serverCpu = p.server.cpuSeconds() - cpu0;
    const benchCpu = clientCpu() - bench0;
    const peak = p.server.takePhasePeak();
    const refusedBy: Record<string, number> = {};
    for (const h of summary.homes)
      for (const [reason, n] of Object.entries(h.tally.refusedBy))
        refusedBy[reason] = (refusedBy[reason] ?? 0) + n;
    const result: DemoResult = {
      homes: summary.homes.length,
      days,
      mqttUrl: p.server.mqttUrl,
      secondsToReady: round(secs, 1),
      stored: summary.stored,
      duplicates: summary.duplicates,
      refused: summary.refused,
      refusedBy,
      sent: summary.homes.reduce((n, h) => n + h.tally.sent, 0),
      tableReadings: await tableCount(p),
      storedPerSecond: Math.round(summary.stored / secs),
      serverCpuSeconds: round(serverCpu, 1),
      benchCpuSeconds: round(benchCpu, 1),
      serverStartRssMiB: mib(p.startRss),
      serverPeakRssMiB: mib(peak),
      serverVmHwmMiB: mib(p.server.hwm()),
      serverStartSeconds: p.server.startSeconds,
      setupSeconds: p.setupSeconds,
      load: uptime(),
    };
    log(
      `  ready in ${result.secondsToReady} s: ${fmt(result.stored)} stored (${fmt(result.storedPerSecond)}/s) of ${fmt(result.sent)} sent, ` +
        `${result.duplicates} duplicates, ${result.refused} refused${result.refused ? ` ${JSON.stringify(refusedBy)}` : ''}; table ${fmt(result.tableReadings)}`,
    );
    log(
      `  server CPU ${result.serverCpuSeconds} s, bench CPU ${result.benchCpuSeconds} s; server RSS peak ${result.serverPeakRssMiB} MiB (VmHWM ${result.serverVmHwmMiB} MiB)`,
    );
    return result;
  } finally {
    await closePlatform(p);
  }
}

// ---------------------------------------------------------------------------------------------

function sourceOf(): string {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', ['-C', ROOT, ...a], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return '';
    }
  };
  const changed = git('status', '--porcelain', '--', 'packages/server/src', 'packages/simulator/src')
    .split('\n')
    .filter(Boolean).length;
  return `${git('rev-parse', '--short', 'HEAD') || 'no git'}, ${changed} files under packages/{server,simulator}/src changed in the work tree`;
}

async function main(): Promise<void> {
  const began = process.hrtime.bigint();
  const startedAt = new Date().toISOString();
  if (opts.db === 'postgres') pgServerUrl = await postgresServer();
  const probeDir = mkdtempSync(path.join(tmpdir(), 'hearth-bench-backfill-machine-'));
  const machine = machineInfo(probeDir);
  rmSync(probeDir, { recursive: true, force: true });
  const loadAtStart = uptime();
  const sourceAtStart = sourceOf();
  log(`Hearth simulator backfill benchmark — ${opts.db} — ${startedAt}`);
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB, Node ${machine.node}`);
  log(`source: ${sourceAtStart}`);
  log(`load: ${loadAtStart}`);
  log(`options: ${JSON.stringify(opts)}`);

  const until = Math.floor(Date.now() / DAY) * DAY;
  log(`\nGeneration only: one home, ${opts.days} days of 1-minute readings, a day at a time`);
  const gen = generation(until - opts.days * DAY, opts.days);
  log(
    `  ${fmt(gen.readings)} readings (${gen.channels} channels) in ${gen.seconds} s = ${fmt(gen.readingsPerSecond)}/s ` +
      `(bench RSS ${gen.benchRssMiB} MiB)`,
  );

  const http: BackfillResult[] = [];
  for (const n of opts.inFlight) http.push(await backfill('http', n, opts.days));
  const mqtt = await backfill('mqtt', opts.mqttInFlight, opts.mqttDays);
  const demoResult = opts.demo ? await demo(opts.demoHomes, opts.demoDays) : undefined;

  const problems: string[] = [];
  for (const r of [...http, mqtt])
    if (!r.ok)
      problems.push(`${r.transport} ×${r.inFlight}: ${JSON.stringify(r.tally)}, table ${r.tableReadings}`);
  if (demoResult && demoResult.tableReadings !== demoResult.stored)
    problems.push(`demo: table ${demoResult.tableReadings}, stored ${demoResult.stored}`);

  const report = {
    benchmark: 'backfill',
    database: opts.db,
    startedAt,
    source: sourceAtStart,
    sourceAtEnd: sourceOf(),
    machine,
    loadAtStart,
    loadAtEnd: uptime(),
    options: opts,
    generation: gen,
    http,
    mqtt,
    ...(demoResult ? { demo: demoResult } : {}),
    problems,
    totalSeconds: round(seconds(began), 1),
  };

  const lines = [
    '',
    '='.repeat(100),
    `Summary (${opts.db}, ${report.source})`,
    `  generation: ${fmt(gen.readings)} readings, ${opts.days} days × ${gen.channels} channels, in ${gen.seconds} s = ${fmt(gen.readingsPerSecond)}/s`,
    ...[...http, mqtt].map(
      (r) =>
        `  ${r.transport.padEnd(4)} ×${r.inFlight}: ${r.days} days, ${fmt(r.tally.stored)} stored in ${r.seconds} s = ${fmt(r.storedPerSecond)}/s; ` +
        `stored === sent: ${r.tally.stored === r.tally.sent}, refused ${r.tally.refused}, duplicates ${r.tally.duplicates}; ` +
        `server CPU ${r.serverCpuSeconds} s, RSS peak ${r.serverPeakRssMiB} MiB (VmHWM ${r.serverVmHwmMiB})`,
    ),
    ...(demoResult
      ? [
          `  demo: ${demoResult.homes} homes × ${demoResult.days} days ready in ${demoResult.secondsToReady} s, ${fmt(demoResult.stored)} stored, ` +
            `${demoResult.refused} refused, ${demoResult.duplicates} duplicates; server CPU ${demoResult.serverCpuSeconds} s, RSS peak ${demoResult.serverPeakRssMiB} MiB (VmHWM ${demoResult.serverVmHwmMiB})`,
        ]
      : []),
    `  verification: ${problems.length === 0 ? 'OK (every sent reading stored and in the table)' : `FAILED: ${problems.join('; ')}`}`,
    `  total ${report.totalSeconds} s`,
  ];
  log(lines.join('\n'));
  const date = startedAt.slice(0, 16).replace(/:/g, '');
  const out = path.resolve(
    ROOT,
    (args.out ?? 'bench-results/backfill-{db}-{date}.json')
      .replaceAll('{db}', opts.db)
      .replaceAll('{date}', date),
  );
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...report, text: lines.join('\n') }, null, 2)}\n`);
  log(`written: ${path.relative(ROOT, out)}`);
  await cleanUp();
  if (problems.length > 0) process.exitCode = 1;
}

process.once('SIGINT', () => {
  log('interrupted: cleaning up');
  void cleanUp().then(() => process.exit(130));
});
process.once('SIGTERM', () => {
  log('terminated: cleaning up');
  void cleanUp().then(() => process.exit(143));
});

main().catch(async (err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  await cleanUp();
  process.exit(1);
});
