import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  acceptInvitation,
  call,
  createTestDatabase,
  dialect,
  login,
  type SmtpReceiver,
  startSmtpReceiver,
  startTestApp,
  type TestApp,
  type TestDatabase,
  tokenFromMail,
  unusedPort,
  waitFor,
} from '../harness/index.js';

interface Delivery {
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  nextAttemptAt: string | null;
}

const to = (address: string) => (mail: ParsedMail) => {
  const list = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return list.some((a) => a.value.some((v) => v.address === address));
};

/** The environment of an app whose SMTP server is at `port`, retrying fast. */
const smtpAt = (port: number) => ({
  SMTP_URL: `smtp://127.0.0.1:${port}`,
  HEARTH_MAIL_RETRY_SECONDS: '0.2',
});

async function delivery(t: TestApp, token: string, invitationId: string): Promise<Delivery> {
  const response = await call(t.app, 'GET', `/invitations/${invitationId}`, token);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().delivery;
}

async function createAgent(t: TestApp, token: string, adminEmail: string) {
  const created = await call(t.app, 'POST', '/agents', token, {
    name: `Outage ${adminEmail}`,
    adminEmail,
    adminName: 'Patient Admin',
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json() as { id: string; adminInvitation: { id: string } };
}

describe(`mail while the SMTP server is down, then up (${dialect})`, () => {
  it('creates the invitation anyway, shows the failed attempts, and delivers once the server is up', async () => {
    const port = await unusedPort();
    const t = await startTestApp(smtpAt(port));
    let receiver: SmtpReceiver | undefined;
    try {
      const operator = (await login(t.app)).access_token;
      const agent = await createAgent(t, operator, 'first@outage.example');
      // An admin's invitation through POST /invitations is created just the same.
      const invited = await call(t.app, 'POST', '/invitations', operator, {
        email: 'second@outage.example',
        role: 'editor',
        agentId: agent.id,
      });
      expect(invited.statusCode, invited.body).toBe(201);
      expect(invited.json()).toMatchObject({ status: 'pending', delivery: { status: 'pending' } });

      const failing = await waitFor('a failed delivery attempt', async () => {
        const d = await delivery(t, operator, agent.adminInvitation.id);
        return d.attempts >= 1 ? d : undefined;
      });
      expect(failing).toMatchObject({ status: 'pending', sentAt: null });
      expect(failing.lastError).toEqual(expect.any(String));
      expect(failing.lastError).not.toBe('');
      expect(failing.nextAttemptAt).toEqual(expect.any(String));
      const invitation = await call(t.app, 'GET', `/invitations/${agent.adminInvitation.id}`, operator);
      expect(invitation.json()).toMatchObject({ status: 'pending' });

      receiver = await startSmtpReceiver(port);
      const first = await receiver.waitFor(to('first@outage.example'), 30_000);
      const second = await receiver.waitFor(to('second@outage.example'), 30_000);

      const sent = await waitFor('the delivery to show as sent', async () => {
        const d = await delivery(t, operator, agent.adminInvitation.id);
        return d.status === 'sent' ? d : undefined;
      });
      expect(sent.attempts).toBeGreaterThanOrEqual(2);
      expect(sent).toMatchObject({ lastError: null, nextAttemptAt: null, sentAt: expect.any(String) });
      await waitFor('the second delivery to show as sent', async () => {
        const d = await delivery(t, operator, invited.json().id);
        return d.status === 'sent';
      });

      // Nothing was lost: the tokens in the late mails work.
      const admin = await acceptInvitation(
        t.app,
        tokenFromMail(first.text ?? ''),
        'patient',
        'glacier tulip engine 46',
      );
      expect(admin).toMatchObject({ role: 'admin', agentId: agent.id });
      const editor = await acceptInvitation(
        t.app,
        tokenFromMail(second.text ?? ''),
        'patient2',
        'mango ladder velvet 12',
      );
      expect(editor).toMatchObject({ role: 'editor', agentId: agent.id });
      expect(receiver.messages.filter(to('first@outage.example'))).toHaveLength(1);
      expect(receiver.messages.filter(to('second@outage.example'))).toHaveLength(1);
    } finally {
      await t.close();
      await receiver?.close();
    }
  });

  it('keeps an undelivered invitation across a restart and delivers it exactly once afterwards', async () => {
    const database: TestDatabase = await createTestDatabase();
    const port = await unusedPort();
    let before: TestApp | undefined;
    let after: TestApp | undefined;
    let receiver: SmtpReceiver | undefined;
    try {
      before = await startTestApp(smtpAt(port), database);
      const operator = (await login(before.app)).access_token;
      const agent = await createAgent(before, operator, 'restart@outage.example');
      const failing = await waitFor('a failed delivery attempt before the restart', async () => {
        const d = await delivery(before as TestApp, operator, agent.adminInvitation.id);
        return d.attempts >= 1 ? d : undefined;
      });
      expect(failing).toMatchObject({ status: 'pending' });
      await before.app.close();
      before = undefined;

      after = await startTestApp(smtpAt(port), database);
      receiver = await startSmtpReceiver(port);
      const mail = await receiver.waitFor(to('restart@outage.example'), 30_000);

      const operatorAfter = (await login(after.app)).access_token;
      const sent = await waitFor('the delivery to show as sent after the restart', async () => {
        const d = await delivery(after as TestApp, operatorAfter, agent.adminInvitation.id);
        return d.status === 'sent' ? d : undefined;
      });
      expect(sent.attempts).toBeGreaterThanOrEqual(2);
      expect(receiver.messages.filter(to('restart@outage.example'))).toHaveLength(1);

      const admin = await acceptInvitation(
        after.app,
        tokenFromMail(mail.text ?? ''),
        'restarted',
        'saddle orbit crayon 83',
      );
      expect(admin).toMatchObject({ role: 'admin', agentId: agent.id });
      await login(after.app, 'restarted', 'saddle orbit crayon 83');
    } finally {
      await before?.app.close();
      await after?.close();
      await receiver?.close();
      await database.drop();
    }
  });
});
