import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  completeOrder,
  createTenant,
  login,
  OPERATOR,
  type Receiver,
  type SmtpReceiver,
  startReceiver,
  startSmtpReceiver,
  startTestApp,
  type Tenant,
  type TestApp,
  timeout,
  verify,
} from '../harness/index.js';

/**
 * From a fault to the people who must hear of it, end to end: the evaluator raises an alarm on a
 * home whose meters have gone silent, and the agent's subscribed webhook (a real HTTP receiver),
 * its email subscription and the home's own recipients (a real SMTP receiver) receive it; acknowledging and clearing it by hand
 * reach the webhook too, in order.
 */
let t: TestApp;
let tenant: Tenant;
let receiver: Receiver;
let smtp: SmtpReceiver;
let secret: string;
let homeId: string;

beforeAll(async () => {
  receiver = await startReceiver();
  smtp = await startSmtpReceiver();
  t = await startTestApp({
    HEARTH_WEBHOOKS_ALLOW_PRIVATE: 'true',
    HEARTH_NOTIFICATIONS_POLL_SECONDS: '0.2',
    SMTP_URL: smtp.url,
  });
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Faults notified');
  const hook = await call(t.app, 'POST', '/webhooks', tenant.admin.token, {
    url: receiver.url,
    severities: ['critical', 'major'],
  });
  expect(hook.statusCode, hook.body).toBe(201);
  secret = hook.json().secret;
  const subscription = await call(t.app, 'POST', '/notification-subscriptions', tenant.admin.token, {
    email: 'on-call@example.com',
    mode: 'immediate',
  });
  expect(subscription.statusCode, subscription.body).toBe(201);
  const draft = await call(t.app, 'POST', '/orders', tenant.admin.token, completeOrder('NOTIFY-1'));
  const submitted = await call(t.app, 'POST', `/orders/${draft.json().id}/submission`, tenant.admin.token);
  homeId = submitted.json().homeId;
  // Created two days ago and silent ever since: its meters are lost.
  await t.app.ctx.database.db
    .updateTable('homes')
    .set({ created_at: Date.now() - 2 * 86_400_000 })
    .where('id', '=', homeId)
    .execute();
}, timeout(60_000));
afterAll(async () => {
  await t?.close();
  await receiver?.close();
  await smtp?.close();
});

describe('alarm notifications, end to end', () => {
  it('a raised alarm reaches the subscribed webhook (signed) and the on-call email', async () => {
    const evaluated = await call(t.app, 'POST', `/homes/${homeId}/alarms/evaluate`, tenant.admin.token);
    expect(evaluated.statusCode, evaluated.body).toBe(200);
    const alarms = (
      await call(t.app, 'GET', `/homes/${homeId}/alarms?state=active`, tenant.admin.token)
    ).json().items as { id: string; rule: string; severity: string; conditionSince: string }[];
    const lost = alarms.find((a) => a.rule === 'communication_lost');
    expect(lost?.severity).toBe('major');

    await receiver.waitFor('alarm.raised', (rs) => rs.some((r) => r.json.type === 'alarm.raised'));
    const raised = receiver.requests.find((r) => r.json.type === 'alarm.raised');
    expect(verify(secret, raised?.body as string, raised?.headers['hearth-signature'] as string)).toBe(true);
    const data = raised?.json.data as {
      homeId: string;
      homeReference: string;
      alarm: Record<string, unknown>;
    };
    expect(data.homeId).toBe(homeId);
    expect(data.homeReference).toBe('NOTIFY-1');
    expect(data.alarm).toMatchObject({ id: lost?.id, rule: 'communication_lost', state: 'active' });
    // The episode's start, as the API states it, beside when the alarm was raised.
    expect(data.alarm.conditionSince).toBe(lost?.conditionSince);
    expect(Date.parse(data.alarm.conditionSince as string)).toBeLessThanOrEqual(
      Date.parse(data.alarm.raisedAt as string),
    );
    expect(typeof (data.alarm.evidence as { from: unknown }).from).toBe('string');

    const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes('on-call@example.com'));
    expect(`${mail.subject} ${mail.text}`).toMatch(/NOTIFY-1/);
    // The recipients of the home's own fault_management definition (the order's) are told too.
    const installer = await smtp.waitFor((m) => JSON.stringify(m.to).includes('alerts@example.com'));
    expect(`${installer.subject} ${installer.text}`).toMatch(/NOTIFY-1/);
  });

  it('acknowledging and clearing by hand follow, in order, on the same webhook', async () => {
    const [alarm] = (
      await call(
        t.app,
        'GET',
        `/homes/${homeId}/alarms?state=active&rule=communication_lost`,
        tenant.admin.token,
      )
    ).json().items as { id: string }[];
    const ack = await call(t.app, 'PUT', `/alarms/${alarm?.id}`, tenant.admin.token, { acknowledged: true });
    expect(ack.statusCode, ack.body).toBe(200);
    const cleared = await call(t.app, 'PUT', `/alarms/${alarm?.id}`, tenant.admin.token, {
      state: 'cleared',
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    await receiver.waitFor('alarm.cleared', (rs) => rs.some((r) => r.json.type === 'alarm.cleared'));
    const ofThisAlarm = receiver.requests
      .filter((r) => (r.json.data as { alarm?: { id: string } }).alarm?.id === alarm?.id)
      .map((r) => r.json.type);
    expect(ofThisAlarm).toEqual(['alarm.raised', 'alarm.acknowledged', 'alarm.cleared']);
    for (const r of receiver.requests)
      expect(verify(secret, r.body, r.headers['hearth-signature'] as string)).toBe(true);
  });
});
