import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
} from '../../client/test/support.js';
import { dialect } from '../../server/test/harness/index.js';
import { timeout } from '../../server/test/harness/timeouts.js';
import { hearth, tempConfigDir } from './support.js';

/** `hearth integration-clients …` against the real platform, logged in as an agent's admin. */
let server: LiveServer;
let config: { dir: string; remove(): void };
let run: (args: string[], input?: string) => ReturnType<typeof hearth>;
beforeAll(async () => {
  server = await startServer();
  const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
  config = tempConfigDir();
  const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
  run = (args, input) => hearth(args, env, input);
  expect((await run(['login', '--username', admin.username], `${admin.password}\n`)).code).toBe(0);
}, timeout(60_000));
afterAll(async () => {
  config?.remove();
  await server?.close();
});

const tokenWith = (id: string, secret: string) =>
  fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });

describe(`hearth integration-clients (${dialect})`, () => {
  it('create prints the secret once (with a warning), list shows none, rotate and delete by name', async () => {
    const created = await run(['integration-clients', 'create', 'Grafana', '--access', 'read', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout) as { clientId: string; clientSecret: string; access: string };
    expect(client).toMatchObject({ name: 'Grafana', access: 'read' });
    expect(created.stderr).toMatch(/shown this once/);
    expect((await tokenWith(client.clientId, client.clientSecret)).status).toBe(200);

    const table = await run(['integration-clients', 'create', 'Partner CRM', '--access', 'read_write']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/client secret:\s+[A-Za-z0-9_-]{43}/);

    const list = await run(['integration-clients', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/Grafana\s+read\b/);
    expect(list.stdout).toMatch(/Partner CRM\s+read_write/);
    expect(list.stdout).not.toContain(client.clientSecret);

    const rotated = await run(['integration-clients', 'rotate', 'Grafana', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = (JSON.parse(rotated.stdout) as { clientSecret: string }).clientSecret;
    expect((await tokenWith(client.clientId, client.clientSecret)).status).toBe(401);
    expect((await tokenWith(client.clientId, secret)).status).toBe(200);

    const deleted = await run(['integration-clients', 'delete', client.clientId]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/Deleted integration client/);
    expect((await tokenWith(client.clientId, secret)).status).toBe(401);
  });

  it('refuses an unknown name, a bad access and a duplicate, with a one-line reason and a non-zero exit', async () => {
    const unknown = await run(['integration-clients', 'rotate', 'Nobody']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no integration client is named "Nobody"/);
    const bad = await run(['integration-clients', 'create', 'x', '--access', 'admin']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/read, read_write/);
    expect((await run(['integration-clients', 'create', 'Twice'])).code).toBe(0);
    const twice = await run(['integration-clients', 'create', 'Twice']);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(/already has an integration client named "Twice"/);
  });
});
