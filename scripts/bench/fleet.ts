/**
 * `npm run bench:fleet`: `GET /fleet` (the console's fleet table) over 10,000 homes.
 *
 * Seeds like `bench:portfolio` (one process, fresh SQLite data folder, `--homes` homes made by
 * orders submitted through the API, each with a heat meter and a heat pump electricity meter read
 * daily, `--days` days of one reading a day per register pushed through `POST /telemetry`), then
 * times `--calls` calls of each case through `app.inject`: the first page (sort reference), sorted
 * by spf (desc), and filtered by `q`. The first call of a run fills the SPF cache (60 s), so each
 * case is reported twice: over HTTP with the cache warm, and the service itself with no cache
 * (`cacheSeconds: 0`, what a page costs when the cache has expired).
 *
 * Options: --homes 10000, --days 30, --calls 10, --keep (keep the data folder).
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FleetService } from '../../packages/server/src/fleet/service.js';
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
const tenant = await createTenant(app, operator, 'Fleet bench');
const auth = { authorization: `Bearer ${tenant.admin.token}` };

const { homesSeconds, pushSeconds, readings } = await seedDailyFleet(app, tenant.admin.token, {
  homes: HOMES,
  days: DAYS,
});

const services = app.ctx.services;
const uncached = new FleetService({
  homes: services.homes,
  telemetryQueries: services.telemetryQueries,
  alarms: services.alarms,
  portfolio: services.portfolio,
  cacheSeconds: 0,
});
const adminScope = {
  userId: tenant.admin.id,
  username: tenant.admin.username,
  role: 'admin' as const,
  agentId: tenant.agentId,
  clientId: 'bench',
  tokenHash: '',
  homeAccess: 'all' as const,
};

const stats = (times: number[]) => {
  times.sort((a, b) => a - b);
  return { p50: Math.round(percentile(times, 0.5)), p95: Math.round(percentile(times, 0.95)) };
};
async function measure(name: string, query: Record<string, string>) {
  const url = `${API}/fleet?${new URLSearchParams(query)}`;
  const first = performance.now();
  const response = await app.inject({ method: 'GET', url, headers: auth });
  const firstMs = Math.round(performance.now() - first);
  if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  const total = response.json().total as number;
  const http: number[] = [];
  for (let c = 0; c < CALLS; c++) {
    const start = performance.now();
    await app.inject({ method: 'GET', url, headers: auth });
    http.push(performance.now() - start);
  }
  const service: number[] = [];
  for (let c = 0; c < CALLS; c++) {
    const start = performance.now();
    await uncached.page(adminScope, { limit: 50, ...query } as Parameters<FleetService['page']>[1]);
    service.push(performance.now() - start);
  }
  return { name, total, firstCallMs: firstMs, httpWarmMs: stats(http), serviceUncachedMs: stats(service) };
}
const results = [
  await measure('first page', { limit: '50' }),
  await measure('sorted by spf', { limit: '50', sort: 'spf', order: 'desc' }),
  await measure('filtered by q', { limit: '50', q: 'pb-12' }),
];
console.log(
  JSON.stringify(
    {
      homes: HOMES,
      days: DAYS,
      homesSeconds: Number(homesSeconds),
      readings,
      pushSeconds: Number(pushSeconds),
      results,
    },
    null,
    2,
  ),
);
await app.close();
if (!args.keep) rmSync(t.database.dataDir, { recursive: true, force: true });
else console.log(`data kept in ${t.database.dataDir}`);
