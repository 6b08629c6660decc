import { HearthClient } from '@hearth/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startServer } from '../../client/test/support.js';
import { dialect, login, OPERATOR } from '../../server/test/helpers/harness.js';
import { createTenant } from '../../server/test/helpers/tenants.js';
import {
  demoFleet,
  feed,
  gatewayClient,
  gatewayCredentials,
  httpSink,
  provisionHome,
  runDemo,
  simulateHome,
} from '../src/index.js';

const DAY = 86_400_000;

let server: LiveServer;
let admin: { username: string; password: string };
let mqttUrl: string;

beforeAll(async () => {
  server = await startServer({ HEARTH_MQTT: 'embedded', HEARTH_MQTT_PORT: '0' });
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
  it('orders a fleet through the API, backfills it over HTTP and MQTT, and a second run adds nothing twice', async () => {
    const options = { baseUrl: server.url, ...admin, mqttUrl, homes: 3, days: 1, prefix: 'SIM', live: false };
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
  }, 120_000);

  it('a drifting meter clock leaves its signature: readings stamped too far ahead are refused', async () => {
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
  }, 60_000);
});
