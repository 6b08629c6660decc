import { afterEach, describe, expect, it } from 'vitest';
import { postWebhook } from '../../src/webhooks/sender.js';
import {
  alarmEvent,
  call,
  createTenant,
  createTestDatabase,
  dialect,
  enqueue,
  login,
  type Receiver,
  startReceiver,
  startTestApp,
  submitHome,
  type TestApp,
  verify,
  waitFor,
} from '../harness/index.js';

const FAST = {
  HEARTH_WEBHOOKS_ALLOW_PRIVATE: 'true',
  HEARTH_WEBHOOK_RETRY_SECONDS: '0.02',
  HEARTH_NOTIFICATIONS_POLL_SECONDS: '0.02',
};

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function receiverFor(): Promise<Receiver> {
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  return receiver;
}

describe(`webhooks: nothing lost across restarts, given up after the retry period (${dialect})`, () => {
  it('a delivery queued by a server that stopped before sending it is sent by the next one on the same database', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const receiver = await receiverFor();
    let first: TestApp | undefined = await startTestApp(FAST, database);
    const operator = (await login(first.app)).access_token;
    const tenant = await createTenant(first.app, operator, 'Restart');
    const { homeId } = await submitHome(first.app, tenant.admin.token, 'RS-1');
    const created = await call(first.app, 'POST', '/webhooks', tenant.admin.token, { url: receiver.url });
    expect(created.statusCode, created.body).toBe(201);
    const { id, secret } = created.json() as { id: string; secret: string };

    // The worker is stopped, as in a server going down: the events are committed, not yet sent.
    await first.app.ctx.services.notifications.stop();
    const events = [
      alarmEvent({ agentId: tenant.agentId, homeId }),
      alarmEvent({ agentId: tenant.agentId, homeId }, { type: 'alarm.cleared' }),
    ];
    await enqueue(first.app, events);
    await first.close();
    first = undefined;
    expect(receiver.requests).toEqual([]);

    const second = await startTestApp(FAST, database);
    cleanups.push(() => second.close());
    await receiver.waitFor('both events, in order', (r) => r.length === 2);
    expect(receiver.requests.map((r) => r.json.id)).toEqual(events.map((e) => e.id));
    for (const r of receiver.requests) {
      expect(verify(secret, r.body, r.headers['hearth-signature'] as string)).toBe(true);
    }
    const token = (await login(second.app, tenant.admin.username, tenant.admin.password)).access_token;
    await waitFor('both delivered', async () => {
      const log = await call(second.app, 'GET', `/webhooks/${id}/deliveries`, token);
      return (log.json() as { items: { status: string }[] }).items.every((d) => d.status === 'delivered');
    });
  });

  it('a delivery still failing at the end of the retry period is marked failed; the next of its home then goes', async () => {
    const receiver = await receiverFor();
    const t = await startTestApp({ ...FAST, HEARTH_WEBHOOK_GIVE_UP_HOURS: '0.0001' }); // 360 ms
    cleanups.push(() => t.close());
    const operator = (await login(t.app)).access_token;
    const tenant = await createTenant(t.app, operator, 'Give up');
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'GU-1');
    const created = await call(t.app, 'POST', '/webhooks', tenant.admin.token, { url: receiver.url });
    const { id } = created.json() as { id: string };
    const doomed = alarmEvent({ agentId: tenant.agentId, homeId });
    const next = alarmEvent({ agentId: tenant.agentId, homeId }, { type: 'alarm.cleared' });
    receiver.respond = ({ json }) => (json.id === doomed.id ? 500 : 200);
    await enqueue(t.app, [doomed, next]);
    await receiver.waitFor('the next event', (r) => r.some((x) => x.json.id === next.id));
    const log = await call(t.app, 'GET', `/webhooks/${id}/deliveries?status=failed`, tenant.admin.token);
    const [failed] = (log.json() as { items: Array<Record<string, unknown>> }).items;
    expect(failed).toMatchObject({
      eventId: doomed.id,
      status: 'failed',
      lastStatus: 500,
      nextAttemptAt: null,
    });
    expect(failed?.lastError).toMatch(/^HTTP 500/);
    expect(Number(failed?.attempts)).toBeGreaterThan(2);
    // Every attempt at the doomed one came before the next event was tried.
    const firstNext = receiver.requests.findIndex((r) => r.json.id === next.id);
    expect(receiver.requests.slice(firstNext).every((r) => r.json.id === next.id)).toBe(true);
  });
});

