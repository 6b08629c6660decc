import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from '../../client/test/support.js';
import { completeOrder, dialect } from '../../server/test/harness/index.js';
import { hearth, ROOT, tempConfigDir } from './support.js';

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe(`hearth orders, homes, provisioning, home-groups (${dialect})`, () => {
  it('creates an order from a YAML file, submits it, and works with the home it created', async () => {
    const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
    const config = tempConfigDir();
    try {
      const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
      const run = (args: string[], input?: string) => hearth(args, env, input);
      const json = async (args: string[]) => {
        const result = await run([...args, '--json']);
        expect(result.stderr, args.join(' ')).toBe('');
        expect(result.code).toBe(0);
        return JSON.parse(result.stdout);
      };
      expect((await hearth(['login', '--username', admin.username], env, `${admin.password}\n`)).code).toBe(
        0,
      );

      const reference = `YAML-${unique()}`;
      const yamlFile = path.join(config.dir, 'order.yaml');
      writeFileSync(yamlFile, stringify(completeOrder(reference)));
      const draft = await json(['orders', 'create', '--file', yamlFile]);
      expect(draft).toMatchObject({ reference, status: 'draft' });

      const table = await run(['orders', 'list', '--status', 'draft']);
      expect(table.stdout).toMatch(/^ID\s+REFERENCE\s+STATUS\s+POSTCODE\s+HOME\s+CREATED\n/);
      expect(table.stdout).toContain(reference);

      const submitted = await json(['orders', 'submit', draft.id]);
      const homeId = submitted.homeId as string;
      expect(homeId).toBeTruthy();
      expect((await json(['homes', 'list'])).map((h: { id: string }) => h.id)).toEqual([homeId]);
      expect((await json(['homes', 'get', homeId])).reference).toBe(reference);
      const meters = await run(['homes', 'meters', homeId]);
      expect(meters.stdout).toContain('heat_meter');

      const group = await json(['home-groups', 'create', '--name', 'Snowdonia']);
      await json(['homes', 'groups', homeId, group.id]);
      expect(await json(['home-groups', 'list'])).toEqual([
        expect.objectContaining({ id: group.id, homeCount: 1 }),
      ]);
      // The record names the home's groups and the region its weather and carbon come from.
      const shown = (await run(['homes', 'get', homeId])).stdout;
      expect(shown).toMatch(/^groups:\s+Snowdonia$/m);
      expect(shown).toMatch(/^region:\s+GB \(the platform default\)$/m);

      const services = await json(['provisioning', 'list', homeId]);
      const amr = services.find((s: { service: string }) => s.service === 'amr');
      expect((await json(['provisioning', 'update', homeId, amr.id, '--status', 'suspended'])).status).toBe(
        'suspended',
      );
      expect((await json(['provisioning', 'get', homeId, amr.id])).status).toBe('suspended');

      // A JSON file, submitted at once.
      const jsonFile = path.join(config.dir, 'order.json');
      writeFileSync(jsonFile, JSON.stringify(completeOrder(`JSON-${unique()}`)));
      expect((await json(['orders', 'create', '--file', jsonFile, '--submit'])).homeId).toBeTruthy();

      // The README's example file, as written.
      const example = path.join(ROOT, 'packages/cli/examples/order.yaml');
      expect((await json(['orders', 'create', '--file', example, '--submit'])).order.reference).toBe(
        'WH-2025-0001',
      );

      // Stdin as the file.
      const piped = await run(
        ['orders', 'create', '--file', '-', '--json'],
        stringify(completeOrder(`PIPE-${unique()}`)),
      );
      expect(piped.code).toBe(0);

      const broken = path.join(config.dir, 'broken.yaml');
      writeFileSync(broken, 'reference: [unclosed\n');
      const bad = await run(['orders', 'create', '--file', broken]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^hearth: .*broken\.yaml is not a valid YAML order: /);

      const empty = await run(['orders', 'create', '--file', '-'], '');
      expect(empty.code).toBe(2);
      expect(empty.stderr).toBe('hearth: - is not a valid YAML order: it must hold one object (an order)\n');
      const incomplete = path.join(config.dir, 'incomplete.yaml');
      writeFileSync(incomplete, `reference: BARE-${unique()}\n`);
      const bareDraft = await json(['orders', 'create', '--file', incomplete]);
      const refused = await run(['orders', 'submit', bareDraft.id]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^hearth: [^\n]+ \(unprocessable, request id [0-9a-f-]{36}\)\n$/);
      expect(await json(['orders', 'cancel', bareDraft.id])).toEqual({ id: bareDraft.id, cancelled: true });
    } finally {
      config.remove();
    }
  });
});
