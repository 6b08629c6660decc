import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../../server/test/harness/index.js';
import { timeout } from '../../server/test/harness/timeouts.js';
import {
  type HearthClient,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
} from '../src/index.js';
import { clientFor, createAgentWithAdmin, type LiveServer, operatorClient, startServer } from './support.js';

/**
 * Webhooks and email subscriptions through the SDK against the real platform. The server keeps its
 * default URL policy (private networks refused): the public https URL is accepted, and whether a
 * delivery to it ever succeeds does not matter here.
 */
const URL_OK = 'https://hooks.example.com/hearth';
const MISSING = '00000000-0000-4000-8000-000000000000';

let server: LiveServer;
let admin: HearthClient;
let agentId: string;
beforeAll(async () => {
  server = await startServer();
  const created = await createAgentWithAdmin(server, await operatorClient(server));
  agentId = created.agentId;
  admin = clientFor(server);
  await admin.login(created.admin);
}, timeout(60_000));
afterAll(async () => server?.close());

describe(`client.webhooks (${dialect})`, () => {
  it('creates (secret once), lists, reads with an ETag, updates guarded, refuses a stale ETag, deletes', async () => {
    const created = await admin.webhooks.create({
      url: URL_OK,
      description: 'Ops pager',
      severities: ['critical', 'major'],
    });
    const { secret, ...view } = created.webhook;
    expect(secret).toMatch(/^whsec_/);
    expect(view).toMatchObject({
      agentId,
      url: URL_OK,
      description: 'Ops pager',
      severities: ['critical', 'major'],
      groupIds: [],
      status: 'active',
      consecutiveFailures: 0,
    });
    expect(created.etag).toEqual(expect.any(String));

    const read = await admin.webhooks.get(view.id);
    expect(read.webhook).toEqual(view);
    expect(read.webhook).not.toHaveProperty('secret');
    expect(read.etag).toBe(created.etag);

    const second = await admin.webhooks.create({ url: `${URL_OK}/2`, events: ['alarm.raised'] });
    const all = await admin.webhooks.list().toArray();
    expect(new Set(all.map((w) => w.id))).toEqual(new Set([view.id, second.webhook.id]));
    expect(all.every((w) => !('secret' in w))).toBe(true);
    const first = await admin.webhooks.listPage({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await admin.webhooks.listPage({ limit: 1, cursor: first.nextCursor ?? '' });
    expect([...first.items, ...rest.items].map((w) => w.id).sort()).toEqual(all.map((w) => w.id).sort());

    const disabled = await admin.webhooks.update(view.id, { status: 'disabled' }, { ifMatch: read.etag });
    expect(disabled.webhook).toMatchObject({ status: 'disabled', disabledAt: expect.any(String) });
    expect(disabled.etag).not.toBe(read.etag);
    expect((await admin.webhooks.list({ status: 'disabled' }).toArray()).map((w) => w.id)).toEqual([view.id]);

    const stale = admin.webhooks.update(view.id, { description: 'overwrite' }, { ifMatch: read.etag });
    await expect(stale).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(stale).rejects.toMatchObject({ status: 412, code: 'precondition_failed' });
    expect((await admin.webhooks.get(view.id)).webhook.description).toBe('Ops pager');

    const enabled = await admin.webhooks.update(
      view.id,
      { status: 'active', description: null },
      { ifMatch: disabled.etag },
    );
    expect(enabled.webhook).toMatchObject({ status: 'active', description: null, disabledAt: null });

    await expect(admin.webhooks.create({ url: 'http://127.0.0.1:9/x' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );

    await admin.webhooks.delete(second.webhook.id);
    await expect(admin.webhooks.get(second.webhook.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(admin.webhooks.delete(MISSING)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('rotates the secret (shown once), queues a ping and lists it in the delivery log', async () => {
    const { webhook } = await admin.webhooks.create({ url: `${URL_OK}/ping` });
    const rotated = await admin.webhooks.rotateSecret(webhook.id);
    expect(rotated.webhook.id).toBe(webhook.id);
    expect(rotated.webhook.secret).toMatch(/^whsec_/);
    expect(rotated.webhook.secret).not.toBe(webhook.secret);
    expect((await admin.webhooks.get(webhook.id)).webhook).not.toHaveProperty('secret');

    const ping = await admin.webhooks.ping(webhook.id);
    expect(ping).toMatchObject({ webhookId: webhook.id, eventType: 'ping', homeId: null });
    const second = await admin.webhooks.ping(webhook.id);

    const log = await admin.webhooks.deliveries(webhook.id).toArray();
    expect(log.map((d) => d.id)).toEqual([second.id, ping.id]);
    expect(log.every((d) => d.eventType === 'ping')).toBe(true);
    const page = await admin.webhooks.deliveriesPage(webhook.id, { limit: 1 });
    expect(page.items.map((d) => d.id)).toEqual([second.id]);
    expect(page.nextCursor).toEqual(expect.any(String));
    const paged = await admin.webhooks.deliveries(webhook.id, { limit: 1 }).toArray();
    expect(paged.map((d) => d.id)).toEqual([second.id, ping.id]);
    const byStatus = await Promise.all(
      (['pending', 'delivered', 'failed'] as const).map((status) =>
        admin.webhooks.deliveries(webhook.id, { status }).toArray(),
      ),
    );
    // A delivery may move on while this runs (the worker tries it): each filter answers only its status.
    byStatus.forEach((rows, i) => {
      expect(rows.every((d) => d.status === ['pending', 'delivered', 'failed'][i])).toBe(true);
    });
    expect(byStatus.flat().every((d) => d.id === ping.id || d.id === second.id)).toBe(true);

    await expect(admin.webhooks.ping(MISSING)).rejects.toBeInstanceOf(NotFoundError);
    await expect(admin.webhooks.deliveries(MISSING).toArray()).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lets the operator create one for an agent and list it by agent', async () => {
    const operator = await operatorClient(server);
    const { webhook } = await operator.webhooks.create({ url: `${URL_OK}/operator`, agentId });
    expect(webhook.agentId).toBe(agentId);
    expect((await operator.webhooks.list({ agentId }).toArray()).map((w) => w.id)).toContain(webhook.id);
    await operator.webhooks.delete(webhook.id);
  });
});

describe(`client.notificationSubscriptions (${dialect})`, () => {
  it('creates, lists, reads with an ETag, updates guarded, refuses a stale ETag, deletes', async () => {
    const created = await admin.notificationSubscriptions.create({
      email: 'ops@example.com',
      mode: 'immediate',
      events: ['alarm.raised', 'alarm.cleared'],
    });
    expect(created.subscription).toMatchObject({
      agentId,
      email: 'ops@example.com',
      mode: 'immediate',
      events: ['alarm.raised', 'alarm.cleared'],
      groupIds: [],
    });
    expect(created.etag).toEqual(expect.any(String));
    const id = created.subscription.id;
    const digest = await admin.notificationSubscriptions.create({
      email: 'boss@example.com',
      mode: 'digest',
    });

    const read = await admin.notificationSubscriptions.get(id);
    expect(read.subscription).toEqual(created.subscription);
    expect(read.etag).toBe(created.etag);

    const all = await admin.notificationSubscriptions.list().toArray();
    expect(new Set(all.map((s) => s.id))).toEqual(new Set([id, digest.subscription.id]));
    expect(
      (await admin.notificationSubscriptions.list({ mode: 'digest' }).toArray()).map((s) => s.id),
    ).toEqual([digest.subscription.id]);
    const first = await admin.notificationSubscriptions.listPage({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));

    const changed = await admin.notificationSubscriptions.update(
      id,
      { mode: 'digest', severities: ['critical'] },
      { ifMatch: read.etag },
    );
    expect(changed.subscription).toMatchObject({ mode: 'digest', severities: ['critical'] });
    expect(changed.etag).not.toBe(read.etag);
    await expect(
      admin.notificationSubscriptions.update(id, { email: 'x@example.com' }, { ifMatch: read.etag }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await admin.notificationSubscriptions.get(id)).subscription.email).toBe('ops@example.com');

    await expect(
      admin.notificationSubscriptions.create({ email: 'not-an-address', mode: 'immediate' }),
    ).rejects.toBeInstanceOf(InvalidRequestError);

    await admin.notificationSubscriptions.delete(id);
    await expect(admin.notificationSubscriptions.get(id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await admin.notificationSubscriptions.list().toArray()).map((s) => s.id)).toEqual([
      digest.subscription.id,
    ]);
  });
});
