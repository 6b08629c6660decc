import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CreateOrderInput } from '@hearth/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from '../../client/test/support.js';
import { completeOrder, dialect } from '../../server/test/harness/index.js';
import { localTime } from '../src/commands/analysis.js';
import { hearth, tempConfigDir } from './support.js';

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe(`hearth performance, insight, tariffs (${dialect})`, () => {
  it('creates a tariff from a file, lists it, shows a home’s tariffs, insight and performance', async () => {
    const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
    const sdk = clientFor(server);
    await sdk.login(admin);
    const order = await sdk.orders.create(completeOrder(`CLI-${unique()}`) as CreateOrderInput);
    const { homeId } = await sdk.orders.submit(order.id);

    const config = tempConfigDir();
    try {
      const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
      const run = (args: string[], input?: string) => hearth(args, env, input);
      expect((await run(['login', '--username', admin.username], `${admin.password}\n`)).code).toBe(0);

      const file = path.join(config.dir, 'tariff.yaml');
      const name = `Gas ${unique()}`;
      writeFileSync(file, `name: ${name}\nfuel: gas\nstandingCharge: 29.6\nunitRate: 6.1\nisDefault: true\n`);
      const created = await run(['tariffs', 'create', '--file', file]);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      expect(created.stdout).toContain(name);

      const listed = await run(['tariffs', 'list', '--json']);
      expect(listed.code).toBe(0);
      const tariffs = JSON.parse(listed.stdout) as { id: string; name: string; fuel: string }[];
      const tariff = tariffs.find((t) => t.name === name);
      expect(tariff).toMatchObject({ fuel: 'gas' });

      const homeTariffs = await run(['homes', 'tariffs', homeId, '--json']);
      expect(homeTariffs.code).toBe(0);
      expect(JSON.parse(homeTariffs.stdout).items).toContainEqual(
        expect.objectContaining({ fuel: 'gas', source: 'agent_default' }),
      );

      const insight = await run(['insight', homeId, '--json', '--period', 'day']);
      expect(insight.stderr).toBe('');
      expect(insight.code).toBe(0);
      expect(JSON.parse(insight.stdout)).toMatchObject({ homeId, period: 'day' });
      const insightTable = await run(['insight', homeId]);
      expect(insightTable.code).toBe(0);
      expect(insightTable.stdout).toMatch(/^START\s+ELECTRICITY KWH/m);
      expect(insightTable.stdout).toMatch(/^signature:/m);
      // From when the home is counted, and no degree days (rather than 0) without a measured day.
      const { monitoredFrom } = JSON.parse(insight.stdout) as { monitoredFrom: string };
      expect(insightTable.stdout).toMatch(
        new RegExp(`^monitored from:\\s+${localTime(monitoredFrom, 'Europe/London')}$`, 'm'),
      );
      expect(insightTable.stdout).toMatch(/^HDD:\s+-$/m);
      // Periods start at local midnight, shown as local dates with the zone in the window line.
      expect(insightTable.stdout).toMatch(
        /^window:\s+\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d( \d\d:\d\d)? \(Europe\/London\)$/m,
      );
      expect(insightTable.stdout.split('\n')[1]).toMatch(/^\d{4}-\d\d-\d\d {2}/);

      const performance = await run(['performance', homeId, '--period', 'week', '--min-coverage', '50']);
      expect(performance.stderr).toBe('');
      expect(performance.code).toBe(0);
      expect(performance.stdout).toMatch(/^START\s+HEAT KWH\s+ELECTRICITY KWH\s+COP/m);
      expect(performance.stdout).toMatch(/^SPF:/m);
      const csv = await run(['performance', homeId, '--csv']);
      expect(csv.code).toBe(0);
      expect(csv.stdout.split(/\r?\n/)[0]).toMatch(/start/);

      const deleted = await run(['tariffs', 'delete', tariff?.id ?? '', '--json']);
      expect(deleted.code).toBe(0);
      const gone = await run(['tariffs', 'get', tariff?.id ?? '']);
      expect(gone.code).toBe(4);
    } finally {
      config.remove();
    }
  });

  it('hearth performance with a home id that is not a UUID is a usage error (exit 2); an unknown one is not found (exit 4)', async () => {
    const config = tempConfigDir();
    try {
      const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
      const bad = await hearth(['performance', 'not-a-uuid'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^hearth: not-a-uuid is not a home id \(a UUID/);
      expect(bad.stdout).toBe('');

      const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
      expect((await hearth(['login', '--username', admin.username], env, `${admin.password}\n`)).code).toBe(
        0,
      );
      const missing = await hearth(['performance', '00000000-0000-4000-8000-000000000000'], env);
      expect(missing.code).toBe(4);
      expect(missing.stderr).toMatch(/^hearth: .*not_found/);
    } finally {
      config.remove();
    }
  });
});

describe('localTime: the CLI shows period starts in the agent’s zone', () => {
  it('gives local dates at local midnight, across both clock changes, and the time otherwise', () => {
    expect(localTime('2026-03-31T23:00:00.000Z', 'Europe/London')).toBe('2026-04-01'); // BST
    expect(localTime('2026-10-31T23:00:00.000Z', 'Europe/London')).toBe('2026-10-31 23:00'); // GMT again
    expect(localTime('2026-11-01T00:00:00.000Z', 'Europe/London')).toBe('2026-11-01');
    expect(localTime('2026-11-28T20:41:00.000Z', 'Europe/London')).toBe('2026-11-28 20:41');
    expect(localTime('2026-11-28T20:41:00.000Z', 'Asia/Kolkata')).toBe('2026-11-29 02:11');
  });
});
