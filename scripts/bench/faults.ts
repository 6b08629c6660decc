/**
 * `npm run bench:faults`: what fault evaluation costs (issue #8).
 *
 * In one process: `buildApp` on a fresh SQLite data folder in /tmp, an agent made through the
 * operator's invitation, then `--homes` homes of the demo fleet (mixed technologies, their faults
 * on) with `--days` days of history at 5-minute readings pushed through `POST /telemetry`. The
 * background evaluator is stopped first, so the timings are of evaluations alone:
 *  1. the first evaluation of each home, which replays its whole history hour by hour;
 *  2. `--calls` evaluations of every home in steady state (the present only, as the 60 s scan does).
 * Prints the wall time of each, per home (p50, p95) and per replayed hour, and the CPU time of the
 * steady state's evaluations (the process's user + system time: on a shared machine, less inflated
 * by other work than the wall time; waits on disk such as SQLite's commit are not in it).
 *
 * Options: --homes 20, --days 30, --calls 5; --profile FILE writes a CPU profile of the steady
 * state (open it in Chrome DevTools) and prints the functions with the most self time.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { login, startTestApp } from '../../packages/server/test/harness/app.js';
import { createTenant } from '../../packages/server/test/harness/tenants.js';
import { demoFleet, orderFor, serialOf, simulateHome } from '../../packages/simulator/src/index.js';

const DAY = 86_400_000;
const API = '/api/v/1';
const { values: args } = parseArgs({
  options: {
    homes: { type: 'string', default: '20' },
    days: { type: 'string', default: '30' },
    calls: { type: 'string', default: '5' },
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
const { faultEvaluator } = app.ctx.services;
await faultEvaluator.stop();
const operator = (await login(app)).access_token;
const tenant = await createTenant(app, operator, 'Faults bench');
const auth = { authorization: `Bearer ${tenant.admin.token}` };
const now = Date.now();
const start = Math.floor((now - DAYS * DAY) / DAY) * DAY;
const fleet = demoFleet({ start, homes: HOMES, intervalSeconds: 300, prefix: 'FB' });
const homeIds: string[] = [];
let readings = 0;
for (const spec of fleet) {
  const order = orderFor(spec, {
    commissioningDate: new Date(start).toISOString().slice(0, 10),
    delivery: 'push',
  });
  const draft = await app.inject({ method: 'POST', url: `${API}/orders`, headers: auth, payload: order });
  const submitted = await app.inject({
    method: 'POST',
    url: `${API}/orders/${draft.json().id}/submission`,
    headers: auth,
  });
  const homeId = submitted.json().homeId as string;
  homeIds.push(homeId);
  const meters = (
    await app.inject({ method: 'GET', url: `${API}/homes/${homeId}/meters`, headers: auth })
  ).json().items as { serial: string; channels: { id: string; key: string }[] }[];
  const ids = new Map<string, string>();
  for (const m of meters) for (const c of m.channels) ids.set(`${m.serial}/${c.key}`, c.id);
  let batch: { channelId: string; time: string; value: number }[] = [];
  const flush = async () => {
    const response = await app.inject({
      method: 'POST',
      url: `${API}/telemetry`,
      headers: auth,
      payload: { readings: batch },
    });
    if (response.statusCode !== 200) throw new Error(`telemetry: ${response.statusCode} ${response.body}`);
    readings += batch.length;
    batch = [];
  };
  for (const r of simulateHome(spec, { start }).advance(now - 60_000)) {
    batch.push({
      channelId: ids.get(`${serialOf(spec.reference, r.meter)}/${r.channel}`) as string,
      time: new Date(r.t).toISOString(),
      value: r.value,
    });
    if (batch.length === 10_000) await flush();
  }
  if (batch.length > 0) await flush();
}
console.log(`${HOMES} homes, ${DAYS} days, ${readings.toLocaleString('en')} readings stored`);

const timed = async (homeId: string) => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const outcome = await faultEvaluator.evaluateHome(homeId, { present: true });
  if (!outcome || outcome === 'busy') throw new Error(`evaluation of ${homeId}: ${outcome}`);
  const used = process.cpuUsage(cpu);
  return {
    ms: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000,
    steps: outcome.steps,
    raised: outcome.raised,
  };
};
const first = [];
for (const id of homeIds) first.push(await timed(id));
const steps = first.reduce((s, r) => s + r.steps, 0);
const firstMs = first.map((r) => r.ms).sort((a, b) => a - b);
const total = firstMs.reduce((s, v) => s + v, 0);
console.log(
  `first evaluation (replay): ${steps} instants judged in ${(total / 1000).toFixed(1)} s — ` +
    `${(total / steps).toFixed(2)} ms per hour replayed; per home p50 ${percentile(firstMs, 0.5).toFixed(0)} ms, ` +
    `p95 ${percentile(firstMs, 0.95).toFixed(0)} ms; ${first.reduce((s, r) => s + r.raised, 0)} alarms raised`,
);
const steady: number[] = [];
const steadyCpu: number[] = [];
const inspector = args.profile ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
}
for (let call = 0; call < CALLS; call++) {
  for (const id of homeIds) {
    const { ms, cpuMs } = await timed(id);
    steady.push(ms);
    steadyCpu.push(cpuMs);
  }
}
steady.sort((a, b) => a - b);
steadyCpu.sort((a, b) => a - b);
console.log(
  `steady state (the present only): ${steady.length} evaluations, p50 ${percentile(steady, 0.5).toFixed(1)} ms, ` +
    `p95 ${percentile(steady, 0.95).toFixed(1)} ms per home; CPU p50 ${percentile(steadyCpu, 0.5).toFixed(1)} ms, ` +
    `p95 ${percentile(steadyCpu, 0.95).toFixed(1)} ms`,
);
if (inspector && args.profile) {
  const { profile } = await inspector.post('Profiler.stop');
  inspector.disconnect();
  await writeFile(args.profile, JSON.stringify(profile));
  // Self time per function: samples × the mean interval between them.
  const interval = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples?.length ?? 1);
  const hits = new Map<number, number>();
  for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  // Named by function and file (tsx's line numbers are the compiled code's); native functions
  // (better-sqlite3's `all`, `run`…) by their caller as well.
  const parentOf = new Map<number, (typeof profile.nodes)[number]>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const nameOf = (frame: { functionName: string; url: string }) =>
    `${frame.functionName || '(anonymous)'}${frame.url ? ` (${frame.url.replace(/^.*\/(node_modules|packages)\//, '')})` : ''}`;
  const self = new Map<string, number>();
  for (const node of profile.nodes) {
    const caller = parentOf.get(node.id);
    const key =
      node.callFrame.url || !caller
        ? nameOf(node.callFrame)
        : `${nameOf(node.callFrame)} ← ${nameOf(caller.callFrame)}`;
    self.set(key, (self.get(key) ?? 0) + (hits.get(node.id) ?? 0) * interval);
  }
  const evaluations = steady.length;
  console.log(`CPU profile of the steady state in ${args.profile}; self time per evaluation:`);
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${(ms / evaluations).toFixed(2).padStart(6)} ms  ${key}`);
}
await t.close();
