import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  alarmEvent,
  call,
  createGroup,
  createTenant,
  dialect,
  enqueue,
  login,
  type Receiver,
  setHomeGroups,
  startReceiver,
  startTestApp,
  submitHome,
  type Tenant,
  type TestApp,
  verify,
  waitFor,
} from '../harness/index.js';

interface Webhook {
  id: string;
  secret: string;
  status: string;
  disabledReason: string | null;
  consecutiveFailures: number;
}
interface Delivery {
  id: string;
  eventId: string;
  homeId: string | null;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

describe(`webhooks: signed delivery to a real receiver, retries, order per home, disabling (${dialect})`, () => {
  let t: TestApp;
  let a: Tenant;
  let homeA: { agentId: string; homeId: string; reference: string };
  let homeB: { agentId: string; homeId: string; reference: string };
  let receiver: Receiver;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp({
      HEARTH_WEBHOOKS_ALLOW_PRIVATE: 'true',
      HEARTH_WEBHOOK_RETRY_SECONDS: '0.02',
      HEARTH_NOTIFICATIONS_POLL_SECONDS: '0.02',
      HEARTH_WEBHOOK_DISABLE_AFTER_FAILURES: '5',
      HEARTH_WEBHOOK_DISABLE_AFTER_HOURS: '0',
      HEARTH_WEBHOOK_TIMEOUT_SECONDS: '2',
    });
    const operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Webhooks A');
    const first = await submitHome(t.app, a.admin.token, 'WH-A-1');
    const second = await submitHome(t.app, a.admin.token, 'WH-A-2');
    homeA = { agentId: a.agentId, homeId: first.homeId, reference: 'WH-A-1' };
    homeB = { agentId: a.agentId, homeId: second.homeId, reference: 'WH-A-2' };
  });
  afterAll(async () => t?.close());
  afterEach(async () => receiver?.close());

