import { HearthClient } from '@hearth/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startServer } from '../../client/test/support.js';
import { createTenant, dialect, login, OPERATOR } from '../../server/test/harness/index.js';
import { timeout } from '../../server/test/harness/timeouts.js';
import {
  demoFleet,
  feed,
  gatewayClient,
  gatewayCredentials,
  httpSink,
  provisionHome,
  runDemo,
  serveMeters,
  simulateHome,
} from '../src/index.js';

const DAY = 86_400_000;

let server: LiveServer;
let admin: { username: string; password: string };
let mqttUrl: string;

beforeAll(async () => {
  server = await startServer({
    HEARTH_MQTT: 'embedded',
    HEARTH_MQTT_PORT: '0',
    HEARTH_AMR_SCAN_SECONDS: '0.2',
  });
  const operator = (await login(server.test.app, OPERATOR.username, OPERATOR.password)).access_token;
  const tenant = await createTenant(server.test.app, operator, 'Simulated Homes');
  admin = { username: tenant.admin.username, password: tenant.admin.password };
  mqttUrl = `mqtt://127.0.0.1:${server.test.app.ctx.services.amr.mqtt.port}`;
});
afterAll(async () => {
  await server?.close();
});

async function adminClient(): Promise<HearthClient> {
  const client = new HearthClient({ baseUrl: server.url });
  await client.login(admin);
  return client;
}

