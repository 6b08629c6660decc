import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOrder, dialect } from '../../server/test/harness/index.js';
import { timeout } from '../../server/test/harness/timeouts.js';
import {
  ConflictError,
  type CreateOrderInput,
  type HearthClient,
  NotFoundError,
  NotLoggedInError,
  PermissionError,
  PreconditionFailedError,
} from '../src/index.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from './support.js';

const order = (reference: string) => completeOrder(reference) as CreateOrderInput;

/** Integration clients through the SDK against the real platform: an admin manages them, a script logs in as one. */
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

describe(`client.integrationClients (${dialect})`, () => {
  it('creates (secret once), lists, reads, rotates guarded by the ETag, deletes', async () => {
    const name = `Grafana ${unique()}`;
    const created = await admin.integrationClients.create({ name, access: 'read' });
    const { clientSecret, ...view } = created.client;
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(view).toMatchObject({ agentId, name, access: 'read', tokenUrl: '/oauth/token', lastUsedAt: null });
    await expect(admin.integrationClients.create({ name, access: 'read' })).rejects.toBeInstanceOf(
      ConflictError,
    );

    const listed = await admin.integrationClients.list({ access: 'read' }).toArray();
    expect(listed.map((c) => c.id)).toContain(view.id);
    expect(JSON.stringify(listed)).not.toContain(clientSecret);

    const read = await admin.integrationClients.get(view.id);
    expect(read.client).toEqual(view);
    await expect(admin.integrationClients.rotateSecret(view.id, { ifMatch: '"r9"' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    const rotated = await admin.integrationClients.rotateSecret(view.id, { ifMatch: read.etag as string });
    expect(rotated.client.clientSecret).not.toBe(clientSecret);

    await admin.integrationClients.delete(view.id);
    await expect(admin.integrationClients.get(view.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a script logs in with the client credentials and reads; writes need read_write; a rotation logs it out', async () => {
    const { client } = await admin.integrationClients.create({ name: `script ${unique()}`, access: 'read' });
    const script = clientFor(server);
    await script.loginWithClientCredentials({ clientId: client.clientId, clientSecret: client.clientSecret });
    const orderId = (await admin.orders.create(order(`SDK-IC-${unique()}`))).id;
    const orders = await script.orders.list().toArray();
    expect(orders.map((o) => o.id)).toContain(orderId);
    await expect(script.orders.create(order(`SDK-IC-${unique()}`))).rejects.toBeInstanceOf(PermissionError);
    await expect(script.me()).rejects.toBeInstanceOf(PermissionError);

    const writer = await admin.integrationClients.create({ name: `crm ${unique()}`, access: 'read_write' });
    const crm = clientFor(server);
    await crm.loginWithClientCredentials({
      clientId: writer.client.clientId,
      clientSecret: writer.client.clientSecret,
    });
    const placed = await crm.orders.create(order(`SDK-IC-${unique()}`));
    expect(placed.status).toBe('draft');

    // The secret replaced: the script's token is refused, and so is its secret when the SDK asks again.
    await admin.integrationClients.rotateSecret(client.id);
    await expect(script.orders.list().toArray()).rejects.toBeInstanceOf(NotLoggedInError);
  });
});
