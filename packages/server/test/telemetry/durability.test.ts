import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTenant,
  createTestDatabase,
  dialect,
  gatewayToken,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  startTestApp,
  type TestDatabase,
  timeout,
} from '../harness/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A real server process on the database; resolves with its base URL once it listens. */
async function startServer(database: TestDatabase): Promise<{ process: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? database.dataDir,
      ...database.env,
      HEARTH_OPERATOR_USERNAME: OPERATOR.username,
      HEARTH_OPERATOR_PASSWORD: OPERATOR.password,
      HEARTH_DEMO: 'off',
      HEARTH_MQTT: 'off',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /Hearth is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return { process: child, base };
}

let database: TestDatabase | undefined;
let server: ChildProcess | undefined;
afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGKILL');
    await exited;
  }
  await database?.drop();
});

describe(`durability (${dialect})`, () => {
  it(
    'keeps every acknowledged reading when the server is killed with SIGKILL mid-stream',
    async () => {
      database = await createTestDatabase();
      // Set up an agent, a home and its gateway in-process, then hand the database to a real server.
      const setup = await startTestApp({}, database);
      const operator = (await login(setup.app, OPERATOR.username, OPERATOR.password)).access_token;
      const tenant = await createTenant(setup.app, operator, 'Durable');
      const { homeId, channels } = await homeWithChannels(setup.app, tenant.admin.token, 'DURABLE-1');
      const { token } = await gatewayToken(setup.app, tenant.admin.token, homeId);
      await setup.close();

      const started = await startServer(database);
      server = started.process;
      const acknowledged: { channelId: string; time: string; value: number }[] = [];
      // Far enough back that the streams never reach the present.
      const start = Date.now() - 40 * 24 * 3_600_000;
      let stop = false;
      let sent = 0;
      // Four gateways' worth of concurrent streams: each request a block of minutes on every channel.
      const streams = [0, 1, 2, 3].map(async (stream) => {
        for (let block = 0; !stop; block++) {
          const readings = [];
          for (let minute = 0; minute < 50; minute++) {
            const at = (block * 4 + stream) * 50 + minute;
            const time = iso(start + at * 60_000);
            // Values a home could give: registers counting 6 kWh an hour, the others 20–29.9.
            for (const c of channels)
              readings.push({
                channelId: c.id,
                time,
                value: c.kind === 'register' ? at / 10 : 20 + (at % 100) / 10,
              });
          }
          sent += readings.length;
          try {
            const response = await fetch(`${started.base}/api/v/1/telemetry`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ readings }),
            });
            if (response.status !== 200) throw new Error(`push answered ${response.status}`);
            const body = (await response.json()) as { stored: number; refused: unknown[] };
            expect(body.refused).toEqual([]);
            acknowledged.push(...readings);
          } catch (err) {
            if (stop) return;
            throw err;
          }
        }
      });
      // Kill it once a good number of readings is acknowledged, while requests are in flight.
      let failed: unknown;
      for (const stream of streams) stream.catch((err: unknown) => (failed ??= err));
      while (acknowledged.length < 20_000 && failed === undefined)
        await new Promise((r) => setTimeout(r, 20));
      if (failed !== undefined) throw failed;
      const exited = once(server, 'exit');
      server.kill('SIGKILL');
      stop = true;
      await exited;
      await Promise.allSettled(streams);
      expect(sent).toBeGreaterThan(acknowledged.length);

      // Restart on the same database: every acknowledged reading is there with its value.
      const after = await startTestApp({}, database);
      try {
        const db = after.app.ctx.database.db;
        const stored = await db
          .selectFrom('readings')
          .innerJoin('telemetry_series', 'telemetry_series.no', 'readings.series')
          .select(['telemetry_series.channel_id', 'readings.t', 'readings.value'])
          .execute();
        const have = new Map(stored.map((r) => [`${r.channel_id}@${Number(r.t)}`, r.value]));
        const missing = acknowledged.filter(
          (r) => have.get(`${r.channelId}@${Date.parse(r.time)}`) !== r.value,
        );
        expect(missing.length, `acknowledged but lost: ${JSON.stringify(missing.slice(0, 3))}`).toBe(0);
        // And the rollups agree with the raw readings that survived (nothing half-written).
        const hourCounts = await db
          .selectFrom('rollups_hour')
          .select((eb) => eb.fn.sum<number>('count').as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(hourCounts.n)).toBe(stored.length);
      } finally {
        await after.close();
      }
    },
    timeout(120_000),
  );
});