describe(`the simulator against a real platform (${dialect})`, () => {
  it(
    'orders a fleet through the API, backfills it over HTTP and MQTT, and a second run adds nothing twice',
    async () => {
      const options = {
        baseUrl: server.url,
        ...admin,
        mqttUrl,
        homes: 3,
        days: 1,
        prefix: 'SIM',
        live: false,
      };
      const first = runDemo(options);
      const summary = await first.ready;
      await first.stop();
      expect(summary.homes.map((h) => [h.reference, h.created])).toEqual([
        ['SIM-001', true],
        ['SIM-002', true],
        ['SIM-003', true],
      ]);
      expect(summary.refused).toBe(0);
      expect(summary.duplicates).toBe(0);
      expect(summary.stored).toBe(summary.homes.reduce((n, h) => n + h.tally.sent, 0));

      const client = await adminClient();
      for (const { homeId, tally } of summary.homes) {
        const home = await client.homes.get(homeId);
        expect(home.provisioning.map((p) => p.service).sort()).toEqual([
          'amr',
          'fault_management',
          'insight',
          'performance',
        ]);
        // What the platform holds is what the simulator sent: count every stored raw reading.
        const from = `${home.installation.commissioningDate}T00:00:00Z`;
        const series = await client.telemetry.query(homeId, { from, resolution: 'raw' });
        expect(series.channels.reduce((n, c) => n + c.points.length, 0)).toBe(tally.stored);
      }
      // SIM-002 publishes over MQTT (every third home from the second), the others push over HTTP.
      const mqttHome = await client.homes.get(summary.homes[1]?.homeId as string);
      expect(new Set(mqttHome.meters.map((m) => m.reading.method))).toEqual(new Set(['mqtt']));

      const second = runDemo(options);
      const again = await second.ready;
      await second.stop();
      expect(again.homes.map((h) => h.created)).toEqual([false, false, false]);
      expect((await client.orders.list({ q: 'SIM-' }).toArray()).length).toBe(3);
      // Only the minutes since the first run are new; nothing already stored is stored again.
      expect(again.refused).toBe(0);
      expect(again.stored).toBeLessThan(summary.stored / 50);
      await client.logout();
    },
    timeout(120_000),
  );

  it(
    'a drifting meter clock leaves its signature: readings stamped too far ahead are refused',
    async () => {
      const client = await adminClient();
      const start = Math.floor(Date.now() / DAY) * DAY - DAY;
      const [base] = demoFleet({ start, homes: 1, prefix: 'DRIFT', faults: false });
      if (!base) throw new Error('no home');
      const spec = {
        ...base,
        faults: [
          {
            kind: 'clock_drift' as const,
            meter: 'electricity_meter' as const,
            start,
            durationMs: 3 * DAY,
            params: { secondsPerDay: 4 * 3600 },
          },
        ],
      };
      const home = await provisionHome(client, spec, {
        commissioningDate: new Date(start).toISOString().slice(0, 10),
        delivery: 'push',
      });
      const sink = httpSink(await gatewayClient(server.url, await gatewayCredentials(client, home.homeId)));
      const tally = await feed(simulateHome(spec, { start: home.start }), home.channels, sink, Date.now());
      await sink.close();
      // After a day or more at 4 h/day the electricity meter's stamps are hours ahead of real time.
      expect(tally.refusedBy.time_in_future).toBeGreaterThan(0);
      expect(Object.keys(tally.refusedBy)).toEqual(['time_in_future']);
      expect(tally.stored + tally.refused).toBe(tally.sent);
      await client.logout();
    },
    timeout(60_000),
  );

  it(
    'serves simulated meters the platform polls: the last hour arrives with the first poll',
    async () => {
      const client = await adminClient();
      const meters = await serveMeters();
      try {
        const start = Math.floor(Date.now() / DAY) * DAY;
        const [spec] = demoFleet({ start, homes: 1, prefix: 'POLL', faults: false, intervalSeconds: 60 });
        if (!spec) throw new Error('no home');
        // The meters answer before the platform hears of them, as installed meters do: the AMR
        // service may poll as soon as the order is submitted, before provisionHome returns.
        meters.add({ spec, sim: simulateHome(spec, { start }) });
        const home = await provisionHome(client, spec, {
          commissioningDate: new Date(start).toISOString().slice(0, 10),
          delivery: 'poll',
          pollBaseUrl: meters.url,
        });
        expect(home.start).toBe(start);
        const polled = (await client.homes.meters(home.homeId)).map((m) => m.reading);
        expect(polled.every((r) => r.method === 'poll' && r.url?.startsWith(meters.url))).toBe(true);

        // The AMR service takes the home up and polls each meter at once; wait for the readings.
        const heatEnergy = home.channels.get('heat_meter/heat_energy') as string;
        const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
        let count = 0;
        for (let i = 0; i < 100 && count === 0; i++) {
          await new Promise((r) => setTimeout(r, 200));
          const series = await client.telemetry.query(home.homeId, { channels: [heatEnergy], from: hourAgo });
          count = series.channels[0]?.points.length ?? 0;
        }
        // A minute's readings for the last hour (or since midnight, early in the day).
        const expected = Math.min(60, Math.floor((Date.now() - start) / 60_000));
        expect(count).toBeGreaterThanOrEqual(expected - 2);
        const status = (await client.homes.meters(home.homeId)).find(
          (m) => m.serial === 'POLL-001-HM',
        )?.status;
        expect(status?.state).toBe('online');
      } finally {
        await meters.close();
        await client.logout();
      }
    },
    timeout(60_000),
  );

  it(
    'streams the history live at an accelerated clock that never passes the present',
    async () => {
      const client = await adminClient();
      const run = runDemo({
        baseUrl: server.url,
        ...admin,
        homes: 1,
        days: 1,
        prefix: 'FAST',
        speed: 3600,
        tickMs: 100,
      });
      try {
        const summary = await run.ready;
        expect(summary.stored).toBe(0); // nothing is backfilled at once
        const homeId = summary.homes[0]?.homeId as string;
        const newest = async () => {
          const latest = await client.telemetry.latest(homeId);
          return Math.max(0, ...latest.channels.map((c) => (c.time ? Date.parse(c.time) : 0)));
        };
        let first = 0;
        for (let i = 0; i < 100 && first === 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          first = await newest();
        }
        expect(first).toBeGreaterThan(0);
        // An hour a second: a day of history takes about 24 s, so the stream is still in the past…
        expect(first).toBeLessThan(Date.now() - 6 * 3_600_000);
        // …and moving forward.
        let later = first;
        for (let i = 0; i < 100 && later === first; i++) {
          await new Promise((r) => setTimeout(r, 100));
          later = await newest();
        }
        expect(later).toBeGreaterThan(first);
      } finally {
        await run.stop();
        await client.logout();
      }
    },
    timeout(60_000),
  );
});
