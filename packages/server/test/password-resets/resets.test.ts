import type { LightMyRequestResponse } from 'fastify';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASIC_TRUSTED,
  bearer,
  call,
  confirmReset,
  createTenant,
  dialect,
  expectProblem,
  latestMailTo,
  login,
  requestReset,
  resetTokenFor,
  resetTokenFromMail,
  type SmtpReceiver,
  sameAnswer,
  someAddress,
  startSmtpReceiver,
  startTestApp,
  type Tenant,
  type TestApp,
  tryLogin,
} from '../harness/index.js';

const PUBLIC_URL = 'https://hearth.example.test';

/** What a requester can see of a reset request's answer: status, the headers that matter, body. */
const visible = (status: number, headers: Headers | Record<string, unknown>, body: string) => {
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : ((headers[name] as string | undefined) ?? null);
  return {
    status,
    contentType: get('content-type'),
    cacheControl: get('cache-control'),
    retryAfter: get('retry-after'),
    body,
  };
};
const seen = (r: LightMyRequestResponse) => visible(r.statusCode, r.headers, r.body);

const emailOf = (username: string) => `${username}@example.com`;

/** A reset email to this address (the user's invitation went to it before). */
const to = (address: string) => (mail: ParsedMail) => {
  const list = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return (
    mail.subject === 'Reset your Hearth password' &&
    list.some((a) => a.value.some((v) => v.address === address))
  );
};

describe(`password reset over HTTP with a real SMTP server (${dialect})`, () => {
  let receiver: SmtpReceiver;
  let t: TestApp;
  let base: string;
  let tenant: Tenant;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    t = await startTestApp({ SMTP_URL: receiver.url, HEARTH_PUBLIC_URL: PUBLIC_URL });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Resets');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}/api/v/1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { response, text: await response.text() };
  };

  it('answers a known and an unknown address identically, and mails only the known one', async () => {
    const known = emailOf(tenant.admin.username);
    const unknown = `nobody-${Date.now()}@example.com`;
    const a = await post('/password-resets', { email: known.toUpperCase() });
    const b = await post('/password-resets', { email: unknown });
    expect(a.response.status).toBe(202);
    expect(visible(a.response.status, a.response.headers, a.text)).toEqual(
      visible(b.response.status, b.response.headers, b.text),
    );
    expect(JSON.parse(a.text)).toEqual({ message: expect.stringMatching(/^If an active account/) });
    expect(a.response.headers.get('cache-control')).toBe('no-store');

    const mail = await receiver.waitFor(to(known), 20_000);
    expect(mail.subject).toBe('Reset your Hearth password');
    expect(mail.text).toContain(tenant.admin.username);
    const token = resetTokenFromMail(mail.text ?? '');
    const link = (mail.text ?? '').match(/https?:\/\/\S+/g)?.find((l) => l.includes('/reset-password'));
    expect(link).toBe(`${PUBLIC_URL}/reset-password?token=${token}`);

    await t.app.ctx.services.passwordResets.idle();
    await t.app.ctx.services.mail.deliverDue();
    expect(receiver.messages.filter(to(unknown))).toEqual([]);
    const queued = await t.app.ctx.database.db
      .selectFrom('mail_outbox')
      .select('id')
      .where('to_address', '=', unknown)
      .execute();
    expect(queued).toEqual([]);
  });

  it('sets the password with the token once, ends every session, and records both steps', async () => {
    const admin = await tenant.addUser('admin');
    const victim = await tenant.addUser('editor');
    const session = await login(t.app, victim.username, victim.password);
    const email = emailOf(victim.username);

    const requested = await post('/password-resets', { email });
    expect(requested.response.status).toBe(202);
    const token = resetTokenFromMail((await receiver.waitFor(to(email), 20_000)).text ?? '');

    const newPassword = 'juniper lattice overcoat 73';
    const confirmed = await post('/password-resets/confirmation', { token, password: newPassword });
    expect(confirmed.response.status, confirmed.text).toBe(204);
    expect(confirmed.text).toBe('');

    // Every session ended: both access tokens and the refresh token.
    for (const token of [victim.token, session.access_token]) {
      const me = await fetch(`${base}/api/v/1/users/me`, { headers: bearer(token) });
      expect(me.status).toBe(401);
    }
    const refreshed = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: session.refresh_token ?? '' }),
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');

    expect((await tryLogin(t.app, victim.username, victim.password)).statusCode).toBe(400);
    await login(t.app, victim.username, newPassword);

    // The token works once.
    const again = await post('/password-resets/confirmation', {
      token,
      password: 'another lantern story 88',
    });
    expect(again.response.status).toBe(400);
    expect(JSON.parse(again.text)).toMatchObject({ code: 'password_reset_invalid', status: 400 });
    expect(JSON.parse(again.text).detail).toMatch(/already used/);
    await login(t.app, victim.username, newPassword);

    const events = await call(t.app, 'GET', '/audit-events?action=user&limit=200', admin.token);
    const mine = (events.json().items as Array<Record<string, unknown>>).filter(
      (e) => (e.target as { id: string }).id === victim.id,
    );
    const requestedEvent = mine.find((e) => e.action === 'user.password_reset_requested');
    expect(requestedEvent).toMatchObject({ actor: null, details: { username: victim.username } });
    expect(JSON.stringify(requestedEvent)).not.toContain(token);
    expect(mine.find((e) => e.action === 'user.password_reset')).toMatchObject({
      actor: { id: victim.id, username: victim.username },
      address: '127.0.0.1',
    });
  });

  it('serves the page the email links to, with a strict CSP', async () => {
    const page = await fetch(`${base}/password-resets/confirm?token=abc`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'nonce-/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('/api/v/1/password-resets/confirmation');
  });
});

