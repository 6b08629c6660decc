import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptInvitation,
  bearer,
  call,
  dialect,
  login,
  type SmtpReceiver,
  startSmtpReceiver,
  startTestApp,
  type TestApp,
  tokenFromMail,
  waitFor,
} from '../harness/index.js';

const PUBLIC_URL = 'https://hearth.example.test';

const to = (address: string) => (mail: ParsedMail) => {
  const list = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return list.some((a) => a.value.some((v) => v.address === address));
};

/** The accept link of an invitation mail, as a URL. */
function acceptLink(text: string): URL {
  const link = (text.match(/https?:\/\/\S+/g) ?? []).find((l) => l.includes('/accept-invitation'));
  if (!link) throw new Error(`no accept link in mail:\n${text}`);
  return new URL(link);
}

describe(`the seed flow with a real SMTP server (${dialect})`, () => {
  let receiver: SmtpReceiver;
  let t: TestApp;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    t = await startTestApp({ SMTP_URL: receiver.url, HEARTH_PUBLIC_URL: PUBLIC_URL });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('operator creates an agent → the invitation arrives by SMTP → admin accepts, logs in, invites an editor → editor accepts and logs in', async () => {
    const operator = await login(t.app);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v/1/agents',
      headers: bearer(operator.access_token),
      payload: { name: 'Heat Pump Heroes', adminEmail: 'Hana@Heroes.example', adminName: 'Hana Admin' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const agent = created.json();

    // The admin's invitation arrives at the SMTP server.
    const adminMail = await receiver.waitFor(to('hana@heroes.example'), 20_000);
    expect(adminMail.subject).toContain('Heat Pump Heroes');
    expect(adminMail.from?.text).toContain('hearth@localhost');
    expect(adminMail.text).toContain('Hana Admin');
    expect(adminMail.text).toContain('on Hearth as an admin.');
    const adminToken = tokenFromMail(adminMail.text ?? '');
    const link = acceptLink(adminMail.text ?? '');
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/accept-invitation`);
    expect(link.searchParams.get('token')).toBe(adminToken);

    // Its delivery shows as sent on the invitation.
    const delivered = await waitFor('the admin invitation to show as sent', async () => {
      const view = (
        await call(t.app, 'GET', `/invitations/${agent.adminInvitation.id}`, operator.access_token)
      ).json();
      return view.delivery?.status === 'sent' ? view : undefined;
    });
    expect(delivered.delivery).toMatchObject({ status: 'sent', attempts: 1, lastError: null });

    const admin = await acceptInvitation(t.app, adminToken, 'hana', 'thistle gondola prism 58', 'Hana Admin');
    expect(admin).toMatchObject({ username: 'hana', role: 'admin', agentId: agent.id });
    const adminLogin = await login(t.app, 'hana', 'thistle gondola prism 58');

    const invited = await call(t.app, 'POST', '/invitations', adminLogin.access_token, {
      email: 'eli@heroes.example',
      role: 'editor',
      name: 'Eli Editor',
    });
    expect(invited.statusCode, invited.body).toBe(201);
    expect(invited.json()).toMatchObject({ agentId: agent.id, role: 'editor', status: 'pending' });

    const editorMail = await receiver.waitFor(to('eli@heroes.example'), 20_000);
    expect(editorMail.subject).toContain('Heat Pump Heroes');
    expect(editorMail.text).toContain('hana');
    expect(editorMail.text).toContain('on Hearth as an editor.');
    const editorToken = tokenFromMail(editorMail.text ?? '');
    expect(acceptLink(editorMail.text ?? '').searchParams.get('token')).toBe(editorToken);

    const editor = await acceptInvitation(
      t.app,
      editorToken,
      'eli',
      'buttercup radar famine 64',
      'Eli Editor',
    );
    expect(editor).toMatchObject({ username: 'eli', role: 'editor', agentId: agent.id });
    const editorLogin = await login(t.app, 'eli', 'buttercup radar famine 64');

    const me = await call(t.app, 'GET', '/users/me', editorLogin.access_token);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      username: 'eli',
      name: 'Eli Editor',
      email: 'eli@heroes.example',
      role: 'editor',
      status: 'active',
      agentId: agent.id,
      agent: {
        id: agent.id,
        name: 'Heat Pump Heroes',
        status: 'active',
        timeZone: 'Europe/London',
        region: null,
      },
    });

    const invitation = await call(t.app, 'GET', `/invitations/${invited.json().id}`, adminLogin.access_token);
    expect(invitation.json()).toMatchObject({ status: 'accepted', delivery: { status: 'sent' } });
    // Each invitation was mailed once.
    expect(receiver.messages.filter(to('hana@heroes.example'))).toHaveLength(1);
    expect(receiver.messages.filter(to('eli@heroes.example'))).toHaveLength(1);
    // Nothing was written to the file outbox: the mail went by SMTP.
    const outbox = path.join(t.config.dataDir, 'outbox');
    expect(existsSync(outbox) ? readdirSync(outbox) : []).toEqual([]);
  });
});
