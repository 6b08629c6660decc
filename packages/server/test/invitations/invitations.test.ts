import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptInvitation,
  call,
  createTenant,
  dialect,
  expectProblem,
  latestMailTo,
  login,
  sameAnswer,
  startTestApp,
  type Tenant,
  type TestApp,
  tokenFromMail,
  unknownToken,
  waitFor,
} from '../harness/index.js';

const PUBLIC_URL = 'https://hearth.example.test';

interface InvitationView {
  id: string;
  agentId: string;
  email: string;
  role: string;
  status: 'pending' | 'accepted' | 'expired' | 'revoked';
  acceptedAt: string | null;
  revokedAt: string | null;
  delivery: { status: string } | null;
}

let counter = 0;
const freshEmail = (label: string) => `${label}-${Date.now().toString(36)}-${counter++}@example.com`;

describe(`invitations (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ HEARTH_PUBLIC_URL: `${PUBLIC_URL}/` });
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Invite A');
    b = await createTenant(t.app, operator, 'Invite B');
  });
  afterAll(async () => t.close());

  const invite = async (token: string, body: Record<string, unknown>) => {
    const response = await call(t.app, 'POST', '/invitations', token, body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as InvitationView;
  };
  const tokenFor = async (email: string) => tokenFromMail((await latestMailTo(t.app, email)).text);
  const accept = (token: string, username: string) =>
    call(t.app, 'POST', '/invitations/acceptance', undefined, {
      token,
      username,
      password: 'juniper compass violet 77',
      name: username,
    });
  const storedFor = (email: string) =>
    t.app.ctx.database.db.selectFrom('invitations').selectAll().where('email', '=', email).execute();

  it('lets an admin invite into their own agent without naming it (201, Location, pending, mail queued)', async () => {
    const email = freshEmail('own');
    const response = await call(t.app, 'POST', '/invitations', a.admin.token, {
      email,
      role: 'editor',
      name: 'Edna Editor',
    });
    expect(response.statusCode, response.body).toBe(201);
    const invitation = response.json();
    expect(response.headers.location).toBe(`/api/v/1/invitations/${invitation.id}`);
    expect(invitation).toMatchObject({
      agentId: a.agentId,
      email,
      name: 'Edna Editor',
      role: 'editor',
      status: 'pending',
      acceptedAt: null,
      revokedAt: null,
      delivery: { status: expect.stringMatching(/^(pending|sent)$/) },
    });
    expect((await latestMailTo(t.app, email)).subject).toContain('Invite A');

    // Naming their own agent is the same thing.
    const named = await invite(a.admin.token, {
      email: freshEmail('named'),
      role: 'viewer',
      agentId: a.agentId,
    });
    expect(named.agentId).toBe(a.agentId);
  });

  it('makes the operator name the agent (400 without, 404 unknown), and an admin naming another agent gets 404', async () => {
    const email = freshEmail('op');
    const missing = expectProblem(
      await call(t.app, 'POST', '/invitations', operator, { email, role: 'admin' }),
      400,
      'validation_failed',
    );
    expect(missing.errors).toEqual([expect.objectContaining({ field: '/body/agentId' })]);
    expectProblem(
      await call(t.app, 'POST', '/invitations', operator, { email, role: 'admin', agentId: randomUUID() }),
      404,
      'not_found',
    );
    expect(await storedFor(email)).toEqual([]);

    const named = await invite(operator, { email, role: 'admin', agentId: b.agentId });
    expect(named).toMatchObject({ agentId: b.agentId, role: 'admin', status: 'pending' });

    const intruder = freshEmail('intruder');
    const foreign = await call(t.app, 'POST', '/invitations', a.admin.token, {
      email: intruder,
      role: 'admin',
      agentId: b.agentId,
    });
    const unknown = await call(t.app, 'POST', '/invitations', a.admin.token, {
      email: intruder,
      role: 'admin',
      agentId: randomUUID(),
    });
    expectProblem(foreign, 404, 'not_found');
    expectProblem(unknown, 404, 'not_found');
    expect(await storedFor(intruder)).toEqual([]);

    // Another agent's invitation is as absent as a missing one, on every invitation route.
    for (const [method, path] of [
      ['GET', `/invitations/${named.id}`],
      ['DELETE', `/invitations/${named.id}`],
      ['POST', `/invitations/${named.id}/resend`],
    ] as const) {
      expectProblem(await call(t.app, method, path, a.admin.token), 404, 'not_found');
    }
    expect((await call(t.app, 'GET', `/invitations/${named.id}`, operator)).json()).toMatchObject({
      status: 'pending',
    });
  });

  it('refuses a second pending invitation to the same address (409), whatever its case', async () => {
    const email = freshEmail('dup');
    await invite(a.admin.token, { email, role: 'viewer' });
    expectProblem(
      await call(t.app, 'POST', '/invitations', a.admin.token, { email, role: 'editor' }),
      409,
      'conflict',
    );
    expectProblem(
      await call(t.app, 'POST', '/invitations', a.admin.token, {
        email: email.toUpperCase(),
        role: 'viewer',
      }),
      409,
      'conflict',
    );
    expect(await storedFor(email)).toHaveLength(1);
  });

  it('five invitations of one address at the same moment: one 201, four 409, one stored, never a 500', async () => {
    const email = freshEmail('race');
    const responses = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        call(t.app, 'POST', '/invitations', a.admin.token, { email, role: 'viewer' }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await storedFor(email)).toHaveLength(1);
  });

  it('uses a token once: a second acceptance is 400 invitation_invalid, the same answer as an unknown token', async () => {
    const email = freshEmail('once');
    const invitation = await invite(a.admin.token, { email, role: 'viewer' });
    const token = await tokenFor(email);

    const first = await accept(token, `once-${counter++}`);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ role: 'viewer', agentId: a.agentId, email, status: 'active' });
    expect(first.headers.location).toBe(`/api/v/1/users/${first.json().id}`);

    const again = await accept(token, `again-${counter++}`);
    const unknown = await accept(unknownToken(), `unknown-${counter++}`);
    expectProblem(again, 400, 'invitation_invalid');
    expect(sameAnswer(again)).toEqual(sameAnswer(unknown));

    const view = await call(t.app, 'GET', `/invitations/${invitation.id}`, a.admin.token);
    expect(view.json()).toMatchObject({ status: 'accepted', acceptedAt: expect.any(String) });
    // Only the first acceptance created a user.
    const agentUsers = await call(t.app, 'GET', '/users?limit=200', a.admin.token);
    expect(agentUsers.json().items.filter((u: { email: string }) => u.email === email)).toHaveLength(1);
  });

  it('revokes (204): the token then answers 400 invitation_invalid and the invitation shows revoked', async () => {
    const email = freshEmail('revoke');
    const invitation = await invite(a.admin.token, { email, role: 'editor' });
    const token = await tokenFor(email);

    const revoked = await call(t.app, 'DELETE', `/invitations/${invitation.id}`, a.admin.token);
    expect(revoked.statusCode).toBe(204);
    expect(revoked.body).toBe('');

    const refused = await accept(token, `revoked-${counter++}`);
    expectProblem(refused, 400, 'invitation_invalid');
    expect(sameAnswer(refused)).toEqual(sameAnswer(await accept(unknownToken(), `nobody-${counter++}`)));

    const view = await call(t.app, 'GET', `/invitations/${invitation.id}`, a.admin.token);
    expect(view.json()).toMatchObject({ status: 'revoked', revokedAt: expect.any(String), acceptedAt: null });
    // A revoked invitation cannot be resent, and a new invitation to the address is allowed.
    expectProblem(
      await call(t.app, 'POST', `/invitations/${invitation.id}/resend`, a.admin.token),
      409,
      'conflict',
    );
    await invite(a.admin.token, { email, role: 'editor' });
    expectProblem(
      await call(t.app, 'DELETE', `/invitations/${randomUUID()}`, a.admin.token),
      404,
      'not_found',
    );
  });

  it('resends with a new mail and a new token: the old token stops working, the new one works; an accepted one is 409', async () => {
    const email = freshEmail('resend');
    const invitation = await invite(a.admin.token, { email, role: 'viewer' });
    const oldToken = await tokenFor(email);

    const resent = await call(t.app, 'POST', `/invitations/${invitation.id}/resend`, a.admin.token);
    expect(resent.statusCode, resent.body).toBe(200);
    expect(resent.json()).toMatchObject({ id: invitation.id, status: 'pending' });
    const mails = await t.app.ctx.database.db
      .selectFrom('mail_outbox')
      .select('text_body')
      .where('to_address', '=', email)
      .execute();
    expect(mails).toHaveLength(2);
    const newToken = await tokenFor(email);
    expect(newToken).not.toBe(oldToken);

    expectProblem(await accept(oldToken, `old-${counter++}`), 400, 'invitation_invalid');
    const accepted = await accept(newToken, `new-${counter++}`);
    expect(accepted.statusCode, accepted.body).toBe(201);

    expectProblem(
      await call(t.app, 'POST', `/invitations/${invitation.id}/resend`, a.admin.token),
      409,
      'conflict',
    );
    expectProblem(
      await call(t.app, 'DELETE', `/invitations/${invitation.id}`, a.admin.token),
      409,
      'conflict',
    );
    expect((await call(t.app, 'GET', `/invitations/${invitation.id}`, a.admin.token)).json()).toMatchObject({
      status: 'accepted',
    });
  });

  it('lists by status: pending, accepted and revoked show the right invitations', async () => {
    const c = await createTenant(t.app, operator, 'Invite C');
    const pending = await invite(c.admin.token, { email: freshEmail('l-pending'), role: 'viewer' });
    const acceptedEmail = freshEmail('l-accepted');
    const accepted = await invite(c.admin.token, { email: acceptedEmail, role: 'editor' });
    await acceptInvitation(
      t.app,
      await tokenFor(acceptedEmail),
      `listed-${counter++}`,
      'hazel tundra mosaic 31',
    );
    const revoked = await invite(c.admin.token, { email: freshEmail('l-revoked'), role: 'viewer' });
    await call(t.app, 'DELETE', `/invitations/${revoked.id}`, c.admin.token);

    const list = async (query: string, token = c.admin.token) => {
      const response = await call(t.app, 'GET', `/invitations?limit=200${query}`, token);
      expect(response.statusCode, response.body).toBe(200);
      return (response.json().items as InvitationView[]).map((i) => [i.id, i.status]);
    };
    const all = await list('');
    // The admin's own (accepted) invitation comes first, from the agent's creation.
    expect(all.slice(1)).toEqual([
      [pending.id, 'pending'],
      [accepted.id, 'accepted'],
      [revoked.id, 'revoked'],
    ]);
    expect(await list('&status=pending')).toEqual([[pending.id, 'pending']]);
    expect((await list('&status=accepted')).slice(1)).toEqual([[accepted.id, 'accepted']]);
    expect(await list('&status=revoked')).toEqual([[revoked.id, 'revoked']]);
    expect(await list('&status=expired')).toEqual([]);

    // The operator filters by agent; another admin sees none of them.
    expect(await list(`&agentId=${c.agentId}`, operator)).toEqual(all);
    const others = (await list('', a.admin.token)).map(([id]) => id);
    for (const id of [pending.id, accepted.id, revoked.id]) expect(others).not.toContain(id);
    expectProblem(
      await call(t.app, 'GET', '/invitations?status=lost', c.admin.token),
      400,
      'validation_failed',
    );
  });

  it('stores tokens only hashed, and mails both the accept link under HEARTH_PUBLIC_URL and the plain token', async () => {
    const email = freshEmail('mail');
    await invite(a.admin.token, { email, role: 'editor', name: 'Mia Mail' });
    const mail = await latestMailTo(t.app, email);
    const token = tokenFromMail(mail.text);

    const links = mail.text.match(/https?:\/\/\S+/g) ?? [];
    // The console's page (served here); with HEARTH_CONSOLE=off the plain form (console/mail-links).
    const link = links.find((l) => l.includes('/accept-invitation'));
    expect(link).toBeDefined();
    const url = new URL(link as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/accept-invitation`);
    expect(url.searchParams.get('token')).toBe(token);
    // The plain token is on a line of its own, for an API user without a browser.
    expect(mail.text.split('\n').map((line) => line.trim())).toContain(token);
    expect(mail.text).toContain('Mia Mail');

    // The accept page the link leads to is served.
    const page = await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);

    const tokens = (await t.app.ctx.database.db.selectFrom('mail_outbox').select('text_body').execute()).map(
      (m) => tokenFromMail(m.text_body),
    );
    expect(tokens.length).toBeGreaterThan(5);
    const rows = await t.app.ctx.database.db.selectFrom('invitations').selectAll().execute();
    const stored = JSON.stringify(rows).toLowerCase();
    for (const raw of tokens) {
      expect(stored).not.toContain(raw.toLowerCase());
      expect(stored).not.toContain(raw.replaceAll('-', '').toLowerCase());
    }
  });
});