  /** A fresh receiver and a webhook pointing at it (any other filters given). */
  async function hook(body: Record<string, unknown> = {}): Promise<Webhook> {
    receiver = await startReceiver();
    const response = await call(t.app, 'POST', '/webhooks', a.admin.token, {
      url: `${receiver.url}?n=${n++}`,
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Webhook;
  }
  const log = async (id: string): Promise<Delivery[]> => {
    const response = await call(t.app, 'GET', `/webhooks/${id}/deliveries?limit=200`, a.admin.token);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { items: Delivery[] }).items;
  };
  const read = async (id: string): Promise<Webhook> => {
    const response = await call(t.app, 'GET', `/webhooks/${id}`, a.admin.token);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Webhook;
  };

  it('POSTs the event as signed JSON that the documented check verifies; the log shows it delivered', async () => {
    const webhook = await hook();
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const event = alarmEvent(homeA, {
      alarm: {
        evidence: {
          summary: 'silent',
          from: '2026-11-28T11:26:00.000Z',
          to: '2026-11-28T11:40:00.000Z',
          values: { silenceSeconds: 840 },
        },
      },
    });
    await enqueue(t.app, [event]);
    await receiver.waitFor('one delivery', (r) => r.length === 1);
    const [got] = receiver.requests;
    if (!got) throw new Error('no request');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toMatch(/^Hearth-Webhooks\//);
    expect(got.headers['hearth-event']).toBe('alarm.raised');
    expect(verify(webhook.secret, got.body, got.headers['hearth-signature'] as string)).toBe(true);
    // A changed body, another secret, or an old timestamp do not verify.
    expect(verify(webhook.secret, `${got.body} `, got.headers['hearth-signature'] as string)).toBe(false);
    expect(verify('whsec_other', got.body, got.headers['hearth-signature'] as string)).toBe(false);
    expect(verify(webhook.secret, got.body, got.headers['hearth-signature'] as string, -1)).toBe(false);
    const { agentId: _agentId, id, type, at, ...data } = event;
    expect(got.json).toEqual({ id, type, at, data });
    expect(got.body).not.toContain(a.agentId);

    await waitFor('delivered in the log', async () => (await log(webhook.id))[0]?.status === 'delivered');
    const [entry] = await log(webhook.id);
    expect(entry).toMatchObject({
      id: got.headers['hearth-delivery'],
      eventId: event.id,
      homeId: homeA.homeId,
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
      lastError: null,
    });
    // The secret is shown once: never by a read or a list.
    const listed = await call(t.app, 'GET', '/webhooks', a.admin.token);
    expect(listed.body).not.toContain(webhook.secret);
    expect(JSON.stringify(await read(webhook.id))).not.toContain(webhook.secret);
  });

  it('sends only what the filters ask for: event types, severities, home groups', async () => {
    const group = await createGroup(t.app, a.admin.token, `Critical homes ${n++}`);
    await setHomeGroups(t.app, a.admin.token, homeB.homeId, [group]);
    const webhook = await hook({ events: ['alarm.raised'], severities: ['critical'], groupIds: [group] });
    const inGroup = { ...homeB, groupIds: [group] };
    await enqueue(t.app, [
      alarmEvent(inGroup, { alarm: { severity: 'major' } }),
      alarmEvent(homeA, { alarm: { severity: 'critical' } }),
      alarmEvent(inGroup, { type: 'alarm.cleared', alarm: { severity: 'critical' } }),
      alarmEvent(inGroup, { alarm: { severity: 'critical', ruleTitle: 'The one' } }),
    ]);
    await receiver.waitFor('the matching event', (r) => r.length === 1);
    expect((await log(webhook.id)).length).toBe(1);
    expect(receiver.requests[0]?.json.data.alarm).toMatchObject({ ruleTitle: 'The one' });
  });

  it('retries a failing receiver with backoff until it answers 2xx; the log counts the attempts', async () => {
    const webhook = await hook();
    receiver.respond = ({ index }) => (index < 3 ? 500 : 204);
    await enqueue(t.app, [alarmEvent(homeA)]);
    await receiver.waitFor('a success after three failures', (r) => r.some((x) => x.status === 204));
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 500, 500, 204]);
    // The retries waited 20, 40 and 80 ms (±20 %) at least: backoff, not a tight loop. (Load only
    // lengthens the gaps, so a lower bound is what can be asserted.)
    const first = receiver.requests[0]?.at ?? 0;
    expect((receiver.requests[3]?.at ?? 0) - first).toBeGreaterThanOrEqual(Math.floor(0.8 * 140) - 5);
    // The same delivery, the same body, signed afresh each time.
    expect(new Set(receiver.requests.map((r) => r.headers['hearth-delivery'])).size).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    await waitFor('delivered', async () => (await log(webhook.id))[0]?.status === 'delivered');
    expect((await log(webhook.id))[0]).toMatchObject({ attempts: 4, lastStatus: 204, lastError: null });
    expect((await read(webhook.id)).consecutiveFailures).toBe(0);
  });

  it("keeps each home's events in order under retries, without holding up other homes", async () => {
    const webhook = await hook();
    const a1 = alarmEvent(homeA, { alarm: { ruleTitle: 'A1' } });
    const a2 = alarmEvent(homeA, { type: 'alarm.acknowledged', alarm: { ruleTitle: 'A2' } });
    const a3 = alarmEvent(homeA, { type: 'alarm.cleared', alarm: { ruleTitle: 'A3' } });
    const b1 = alarmEvent(homeB, { alarm: { ruleTitle: 'B1' } });
    let a1Failures = 0;
    receiver.respond = ({ json }) => (json.id === a1.id && a1Failures++ < 3 ? 503 : 200);
    await enqueue(t.app, [a1, a2, a3, b1]);
    await receiver.waitFor('all four delivered', (r) => r.filter((x) => x.status === 200).length === 4);
    const ids = receiver.requests.map((r) => r.json.id);
    const firstOk = (id: string) => receiver.requests.findIndex((r) => r.json.id === id && r.status === 200);
    // Nothing of home A after A1 was even attempted before A1 got through, and they came in order.
    expect(ids.indexOf(a2.id)).toBeGreaterThan(firstOk(a1.id));
    expect(firstOk(a2.id)).toBeLessThan(firstOk(a3.id));
    expect(ids.filter((id) => id !== b1.id)).toEqual([a1.id, a1.id, a1.id, a1.id, a2.id, a3.id]);
    // Home B's event did not wait for home A's retries.
    expect(firstOk(b1.id)).toBeLessThan(firstOk(a1.id));
    await waitFor('all delivered', async () =>
      (await log(webhook.id)).every((d) => d.status === 'delivered'),
    );
  });

