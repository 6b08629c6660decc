/**
 * `npm run bench:points`: `GET /homes/{id}/telemetry?points=` over a year of one-minute readings.
 *
 * In one process: `buildApp` on a fresh SQLite data folder, one agent and home, 525,600 readings
 * (a year, one a minute) of its flow temperature pushed through `POST /telemetry` in batches of
 * 10,000, then `--calls` calls through `app.inject` of: the year at points=1000 (12-hour buckets
 * merged from 8,760 hourly rollups), and one week at points=1000 (10-minute buckets grouped from
 * 10,080 raw readings in SQL). p50 and p95 of the wall time.
 *
 * Options: --calls 20, --keep (keep the data folder).
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { login, startTestApp } from '../../packages/server/test/harness/app.js';
import { completeOrder } from '../../packages/server/test/harness/orders.js';
import { createTenant } from '../../packages/server/test/harness/tenants.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const API = '/api/v/1';

const { values: args } = parseArgs({
  options: { calls: { type: 'string', default: '20' }, keep: { type: 'boolean', default: false } },
});
const CALLS = Number(args.calls);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;

const t = await startTestApp({ LOG_LEVEL: 'silent', HEARTH_RATE_LIMIT: '0' });
const { app } = t;
const tenant = await createTenant(app, (await login(app)).access_token, 'Points bench');
const auth = { authorization: `Bearer ${tenant.admin.token}` };
const to = Math.floor(Date.now() / DAY) * DAY;
const from = to - 365 * DAY;
const order = completeOrder('POINTS-BENCH', {
  installation: {
    ...completeOrder('x').installation,
    commissioningDate: new Date(from - DAY).toISOString().slice(0, 10),
  },
});
const draft = await app.inject({ method: 'POST', url: `${API}/orders`, headers: auth, payload: order });
const submitted = await app.inject({
  method: 'POST',
  url: `${API}/orders/${draft.json().id}/submission`,
  headers: auth,
});
const homeId = submitted.json().homeId as string;
const meters = await app.inject({ method: 'GET', url: `${API}/homes/${homeId}/meters`, headers: auth });
const channel = (meters.json().items as { channels: { id: string; key: string }[] }[])
  .flatMap((m) => m.channels)
  .find((c) => c.key === 'flow_temperature')?.id as string;

const pushed = performance.now();
const minutes = (to - from) / MINUTE;
for (let m = 0; m < minutes; m += 10_000) {
  const readings = [];
  for (let k = m; k < Math.min(minutes, m + 10_000); k++)
    readings.push({
      channelId: channel,
      time: new Date(from + k * MINUTE).toISOString(),
      value: 35 + (k % 60) / 10,
    });
  const response = await app.inject({
    method: 'POST',
    url: `${API}/telemetry`,
    headers: auth,
    payload: { readings },
  });
  if (response.statusCode !== 200)
    throw new Error(`push: ${response.statusCode} ${response.body.slice(0, 300)}`);
}
const pushSeconds = Number(((performance.now() - pushed) / 1000).toFixed(1));

async function measure(name: string, query: Record<string, string>) {
  const url = `${API}/homes/${homeId}/telemetry?${new URLSearchParams({ channels: channel, ...query })}`;
  const times: number[] = [];
  let points = 0;
  let bucketSeconds = 0;
  for (let c = 0; c < CALLS; c++) {
    const start = performance.now();
    const response = await app.inject({ method: 'GET', url, headers: auth });
    times.push(performance.now() - start);
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    points = response.json().channels[0].points.length;
    bucketSeconds = response.json().bucketSeconds;
  }
  times.sort((a, b) => a - b);
  return {
    name,
    points,
    bucketSeconds,
    p50: Math.round(percentile(times, 0.5)),
    p95: Math.round(percentile(times, 0.95)),
  };
}
const iso = (ms: number) => new Date(ms).toISOString();
const results = [
  await measure('a year at points=1000', { from: iso(from), to: iso(to), points: '1000' }),
  await measure('a week at points=1000', { from: iso(to - 7 * DAY), to: iso(to), points: '1000' }),
];
console.log(JSON.stringify({ readings: minutes, pushSeconds, results }, null, 2));
await app.close();
if (!args.keep) rmSync(t.database.dataDir, { recursive: true, force: true });
