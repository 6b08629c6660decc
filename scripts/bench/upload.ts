/**
 * `npm run bench:upload`: does a large regional upload stall the server?
 *
 * In one process: `buildApp` on a fresh SQLite data folder (or HEARTH_TEST_DATABASE_URL's
 * PostgreSQL), listening on loopback. The operator PUTs a carbon intensity CSV of `--lines`
 * half hours (default 250,000: fourteen years) and then a daily weather CSV of `--days` days, over
 * real HTTP, while a second client asks `GET /healthz` every 10 ms. Prints each upload's time and
 * the /healthz latencies (p50, p99, max) during it: a healthy server keeps /healthz under 100 ms.
 * It also prints the event loop's longest delay (perf_hooks.monitorEventLoopDelay). Both include
 * the time other processes take the CPU: measure on a quiet machine.
 *
 * Options: --lines 250000, --days 20000.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { login, startTestApp } from '../../packages/server/test/harness/app.js';
import { Client } from './http.js';

const HALF_HOUR = 1_800_000;
const DAY = 86_400_000;

const { values: args } = parseArgs({
  options: { lines: { type: 'string', default: '250000' }, days: { type: 'string', default: '20000' } },
});

const t = await startTestApp({ LOG_LEVEL: 'silent', HEARTH_RATE_LIMIT: '0' });
try {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  const client = new Client(`http://127.0.0.1:${address.port}`);
  const token = (await login(t.app)).access_token;

  const start = Date.UTC(2012, 0, 1);
  const carbon = ['time,g_per_kwh'];
  for (let i = 0; i < Number(args.lines); i++) {
    carbon.push(`${new Date(start + i * HALF_HOUR).toISOString()},${(150 + (i % 97)).toFixed(1)}`);
  }
  const weather = ['date,mean_c'];
  const firstDay = Date.UTC(1970, 0, 1);
  for (let i = 0; i < Number(args.days); i++) {
    weather.push(`${new Date(firstDay + i * DAY).toISOString().slice(0, 10)},${((i % 30) - 5).toFixed(1)}`);
  }

  const measure = async (label: string, path: string, body: string) => {
    const latencies: number[] = [];
    // The longest the event loop went without turning (sampled every 10 ms by Node itself).
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let uploading = true;
    const probe = (async () => {
      const probeClient = new Client(client.base, 1);
      while (uploading) {
        const began = performance.now();
        const answer = await probeClient.request('GET', '/healthz');
        if (answer.status !== 200) throw new Error(`/healthz answered ${answer.status}`);
        latencies.push(performance.now() - began);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const began = performance.now();
    const answer = await client.request('PUT', path, {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body,
    });
    const took = performance.now() - began;
    uploading = false;
    delay.disable();
    await probe;
    if (answer.status !== 200) throw new Error(`${label}: ${answer.status} ${answer.body.slice(0, 300)}`);
    latencies.sort((a, b) => a - b);
    const at = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? 0;
    console.log(
      `${label}: ${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB in ${(took / 1000).toFixed(2)} s; ` +
        `/healthz meanwhile: ${latencies.length} calls, p50 ${at(0.5).toFixed(1)} ms, ` +
        `p99 ${at(0.99).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms; ` +
        `event loop delay max ${(delay.max / 1e6).toFixed(0)} ms`,
    );
  };

  await measure(
    `carbon intensity, ${carbon.length - 1} lines`,
    '/api/v/1/regions/bench/carbon-intensity',
    `${carbon.join('\n')}\n`,
  );
  await measure(
    `weather, ${weather.length - 1} lines`,
    '/api/v/1/regions/bench/weather',
    `${weather.join('\n')}\n`,
  );
} finally {
  await t.close();
}
