import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HearthClient, type Home } from '@hearth/client';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialect, OPERATOR, type TestDatabase, timeout } from '../harness/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const DEMO_HOMES = 3;

interface Started {
  process: ChildProcess;
  base: string;
  username: string;
  password: string;
  /** everything the process printed so far */
  output: () => string;
}

/** `npm start`'s program with the demo on (a small fleet); resolves once it prints the demo login. */
async function startPlatform(database: TestDatabase): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? database.dataDir,
      ...database.env,
      HEARTH_OPERATOR_USERNAME: OPERATOR.username,
      HEARTH_OPERATOR_PASSWORD: OPERATOR.password,
      HEARTH_DEMO: 'on',
      HEARTH_DEMO_HOMES: String(DEMO_HOMES),
      HEARTH_DEMO_DAYS: '2',
      HEARTH_MQTT: 'embedded',
      HEARTH_MQTT_PORT: '0',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const found = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the platform did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match =
        /Hearth is listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Demo: +agent "Hearth Demo Homes", admin (\S+) \/ (\S+)/.exec(
          output,
        );
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the platform exited with ${code}:\n${output}`));
    });
  });
  return {
    process: child,
    base: found[1] as string,
    username: found[2] as string,
    password: found[3] as string,
    output: () => output,
  };
}

/** Waits for the demo's "homes ready" log line (the backfill is done and live streaming began). */
async function demoReady(started: Started, times: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ready = started.output().match(/homes ready/g)?.length ?? 0;
    if (ready >= times) return;
    if (/demo: (stopped|not started)/.test(started.output())) throw new Error(started.output());
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the demo did not get ready:\n${started.output()}`);
}

async function stop(started: Started): Promise<number | null> {
  if (started.process.exitCode !== null || started.process.signalCode !== null)
    return started.process.exitCode;
  const exited = once(started.process, 'exit');
  started.process.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

/** Each home's raw register readings: times in ms, values. */
async function registerReadings(client: HearthClient, home: Home, key: string) {
  const channel = home.meters.flatMap((m) => m.channels).find((c) => c.key === key);
  if (!channel) throw new Error(`${home.reference} has no ${key}`);
  const from = `${home.installation.commissioningDate}T00:00:00Z`;
  const series = await client.telemetry.query(home.id, { channels: [channel.id], from, resolution: 'raw' });
  const points = series.channels[0]?.points ?? [];
  return points.map((p) => ({ t: Date.parse(p.time as string), v: p.value as number }));
}

let database: TestDatabase | undefined;
const processes: Started[] = [];
afterAll(async () => {
  for (const p of processes) {
    if (p.process.exitCode === null && p.process.signalCode === null) {
      const exited = once(p.process, 'exit');
      p.process.kill('SIGKILL');
      await exited;
    }
  }
  await database?.drop();
});

describe(`npm start with the demo (${dialect})`, () => {
  it(
    'creates the demo agent, its admin and homes with history on an empty folder, and reuses them on restart',
    async () => {
      database = await createTestDatabase();
      const first = await startPlatform(database);
      processes.push(first);
      await demoReady(first, 1);

      // The credentials as printed log in, and the password file is private.
      const admin = new HearthClient({ baseUrl: first.base });
      const me = await admin.login({ username: first.username, password: first.password });
      expect(me.accessToken).toBeTruthy();
      expect(statSync(path.join(database.dataDir, 'demo-credentials.txt')).mode & 0o777).toBe(0o600);
      expect((await admin.me()).role).toBe('admin');

      const summaries = await admin.homes.list().toArray();
      expect(summaries.map((h) => h.reference).sort()).toEqual(['DEMO-001', 'DEMO-002', 'DEMO-003']);
      const homes = await Promise.all(summaries.map((h) => admin.homes.get(h.id)));
      const methods = homes.flatMap((h) => h.meters.map((m) => m.reading.method));
      expect(new Set(methods)).toEqual(new Set(['push', 'mqtt'])); // both delivery paths are in use

      const before = new Map<string, { t: number; v: number }[]>();
      for (const home of homes) {
        const readings = await registerReadings(admin, home, 'electricity_energy');
        const interval = (home.meters[0]?.reading.intervalSeconds ?? 0) * 1000;
        const start = Date.parse(`${home.installation.commissioningDate}T00:00:00Z`);
        // Two days and more of history, one reading per interval from the commissioning day on,
        // and a register that never runs backwards.
        expect(readings[0]?.t).toBe(start + interval);
        const last = readings.at(-1)?.t ?? 0;
        expect(Date.now() - last).toBeLessThan(2 * interval + 30_000);
        expect(readings.length).toBe((last - start) / interval);
        for (let i = 1; i < readings.length; i++) {
          expect((readings[i]?.v ?? 0) - (readings[i - 1]?.v ?? 0)).toBeGreaterThanOrEqual(0);
        }
        before.set(home.id, readings);
      }
      // The agent has default tariffs, so a demo home's insight states what its energy cost.
      const tariffs = await admin.tariffs.list().toArray();
      expect(
        tariffs
          .filter((tariff) => tariff.isDefault)
          .map((tariff) => tariff.fuel)
          .sort(),
      ).toEqual(['electricity', 'gas']);
      const heatPump = homes.find((h) => h.installation.technology !== 'gas_boiler') ?? homes[0];
      const insight = await admin.insight.get(heatPump?.id as string, { period: 'day' });
      expect(insight.window.cost.electricity?.energy).toBeGreaterThan(0);
      expect(insight.window.cost.electricity?.currency).toBe('GBP');

      await admin.logout();
      expect(await stop(first)).toBe(0);

      // The second start finds everything: same login, same homes, no second order, no duplicates.
      const second = await startPlatform(database);
      processes.push(second);
      expect([second.username, second.password]).toEqual([first.username, first.password]);
      await demoReady(second, 1);
      expect(second.output()).toMatch(/DEMO-001 .*found/);
      expect(second.output()).not.toMatch(/DEMO-00\d .*created/);

      const again = new HearthClient({ baseUrl: second.base });
      await again.login({ username: second.username, password: second.password });
      expect((await again.homes.list().toArray()).length).toBe(DEMO_HOMES);
      expect((await again.orders.list().toArray()).length).toBe(DEMO_HOMES);
      expect((await again.tariffs.list().toArray()).length).toBe(2); // made once
      for (const home of homes) {
        const readings = await registerReadings(again, home, 'electricity_energy');
        const interval = (home.meters[0]?.reading.intervalSeconds ?? 0) * 1000;
        // What was there is unchanged, and the time the platform was down is filled in: no gap.
        const earlier = before.get(home.id) ?? [];
        expect(readings.slice(0, earlier.length)).toEqual(earlier);
        const start = Date.parse(`${home.installation.commissioningDate}T00:00:00Z`);
        const last = readings.at(-1)?.t ?? 0;
        expect(readings.length).toBe((last - start) / interval);
        expect(last).toBeGreaterThanOrEqual(earlier.at(-1)?.t ?? 0);
      }
      await again.logout();
      expect(await stop(second)).toBe(0);
    },
    timeout(300_000),
  );
});
