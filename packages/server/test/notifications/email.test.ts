import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestDigestTime } from '../../src/notifications/digest.js';
import {
  alarmEvent,
  call,
  createGroup,
  createTenant,
  dialect,
  enqueue,
  login,
  type SmtpReceiver,
  setHomeGroups,
  startSmtpReceiver,
  startTestApp,
  submitHome,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

const DAY = 86_400_000;

describe(`email notifications of alarms: immediate and daily digest through a real SMTP receiver (${dialect})`, () => {
  let t: TestApp;
  let smtp: SmtpReceiver;
  let a: Tenant;
  let home: { agentId: string; homeId: string; reference: string };
  let n = 0;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    t = await startTestApp({ SMTP_URL: smtp.url, HEARTH_DIGEST_HOUR: '7' });
    const operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Email alarms');
    const { homeId } = await submitHome(t.app, a.admin.token, 'EM-1');
    home = { agentId: a.agentId, homeId, reference: 'EM-1' };
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const subscribe = async (body: Record<string, unknown>) => {
    const response = await call(t.app, 'POST', '/notification-subscriptions', a.admin.token, body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; email: string };
  };
  const outboxTo = async (email: string) =>
    t.app.ctx.database.db
      .selectFrom('mail_outbox')
      .select(['subject', 'text_body'])
      .where('to_address', '=', email)
      .execute();

  it('emails an immediate subscriber each matching event at once; not other severities, not historic events', async () => {
    const email = `oncall-${n++}@example.com`;
    await subscribe({ email, mode: 'immediate', severities: ['critical', 'major'] });
    const event = alarmEvent(home, { alarm: { severity: 'major', ruleTitle: 'Backup heater in use' } });
    await enqueue(t.app, [
      alarmEvent(home, { alarm: { severity: 'minor' } }),
      alarmEvent(home, { historic: true, alarm: { severity: 'critical' } }),
      event,
    ]);
    const mail = await smtp.waitFor((m) => m.to !== undefined && JSON.stringify(m.to).includes(email));
    expect(mail.subject).toBe('[Hearth] Major alarm raised: Backup heater in use at EM-1');
    expect(mail.text).toContain(event.alarm.summary);
    expect(mail.text).toContain(home.homeId);
    expect(mail.text).toContain(`/api/v/1/alarms/${event.alarm.id}`);
    expect(await outboxTo(email)).toHaveLength(1);
  });

  it('filters by home group: a subscriber of one group hears nothing of homes outside it', async () => {
    const group = await createGroup(t.app, a.admin.token, `Email group ${randomUUID()}`);
    const other = await submitHome(t.app, a.admin.token, `EM-G-${n++}`);
    await setHomeGroups(t.app, a.admin.token, other.homeId, [group]);
    const email = `group-${n++}@example.com`;
    await subscribe({ email, mode: 'immediate', groupIds: [group] });
    await enqueue(t.app, [
      alarmEvent(home, { alarm: { ruleTitle: 'Elsewhere' } }),
      alarmEvent(
        { agentId: a.agentId, homeId: other.homeId, reference: 'EM-G', groupIds: [group] },
        { alarm: { ruleTitle: 'In the group' } },
      ),
    ]);
    const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes(email));
    expect(mail.subject).toContain('In the group');
    expect((await outboxTo(email)).map((m) => m.subject)).toEqual([mail.subject]);
  });

  it('sends a digest subscriber one email a day at the digest hour listing the events since, including historic ones', async () => {
    const email = `digest-${n++}@example.com`;
    const sub = await subscribe({ email, mode: 'digest', events: ['alarm.raised', 'alarm.cleared'] });
    const created = Date.now();
    const raised = alarmEvent(home, { alarm: { ruleTitle: 'Short cycling', severity: 'minor' } });
    const historic = alarmEvent(home, {
      historic: true,
      at: '2026-01-05T10:00:00.000Z',
      alarm: { ruleTitle: 'Old gap' },
    });
    const cleared = alarmEvent(home, {
      type: 'alarm.cleared',
      alarm: { ruleTitle: 'Short cycling', state: 'cleared' },
    });
    await enqueue(t.app, [raised, historic, alarmEvent(home, { type: 'alarm.acknowledged' }), cleared]);
    // Nothing at once.
    expect(await outboxTo(email)).toEqual([]);
    const { notifications } = t.app.ctx.services;

    // Before the next 07:00 (London) after the subscription: not due.
    const nextDigest = latestDigestTime(created + DAY, 'Europe/London', 7);
    expect(nextDigest).toBeGreaterThan(created);
    expect(DateTime.fromMillis(nextDigest, { zone: 'Europe/London' }).hour).toBe(7);
    await notifications.sendDigests(nextDigest - 1);
    expect(await outboxTo(email)).toEqual([]);

    // At 07:00: one email with the three matching events, oldest first.
    await notifications.sendDigests(nextDigest + 1000);
    const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes(email));
    expect(mail.subject).toBe('[Hearth] Daily alarm digest: 3 events, 2 raised');
    const text = mail.text ?? '';
    expect(text).toContain('Old gap');
    expect(text.indexOf('Old gap')).toBeLessThan(text.indexOf('Minor alarm raised: Short cycling'));
    expect(text).toContain('alarm cleared: Short cycling');
    expect(text).not.toContain('acknowledged');
    expect(text).toContain('2026-01-05 10:00'); // local time (London is UTC in January)
    const read = await call(t.app, 'GET', `/notification-subscriptions/${sub.id}`, a.admin.token);
    expect(read.json().lastDigestAt).toBe(new Date(nextDigest + 1000).toISOString());

    // Again the same day: nothing more (it has gone); the next day with no events: no email.
    await notifications.sendDigests(nextDigest + 2 * 3_600_000);
    await notifications.sendDigests(nextDigest + DAY + 1000);
    expect(await outboxTo(email)).toHaveLength(1);
    const left = await t.app.ctx.database.db
      .selectFrom('notification_digest_items')
      .select('id')
      .where('subscription_id', '=', sub.id)
      .execute();
    expect(left).toEqual([]);
  });
  it('a digest subscriber switched to immediate loses nothing it should get and keeps nothing it will not', async () => {
    const email = `switch-${n++}@example.com`;
    const sub = await subscribe({ email, mode: 'digest' });
    await enqueue(t.app, [alarmEvent(home)]);
    const waiting = () =>
      t.app.ctx.database.db
        .selectFrom('notification_digest_items')
        .select('id')
        .where('subscription_id', '=', sub.id)
        .execute();
    expect(await waiting()).toHaveLength(1);
    const switched = await call(t.app, 'PUT', `/notification-subscriptions/${sub.id}`, a.admin.token, {
      mode: 'immediate',
    });
    expect(switched.statusCode, switched.body).toBe(200);
    expect(switched.json().lastDigestAt).toBeNull();
    expect(await waiting()).toEqual([]);
    await enqueue(t.app, [alarmEvent(home, { alarm: { ruleTitle: 'After the switch' } })]);
    const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes(email));
    expect(mail.subject).toContain('After the switch');
  });
});