describe(`webhooks: several servers on one database (${dialect})`, () => {
  it('two workers never send one delivery twice, and keep each home in order', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const receiver = await receiverFor();
    // Some failures, so retries of one home interleave with the other worker's passes.
    receiver.respond = ({ index }) => (index % 7 === 3 ? 500 : 200);
    const first = await startTestApp(FAST, database);
    cleanups.push(() => first.close());
    const second = await startTestApp(FAST, database);
    cleanups.push(() => second.close());
    const operator = (await login(first.app)).access_token;
    const tenant = await createTenant(first.app, operator, 'Two workers');
    const homes = [
      (await submitHome(first.app, tenant.admin.token, 'TW-1')).homeId,
      (await submitHome(first.app, tenant.admin.token, 'TW-2')).homeId,
      (await submitHome(first.app, tenant.admin.token, 'TW-3')).homeId,
    ];
    const created = await call(first.app, 'POST', '/webhooks', tenant.admin.token, { url: receiver.url });
    expect(created.statusCode, created.body).toBe(201);
    const events = Array.from({ length: 30 }, (_, i) =>
      alarmEvent(
        { agentId: tenant.agentId, homeId: homes[i % 3] as string },
        { alarm: { occurrences: i + 1 } },
      ),
    );
    // Half queued through each server, both workers running.
    await enqueue(first.app, events.slice(0, 15));
    await enqueue(second.app, events.slice(15));
    await receiver.waitFor(
      'every event once with a 2xx',
      (r) => r.filter((x) => x.status === 200).length >= 30,
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ok = receiver.requests.filter((r) => r.status === 200).map((r) => r.json.id);
    expect(ok.length).toBe(30);
    expect(new Set(ok).size).toBe(30);
    for (const homeId of homes) {
      const queued = events.filter((e) => e.homeId === homeId).map((e) => e.id);
      expect(ok.filter((id) => queued.includes(id))).toEqual(queued);
    }
  });
});

describe('webhooks: the sender never reaches a private address unless allowed', () => {
  it('refuses a private address, and a name that resolves to one, at delivery time', async () => {
    const receiver = await receiverFor();
    const port = new URL(receiver.url).port;
    const send = (url: string, allowPrivateNetworks: boolean) =>
      postWebhook({ url, body: '{}', headers: {}, timeoutMs: 2000, allowPrivateNetworks });
    expect(await send(`http://127.0.0.1:${port}/`, false)).toMatchObject({ ok: false, status: null });
    const byName = await send(`http://localhost:${port}/`, false);
    expect(byName).toMatchObject({ ok: false, status: null });
    expect(byName.error).toMatch(/private/);
    expect(receiver.requests).toEqual([]);
    expect(await send(`http://localhost:${port}/`, true)).toMatchObject({ ok: true, status: 200 });
  });

  it('does not follow redirects and gives up on a receiver that does not answer in time', async () => {
    const receiver = await receiverFor();
    receiver.respond = () => 302;
    const redirected = await postWebhook({
      url: receiver.url,
      body: '{}',
      headers: {},
      timeoutMs: 2000,
      allowPrivateNetworks: true,
    });
    expect(redirected).toMatchObject({ ok: false, status: 302 });
    const { createServer } = await import('node:net');
    // Accepts connections and never answers.
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(resolve);
        }),
    );
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const timedOut = await postWebhook({
      url: `http://127.0.0.1:${port}/`,
      body: '{}',
      headers: {},
      timeoutMs: 200,
      allowPrivateNetworks: true,
    });
    expect(timedOut).toMatchObject({ ok: false, status: null });
    expect(timedOut.error).toMatch(/within 200 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