  it('disables a webhook after repeated failures, says why, and resumes its pending deliveries once enabled', async () => {
    const webhook = await hook();
    receiver.respond = () => 503;
    const event = alarmEvent(homeA);
    await enqueue(t.app, [event]);
    await waitFor('disabled', async () => (await read(webhook.id)).status === 'disabled');
    const disabled = await call(t.app, 'GET', `/webhooks/${webhook.id}`, a.admin.token);
    expect(disabled.json()).toMatchObject({ status: 'disabled', consecutiveFailures: 5 });
    expect(disabled.json().disabledReason).toMatch(/5 consecutive failed deliveries.*HTTP 503/);
    expect(disabled.json().disabledAt).toEqual(expect.any(String));
    expect(receiver.requests.length).toBe(5);
    // Listed as disabled, and nothing more is sent while it is.
    const list = await call(t.app, 'GET', '/webhooks?status=disabled', a.admin.token);
    expect(list.json().items.map((w: { id: string }) => w.id)).toContain(webhook.id);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests.length).toBe(5);
    expect((await log(webhook.id))[0]).toMatchObject({ status: 'pending', attempts: 5, lastStatus: 503 });

    receiver.respond = () => 200;
    const enabled = await call(
      t.app,
      'PUT',
      `/webhooks/${webhook.id}`,
      a.admin.token,
      { status: 'active' },
      { 'if-match': disabled.headers.etag as string },
    );
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json()).toMatchObject({ status: 'active', disabledReason: null, disabledAt: null });
    await receiver.waitFor('the pending event', (r) => r.some((x) => x.status === 200));
    expect(receiver.requests.at(-1)?.json.id).toBe(event.id);
    await waitFor('delivered', async () => (await log(webhook.id))[0]?.status === 'delivered');
  });

  it('rotates the secret: the next delivery verifies with the new one only', async () => {
    const webhook = await hook();
    const rotated = await call(t.app, 'POST', `/webhooks/${webhook.id}/secret`, a.admin.token);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret } = rotated.json() as { secret: string };
    expect(secret).not.toBe(webhook.secret);
    await enqueue(t.app, [alarmEvent(homeA)]);
    await receiver.waitFor('one delivery', (r) => r.length === 1);
    const got = receiver.requests[0] as { body: string; headers: Record<string, unknown> };
    expect(verify(secret, got.body, got.headers['hearth-signature'] as string)).toBe(true);
    expect(verify(webhook.secret, got.body, got.headers['hearth-signature'] as string)).toBe(false);
  });

  it('pings: a signed test delivery, whatever the filters, shown in the log', async () => {
    const webhook = await hook({ severities: ['critical'] });
    const ping = await call(t.app, 'POST', `/webhooks/${webhook.id}/ping`, a.admin.token);
    expect(ping.statusCode, ping.body).toBe(202);
    expect(ping.json()).toMatchObject({ eventType: 'ping', status: 'pending', homeId: null });
    await receiver.waitFor('the ping', (r) => r.length === 1);
    const got = receiver.requests[0] as {
      body: string;
      json: { type: string; data: unknown };
      headers: Record<string, unknown>;
    };
    expect(got.json).toMatchObject({ type: 'ping', data: { webhookId: webhook.id } });
    expect(got.headers['hearth-event']).toBe('ping');
    expect(verify(webhook.secret, got.body, got.headers['hearth-signature'] as string)).toBe(true);
  });

  it('sends nothing to a disabled or deleted webhook', async () => {
    const webhook = await hook();
    const off = await call(t.app, 'PUT', `/webhooks/${webhook.id}`, a.admin.token, { status: 'disabled' });
    expect(off.json()).toMatchObject({
      status: 'disabled',
      disabledReason: expect.stringContaining('Disabled by'),
    });
    await enqueue(t.app, [alarmEvent(homeA)]);
    expect(await log(webhook.id)).toEqual([]);
    const other = await hook();
    await enqueue(t.app, [alarmEvent(homeA)]);
    expect((await call(t.app, 'DELETE', `/webhooks/${other.id}`, a.admin.token)).statusCode).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const left = await t.app.ctx.database.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('webhook_id', '=', other.id)
      .execute();
    expect(left).toEqual([]);
  });
});
