import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
} from '../../client/test/support.js';
import { dialect } from '../../server/test/harness/index.js';
import { timeout } from '../../server/test/harness/timeouts.js';
import { hearth, tempConfigDir } from './support.js';

/**
 * `hearth webhooks …` and `hearth subscriptions …` against the real platform. The server keeps its
 * default URL policy: the public https URL is accepted; whether a delivery to it succeeds does not
 * matter here.
 */
const URL_OK = 'https://hooks.example.com/hearth';
const MISSING = '00000000-0000-4000-8000-000000000000';

let server: LiveServer;
let config: { dir: string; remove(): void };
let run: (args: string[], input?: string) => ReturnType<typeof hearth>;
let groupId: string;
beforeAll(async () => {
  server = await startServer();
  const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
  const sdk = clientFor(server);
  await sdk.login(admin);
  groupId = (await sdk.homeGroups.create({ name: 'Hooked group' })).id;
  config = tempConfigDir();
  const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
  run = (args, input) => hearth(args, env, input);
  expect((await run(['login', '--username', admin.username], `${admin.password}\n`)).code).toBe(0);
}, timeout(60_000));
afterAll(async () => {
  config?.remove();
  await server?.close();
});

interface JsonWebhook {
  id: string;
  url: string;
  status: string;
  description: string | null;
  events: string[];
  severities: string[];
  groupIds: string[];
  secret?: string;
  etag?: string | null;
}

