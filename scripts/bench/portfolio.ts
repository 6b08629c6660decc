/**
 * `npm run bench:portfolio`: the portfolio league table over many homes (issue #7).
 *
 * In one process: `buildApp` on a fresh SQLite data folder in /tmp, an agent and its admin made
 * through the operator's invitation (the test helpers' createTenant), then `--homes` homes, each
 * an order submitted through the API (`app.inject`, no sockets) with a heat meter and a heat pump
 * electricity meter read daily, then `--days` local days of one reading a day per register and of
 * the heat meter's flow temperature pushed through `POST /telemetry` in batches of 10,000. A daily reading gives the same `rollups_day` rows
 * (one per channel and day) that hourly readings would, and the default window is read from those.
 * Then `GET /portfolio/performance` (default window: the last 30 local days) `--calls` times:
 * p50 and p95 of the wall time of `app.inject`.
 *
 * Then the same for `GET /portfolio/insight`.
 *
 * Options: --homes 10000, --days 30, --calls 10, --keep (keep the data folder), --profile FILE
 * (a CPU profile of the calls, for Chrome DevTools or `node --cpu-prof`'s readers).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { login, startTestApp } from '../../packages/server/test/harness/app.js';
import { createTenant } from '../../packages/server/test/harness/tenants.js';
import { seedDailyFleet } from './seed-fleet.js';

const API = '/api/v/1';

const { values: args } = parseArgs({
  options: {
    homes: { type: 'string', default: '10000' },
    days: { type: 'string', default: '30' },
    calls: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const HOMES = Number(args.homes);
const DAYS = Number(args.days);
const CALLS = Number(args.calls);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;

// No rate limit: the bench measures what the server can do, not what one caller may ask of it.
const t = await startTestApp({ LOG_LEVEL: 'silent', HEARTH_RATE_LIMIT: '0' });
const { app } = t;
const operator = (await login(app)).access_token;
const tenant = await createTenant(app, operator, 'Portfolio bench');
const auth = { authorization: `Bearer ${tenant.admin.token}` };

const { homesSeconds, pushSeconds, readings } = await seedDailyFleet(app, tenant.admin.token, {
  homes: HOMES,
  days: DAYS,
});

const session = args.profile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
/** p50/p95 of CALLS calls of a portfolio route, and the homes in its table. */
async function measure(route: string) {
  const times: number[] = [];
  let homes = 0;
  for (let c = 0; c < CALLS; c++) {
    const start = performance.now();
    const response = await app.inject({ method: 'GET', url: `${API}${route}`, headers: auth });
    times.push(performance.now() - start);
    if (response.statusCode !== 200) throw new Error(`${route}: ${response.statusCode} ${response.body}`);
    homes = response.json().summary.homes;
  }
  times.sort((a, b) => a - b);
  return {
    homes,
    p50: Math.round(percentile(times, 0.5)),
    p95: Math.round(percentile(times, 0.95)),
    all: times.map(Math.round),
  };
}
const performanceMs = await measure('/portfolio/performance');
const insightMs = await measure('/portfolio/insight');
if (session && args.profile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(args.profile, JSON.stringify(profile));
  session.disconnect();
}
console.log(
  JSON.stringify(
    {
      homes: HOMES,
      days: DAYS,
      homesSeconds: Number(homesSeconds),
      readings,
      pushSeconds: Number(pushSeconds),
      portfolioPerformanceMs: performanceMs,
      portfolioInsightMs: insightMs,
    },
    null,
    2,
  ),
);
await app.close();
if (!args.keep) rmSync(t.database.dataDir, { recursive: true, force: true });
else console.log(`data kept in ${t.database.dataDir}`);