describe(`password reset tokens: expiry, replacement, policy, storage (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ HEARTH_PASSWORD_RESET_TTL: '120' });
    tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Expiry');
  });
  afterAll(async () => t.close());

  it('lives HEARTH_PASSWORD_RESET_TTL seconds, and an expired token is refused naming why', async () => {
    const user = await tenant.addUser('viewer');
    const email = emailOf(user.username);
    const token = await resetTokenFor(t.app, email);
    const row = await t.app.ctx.database.db
      .selectFrom('password_resets')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(Number(row.expires_at) - Number(row.created_at)).toBe(120_000);
    expect((await latestMailTo(t.app, email)).text).toContain('for 2 minutes');

    // The clock moves past the expiry (the stored time is moved back, as the throttle tests do).
    await t.app.ctx.database.db
      .updateTable('password_resets')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', row.id)
      .execute();
    const expired = await confirmReset(t.app, token, 'meadow tangerine pocket 41');
    const problem = expectProblem(expired, 400, 'password_reset_invalid');
    expect(problem.detail).toMatch(/expired/);
    await login(t.app, user.username, user.password);
  });

  it('answers an unknown token 400 password_reset_invalid, and a newer request voids the older token', async () => {
    const user = await tenant.addUser('viewer');
    const email = emailOf(user.username);
    const unknown = await confirmReset(
      t.app,
      '00000000-0000-4000-8000-000000000000',
      'meadow tangerine pocket 41',
    );
    expect(expectProblem(unknown, 400, 'password_reset_invalid').detail).toMatch(/unknown/);

    const first = await resetTokenFor(t.app, email);
    const second = await resetTokenFor(t.app, email);
    expect(second).not.toBe(first);
    const old = await confirmReset(t.app, first, 'meadow tangerine pocket 41');
    expect(expectProblem(old, 400, 'password_reset_invalid').detail).toMatch(/newer one/);
    expect((await confirmReset(t.app, second, 'meadow tangerine pocket 41')).statusCode).toBe(204);
  });

  it('refuses a weak password naming /body/password, and the token still works after', async () => {
    const user = await tenant.addUser('viewer');
    const token = await resetTokenFor(t.app, emailOf(user.username));
    for (const weak of ['short-pass1', 'password123456', `${user.username}1`]) {
      const response = await confirmReset(t.app, token, weak);
      const problem = expectProblem(response, 400, 'validation_failed');
      expect(problem.errors).toEqual([{ field: '/body/password', message: expect.any(String) }]);
    }
    await login(t.app, user.username, user.password);
    expect((await confirmReset(t.app, token, 'walnut crescendo harbour 26')).statusCode).toBe(204);
    await login(t.app, user.username, 'walnut crescendo harbour 26');
  });

  it('stores only a digest of the token', async () => {
    const user = await tenant.addUser('viewer');
    const token = await resetTokenFor(t.app, emailOf(user.username));
    const rows = JSON.stringify(
      await t.app.ctx.database.db.selectFrom('password_resets').selectAll().execute(),
    ).toLowerCase();
    expect(rows).not.toContain(token);
    expect(rows).not.toContain(token.replaceAll('-', ''));
  });

  it('mails no disabled user', async () => {
    const user = await tenant.addUser('viewer');
    const disabled = await call(t.app, 'PUT', `/users/${user.id}`, tenant.admin.token, {
      status: 'disabled',
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    const email = emailOf(user.username);
    const before = (await latestMailTo(t.app, email)).subject;
    expect((await requestReset(t.app, email, someAddress())).statusCode).toBe(202);
    await t.app.ctx.services.passwordResets.idle();
    expect((await latestMailTo(t.app, email)).subject).toBe(before);
  });
});

describe(`password reset throttles (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Throttle');
  });
  afterAll(async () => t.close());

  const mailsTo = async (email: string) =>
    (
      await t.app.ctx.database.db
        .selectFrom('mail_outbox')
        .select('id')
        .where('to_address', '=', email)
        .where('subject', '=', 'Reset your Hearth password')
        .execute()
    ).length;

  it('mails one address at most three times at once; later requests are answered the same, silently', async () => {
    const user = await tenant.addUser('viewer');
    const email = emailOf(user.username);
    const unknown = `ghost-${Date.now()}@example.com`;
    const answers: LightMyRequestResponse[] = [];
    const ghost: LightMyRequestResponse[] = [];
    for (let i = 0; i < 5; i++) {
      answers.push(await requestReset(t.app, email, someAddress()));
      ghost.push(await requestReset(t.app, unknown, someAddress()));
    }
    await t.app.ctx.services.passwordResets.idle();
    expect(answers.map(seen)).toEqual(ghost.map(seen));
    for (const answer of answers) expect(answer.statusCode).toBe(202);
    expect(await mailsTo(email)).toBe(3);
    expect(await mailsTo(unknown)).toBe(0);
  });

  it('refuses a client address after ten requests with 429 and Retry-After, known address or not', async () => {
    const user = await tenant.addUser('viewer');
    const address = '203.0.113.77';
    for (let i = 0; i < 10; i++) {
      const response = await requestReset(t.app, `someone-${i}@example.com`, address);
      expect(response.statusCode).toBe(202);
    }
    const known = await requestReset(t.app, emailOf(user.username), address);
    const unknown = await requestReset(t.app, `someone-else@example.com`, address);
    for (const refused of [known, unknown]) {
      expectProblem(refused, 429, 'too_many_requests');
      expect(String(refused.headers['retry-after'])).toMatch(/^[1-9][0-9]*$/);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    expect(sameAnswer(known).code).toBe(sameAnswer(unknown).code);
    await t.app.ctx.services.passwordResets.idle();
    expect(await mailsTo(emailOf(user.username))).toBe(0);
    // Another client address is not affected.
    expect((await requestReset(t.app, emailOf(user.username), '203.0.113.78')).statusCode).toBe(202);
  });
});