describe(`invitations that expire (${dialect})`, () => {
  let t: TestApp;
  let operator: string;

  beforeAll(async () => {
    // The shortest lifetime the configuration allows (0.001 h = 3.6 s).
    t = await startTestApp({ HEARTH_INVITATION_TTL_HOURS: '0.001' });
    operator = (await login(t.app)).access_token;
  });
  afterAll(async () => t.close());

  it('answers an expired token with the same 400 invitation_invalid as an unknown one, and lists it as expired', async () => {
    const created = await call(t.app, 'POST', '/agents', operator, {
      name: 'Slow Responders Ltd',
      adminEmail: 'late@example.com',
      adminName: 'Late Larry',
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id: agentId, adminInvitation } = created.json();
    const token = tokenFromMail((await latestMailTo(t.app, 'late@example.com')).text);

    const expired = await waitFor('the invitation to expire', async () => {
      const view = (await call(t.app, 'GET', `/invitations/${adminInvitation.id}`, operator)).json();
      return view.status === 'expired' ? view : undefined;
    });
    expect(expired).toMatchObject({ status: 'expired', acceptedAt: null, revokedAt: null });

    const refused = await call(t.app, 'POST', '/invitations/acceptance', undefined, {
      token,
      username: 'larry',
      password: 'cobalt meadow sparrow 19',
      name: 'Late Larry',
    });
    const unknown = await call(t.app, 'POST', '/invitations/acceptance', undefined, {
      token: unknownToken(),
      username: 'larry',
      password: 'cobalt meadow sparrow 19',
      name: 'Late Larry',
    });
    expectProblem(refused, 400, 'invitation_invalid');
    expect(sameAnswer(refused)).toEqual(sameAnswer(unknown));
    const users = await call(t.app, 'GET', `/users?agentId=${agentId}`, operator);
    expect(users.json()).toEqual({ items: [], nextCursor: null });

    const list = async (status: string) =>
      (await call(t.app, 'GET', `/invitations?agentId=${agentId}&status=${status}`, operator))
        .json()
        .items.map((i: InvitationView) => i.id);
    expect(await list('expired')).toEqual([adminInvitation.id]);
    expect(await list('pending')).toEqual([]);

    // An expired invitation is not "pending": a new one to the same address is allowed.
    const fresh = await call(t.app, 'POST', '/invitations', operator, {
      email: 'late@example.com',
      role: 'admin',
      agentId,
    });
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(await list('pending')).toEqual([fresh.json().id]);
    // Resending the expired one now would make two pending invitations to one address: refused.
    expectProblem(
      await call(t.app, 'POST', `/invitations/${adminInvitation.id}/resend`, operator),
      409,
      'conflict',
    );
    expect(await list('pending')).toEqual([fresh.json().id]);
  });
});
