import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptInvitation,
  bearer,
  dialect,
  login,
  requestReset,
  resetTokenFromMail,
  someAddress,
  startTestApp,
  type TestApp,
  tokenFromMail,
} from '../harness/index.js';

/** Waits until a .eml file to `to` is in the outbox folder and returns it parsed. */
async function emlTo(dir: string, to: string, timeoutMs = 10_000, subject = '') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const file of (() => {
      try {
        return readdirSync(dir).filter((f) => f.endsWith('.eml'));
      } catch {
        return [];
      }
    })()) {
      const mail = await simpleParser(readFileSync(path.join(dir, file)));
      const address = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
      if (address?.includes(to) && (mail.subject ?? '').includes(subject)) return mail;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no .eml to ${to} in ${dir}`);
}

describe(`the seed flow with no SMTP: invitations as .eml files in the outbox (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    // An API-only deployment: with no console to link to, the mails link to the plain forms.
    t = await startTestApp({ HEARTH_CONSOLE: 'off' });
  });
  afterAll(async () => t.close());

  it('operator creates an agent → admin accepts the emailed invitation → logs in → invites an editor → editor logs in', async () => {
    const outbox = path.join(t.config.dataDir, 'outbox');
    const operator = await login(t.app);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v/1/agents',
      headers: bearer(operator.access_token),
      payload: { name: 'Warm Homes Ltd', adminEmail: 'Alice@Example.com', adminName: 'Alice Admin' },
    });
    expect(created.statusCode).toBe(201);
    const agent = created.json();
    expect(created.headers.location).toBe(`/api/v/1/agents/${agent.id}`);
    expect(agent).toMatchObject({
      name: 'Warm Homes Ltd',
      status: 'active',
      adminInvitation: { email: 'alice@example.com' },
    });

    const adminMail = await emlTo(outbox, 'alice@example.com');
    expect(adminMail.subject).toContain('Warm Homes Ltd');
    const adminToken = tokenFromMail(adminMail.text ?? '');
    expect(adminMail.text).toContain(`/invitations/accept?token=${adminToken}`);
    expect(adminMail.text).not.toContain('/accept-invitation');

    const admin = await acceptInvitation(
      t.app,
      adminToken,
      'alice',
      'tangerine bicycle orchestra 7',
      'Alice Admin',
    );
    expect(admin).toMatchObject({ username: 'alice', role: 'admin', agentId: agent.id });
    const adminLogin = await login(t.app, 'alice', 'tangerine bicycle orchestra 7');

    const invited = await t.app.inject({
      method: 'POST',
      url: '/api/v/1/invitations',
      headers: bearer(adminLogin.access_token),
      payload: { email: 'bob@example.com', role: 'editor', name: 'Bob' },
    });
    expect(invited.statusCode).toBe(201);
    expect(invited.json()).toMatchObject({
      email: 'bob@example.com',
      role: 'editor',
      status: 'pending',
      agentId: agent.id,
    });

    const editorMail = await emlTo(outbox, 'bob@example.com');
    const editor = await acceptInvitation(
      t.app,
      tokenFromMail(editorMail.text ?? ''),
      'bob',
      'lantern meadow copper 42',
      'Bob',
    );
    expect(editor).toMatchObject({ username: 'bob', role: 'editor', agentId: agent.id });
    const editorLogin = await login(t.app, 'bob', 'lantern meadow copper 42');
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v/1/users/me',
      headers: bearer(editorLogin.access_token),
    });
    expect(me.json()).toMatchObject({
      username: 'bob',
      role: 'editor',
      agent: { id: agent.id, name: 'Warm Homes Ltd' },
    });

    // The invitation now shows accepted, and its email as sent.
    const invitation = await t.app.inject({
      method: 'GET',
      url: `/api/v/1/invitations/${invited.json().id}`,
      headers: bearer(adminLogin.access_token),
    });
    expect(invitation.json()).toMatchObject({ status: 'accepted', delivery: { status: 'sent' } });

    // A forgotten password's mail links to the plain form too.
    expect((await requestReset(t.app, 'bob@example.com', someAddress())).statusCode).toBe(202);
    await t.app.ctx.services.passwordResets.idle();
    const resetMail = await emlTo(outbox, 'bob@example.com', 10_000, 'Reset your Hearth password');
    const resetToken = resetTokenFromMail(resetMail.text ?? '');
    expect(resetMail.text).toContain(`/password-resets/confirm?token=${resetToken}`);
    expect(resetMail.text).not.toContain('/reset-password');
  });
});