const json = async <T>(...args: string[]): Promise<T> => {
  const result = await run([...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
};

describe(`hearth webhooks and subscriptions (${dialect})`, () => {
  it('create prints the secret once, show never does; list as a table and JSON', async () => {
    const created = await run([
      'webhooks',
      'create',
      '--url',
      URL_OK,
      '--description',
      'Ops pager',
      '--severity',
      'critical,major',
      '--event',
      'raised,alarm.cleared',
      '--group',
      groupId,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const secret = /^secret:\s+(whsec_\S+)$/m.exec(created.stdout)?.[1] ?? '';
    expect(secret).not.toBe('');
    expect(created.stderr).toMatch(/shown only once/);
    const id = /^id:\s+(\S+)$/m.exec(created.stdout)?.[1] ?? '';

    const shown = await run(['webhooks', 'show', id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^status:\s+active$/m);
    expect(shown.stdout).toMatch(/^etag:\s+\S+$/m);
    expect(shown.stdout).not.toContain(secret);
    expect(shown.stdout).not.toMatch(/^secret:/m);
    const shownJson = await json<JsonWebhook>('webhooks', 'show', id);
    expect(shownJson).toMatchObject({
      id,
      url: URL_OK,
      description: 'Ops pager',
      events: ['alarm.raised', 'alarm.cleared'],
      severities: ['critical', 'major'],
      groupIds: [groupId],
      etag: expect.any(String),
    });
    expect(shownJson).not.toHaveProperty('secret');

    const viaJson = await run(['webhooks', 'create', '--url', `${URL_OK}/2`, '--json']);
    expect(viaJson.code).toBe(0);
    const second = JSON.parse(viaJson.stdout) as JsonWebhook;
    expect(second.secret).toMatch(/^whsec_/);
    expect(viaJson.stderr).toMatch(/shown only once/);

    const table = await run(['webhooks', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^ID\s+STATUS\s+URL\s+EVENTS\s+SEVERITIES\s+GROUPS\s+FAILURES\s+DESCRIPTION$/m,
    );
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+active\\s+${URL_OK}\\s+`, 'm'));
    expect(table.stdout).toMatch(/\ball\s+all\s+all homes\s+0\s+-$/m);
    const listed = await json<JsonWebhook[]>('webhooks', 'list');
    expect(new Set(listed.map((w) => w.id))).toEqual(new Set([id, second.id]));
    expect(listed.every((w) => !('secret' in w))).toBe(true);
    expect((await json<JsonWebhook[]>('webhooks', 'list', '--limit', '1')).length).toBe(1);

    const deleted = await run(['webhooks', 'delete', second.id]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`Deleted webhook ${second.id}.\n`);
    expect((await run(['webhooks', 'show', second.id])).code).toBe(4);
  });

  it('update: disable, a stale --if-match (exit 1), re-enable, remove the description; rotate-secret', async () => {
    const { id, etag } = await json<JsonWebhook>('webhooks', 'create', '--url', `${URL_OK}/u`);
    const read = await json<JsonWebhook>('webhooks', 'show', id);
    expect(read.etag).toBe(etag);

    const disabled = await run([
      'webhooks',
      'update',
      id,
      '--status',
      'disabled',
      '--if-match',
      String(etag),
    ]);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toBe(`Updated webhook ${id} (disabled, ${URL_OK}/u).\n`);
    expect((await json<JsonWebhook[]>('webhooks', 'list', '--status', 'disabled')).map((w) => w.id)).toEqual([
      id,
    ]);

    const stale = await run(['webhooks', 'update', id, '--description', 'x', '--if-match', String(etag)]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^hearth: webhook .* changed since you read it .*hearth webhooks show/);

    const enabled = await json<JsonWebhook>(
      'webhooks',
      'update',
      id,
      '--status',
      'active',
      '--description',
      'pager',
      '--severity',
      'critical',
    );
    expect(enabled).toMatchObject({ status: 'active', description: 'pager', severities: ['critical'] });
    const removed = await json<JsonWebhook>('webhooks', 'update', id, '--no-description', '--every-home');
    expect(removed).toMatchObject({ description: null, groupIds: [] });

    const rotated = await run(['webhooks', 'rotate-secret', id]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^secret:\s+whsec_\S+$/m);
    expect(rotated.stderr).toMatch(/shown only once/);
    const rotatedJson = await json<JsonWebhook>('webhooks', 'rotate-secret', id);
    expect(rotatedJson.secret).toMatch(/^whsec_/);
    expect(rotatedJson.secret).not.toBe(/^secret:\s+(\S+)$/m.exec(rotated.stdout)?.[1]);
  });

  it('ping queues a delivery; deliveries lists the log as a table and JSON', async () => {
    const { id } = await json<JsonWebhook>('webhooks', 'create', '--url', `${URL_OK}/p`);
    const ping = await run(['webhooks', 'ping', id]);
    expect(ping.code, ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(new RegExp(`^Queued ping \\S+ to webhook ${id}: follow it with`));
    const pingJson = await json<{ id: string; webhookId: string; eventType: string }>('webhooks', 'ping', id);
    expect(pingJson).toMatchObject({ webhookId: id, eventType: 'ping' });

    const table = await run(['webhooks', 'deliveries', id]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^ID\s+EVENT\s+STATUS\s+ATTEMPTS\s+CREATED\s+NEXT\/DELIVERED\s+LAST ANSWER\s+LAST ERROR$/m,
    );
    expect(table.stdout).toMatch(
      new RegExp(`^${pingJson.id}\\s+ping\\s+(pending|delivered|failed)\\s+`, 'm'),
    );
    const log = await json<{ id: string; eventType: string; payload: unknown }[]>(
      'webhooks',
      'deliveries',
      id,
    );
    expect(log).toHaveLength(2);
    expect(log[0]?.id).toBe(pingJson.id);
    expect(log.every((d) => d.eventType === 'ping' && d.payload !== undefined)).toBe(true);

    const page = await run(['webhooks', 'deliveries', id, '--limit', '1']);
    expect(page.code).toBe(0);
    expect(page.stderr).toMatch(/--all/);
    expect((await json<unknown[]>('webhooks', 'deliveries', id, '--limit', '1', '--all')).length).toBe(2);
    expect((await run(['webhooks', 'deliveries', id, '--status', 'lost'])).code).toBe(2);
    expect((await run(['webhooks', 'ping', MISSING])).code).toBe(4);
  });

  it('subscriptions: create, list as a table and JSON, delete', async () => {
    const created = await run([
      'subscriptions',
      'create',
      '--email',
      'ops@example.com',
      '--mode',
      'immediate',
      '--event',
      'raised',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const id = /^Subscribed ops@example\.com \(immediate\) as (\S+)\.$/m.exec(created.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    const digest = await json<{ id: string; mode: string; severities: string[]; groupIds: string[] }>(
      'subscriptions',
      'create',
      '--email',
      'boss@example.com',
      '--mode',
      'digest',
      '--severity',
      'critical',
      '--group',
      groupId,
    );
    expect(digest).toMatchObject({ mode: 'digest', severities: ['critical'], groupIds: [groupId] });

    const table = await run(['subscriptions', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+EMAIL\s+MODE\s+EVENTS\s+SEVERITIES\s+GROUPS\s+LAST DIGEST$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${id}\\s+ops@example.com\\s+immediate\\s+alarm.raised\\s+all\\s+all homes\\s+-$`, 'm'),
    );
    const listed = await json<{ id: string }[]>('subscriptions', 'list');
    expect(new Set(listed.map((s) => s.id))).toEqual(new Set([id, digest.id]));
    expect(
      (await json<{ id: string }[]>('subscriptions', 'list', '--mode', 'digest')).map((s) => s.id),
    ).toEqual([digest.id]);

    expect(await json('subscriptions', 'delete', id)).toEqual({ id, deleted: true });
    expect((await json<{ id: string }[]>('subscriptions', 'list')).map((s) => s.id)).toEqual([digest.id]);
    expect((await run(['subscriptions', 'delete', id])).code).toBe(4);
  });

  it('usage errors exit 2; the server refusing a URL exits 1', async () => {
    for (const args of [
      ['webhooks', 'create'],
      ['webhooks', 'create', '--url', URL_OK, '--severity', 'catastrophic'],
      ['webhooks', 'create', '--url', URL_OK, '--event', 'exploded'],
      ['webhooks', 'create', '--url', URL_OK, '--group', 'not-a-group'],
      ['webhooks', 'show', 'not-a-webhook'],
      ['webhooks', 'update', MISSING],
      ['webhooks', 'update', MISSING, '--status', 'paused'],
      ['subscriptions', 'create', '--email', 'ops@example.com'],
      ['subscriptions', 'create', '--email', 'ops@example.com', '--mode', 'weekly'],
      ['subscriptions', 'delete', 'nope'],
    ]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    const refused = await run(['webhooks', 'create', '--url', 'http://127.0.0.1:9/x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^hearth: /);
    expect((await run(['webhooks', 'update', MISSING, '--status', 'active'])).code).toBe(4);
  });

  it('--help for each command', async () => {
    for (const args of [
      ['webhooks'],
      ['webhooks', 'list'],
      ['webhooks', 'show'],
      ['webhooks', 'create'],
      ['webhooks', 'update'],
      ['webhooks', 'delete'],
      ['webhooks', 'rotate-secret'],
      ['webhooks', 'ping'],
      ['webhooks', 'deliveries'],
      ['subscriptions'],
      ['subscriptions', 'list'],
      ['subscriptions', 'create'],
      ['subscriptions', 'delete'],
    ]) {
      const result = await hearth([...args, '--help'], {});
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: hearth/);
    }
  });
});
