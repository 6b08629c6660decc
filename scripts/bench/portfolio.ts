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
import { login, startTestApp } from '../../packages/server/test/helpers/harness.js';
import { completeOrder } from '../../packages/server/test/helpers/orders.js';
import { createTenant } from '../../packages/server/test/helpers/tenants.js';

const DAY = 86_400_000;
const API = '/api/v/1';
const BATCH = 10_000;

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

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;

// No rate limit: the bench measures what the server can do, not what one caller may ask of it.
const t = await startTestApp({ LOG_LEVEL: 'silent', HEARTH_RATE_LIMIT: '0' });
const { app } = t;
const operator = (await login(app)).access_token;
const tenant = await createTenant(app, operator, 'Portfolio bench');
const auth = { authorization: `Bearer ${tenant.admin.token}` };

// Readings may go back to the commissioning date.
const commissioningDate = new Date(Date.now() - (DAYS + 5) * DAY).toISOString().slice(0, 10);
const started = performance.now();
const registers: { electricity: string; heat: string; flow: string; index: number }[] = [];
for (let i = 0; i < HOMES; i++) {
  const reference = `PB-${i}`;
  const order = completeOrder(reference, {
    installation: { ...completeOrder(reference).installation, designSpf: 3, commissioningDate },
    meters: [
      { serial: `HM-${i}`, kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 86_400 } },
      {
        serial: `EM-${i}`,
        kind: 'electricity_meter',
        measures: 'heat_pump',
        reading: { method: 'push', intervalSeconds: 86_400 },
      },
    ],
    services: { amr: {}, insight: {}, performance: {} },
  });
  const draft = await app.inject({ method: 'POST', url: `${API}/orders`, headers: auth, payload: order });
  if (draft.statusCode !== 201) throw new Error(`order: ${draft.statusCode} ${draft.body}`);
  const submitted = await app.inject({
    method: 'POST',
    url: `${API}/orders/${draft.json().id}/submission`,
    headers: auth,
  });
  if (submitted.statusCode !== 201) throw new Error(`submission: ${submitted.statusCode} ${submitted.body}`);
  const homeId = submitted.json().homeId as string;
  const { meters } = await app.ctx.services.homes.withMeters(scopeOf(), homeId);
  const channel = (kind: string, key: string) =>
    meters.find((m) => m.kind === kind)?.channels.find((c) => c.key === key)?.id as string;
  registers.push({
    index: i,
    electricity: channel('electricity_meter', 'electricity_energy'),
    heat: channel('heat_meter', 'heat_energy'),
    flow: channel('heat_meter', 'flow_temperature'),
  });
  if ((i + 1) % 1000 === 0) console.log(`${i + 1} homes in ${seconds(started)} s`);
}
const homesSeconds = seconds(started);

/** The operator's scope, to read the new home's channel ids in-process. */
function scopeOf() {
  return {
    userId: 'bench',
    username: 'bench',
    role: 'operator' as const,
    agentId: null,
    clientId: 'bench',
    tokenHash: '',
    homeAccess: 'all' as const,
  };
}

// One reading a day at noon UTC for DAYS days ending today, plus one the day before.
const pushed = performance.now();
const now = Date.now();
const today = Math.floor(now / DAY) * DAY + DAY / 2;
let batch: { channelId: string; time: string; value: number }[] = [];
let readings = 0;
const flush = async () => {
  if (batch.length === 0) return;
  const response = await app.inject({
    method: 'POST',
    url: `${API}/telemetry`,
    headers: auth,
    payload: { readings: batch },
  });
  if (response.statusCode !== 200 || response.json().refused.length > 0)
    throw new Error(`telemetry: ${response.statusCode} ${response.body.slice(0, 500)}`);
  readings += batch.length;
  batch = [];
};
for (const r of registers) {
  // Electricity 8–12 kWh a day; SPF 2.5–3.5 by home.
  const kwh = 8 + (r.index % 5);
  const spf = 2.5 + (r.index % 11) / 10;
  for (let d = DAYS; d >= 0; d--) {
    const at = Math.min(today - d * DAY, now - 60_000);
    const time = new Date(at).toISOString();
    const k = DAYS - d;
    batch.push({ channelId: r.electricity, time, value: 1000 + k * kwh });
    batch.push({ channelId: r.heat, time, value: 3000 + k * kwh * spf });
    // Flow temperature 35–45 °C by home and day: each row's flowTemperatureC has days to weigh.
    batch.push({ channelId: r.flow, time, value: 35 + ((r.index + k) % 11) });
    // Three readings a day and home: the next day's would overflow a full batch.
    if (batch.length > BATCH - 3) await flush();
  }
}
await flush();
const pushSeconds = seconds(pushed);

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
