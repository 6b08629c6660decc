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
  tryLogin,
  tryRefresh,
} from '../harness/index.js';

interface UserView {
  id: string;
  username: string;
  name: string;
  email: string | null;
  role: string;
  status: string;
  agentId: string | null;
  agent: { id: string; name: string; status: string } | null;
}

describe(`users: scoping, changes, revocation and the last admin (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Users A');
    b = await createTenant(t.app, operator, 'Users B');
  });
  afterAll(async () => t.close());

  const users = async (token: string, query = '') => {
    const response = await call(t.app, 'GET', `/users?limit=200${query}`, token);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { items: UserView[] }).items;
  };

  it("lets an admin list and read only their own agent's users; the operator sees all and filters by agentId", async () => {
    const editor = await a.addUser('editor');

    const own = await users(a.admin.token);
    expect(own.map((u) => u.id).sort()).toEqual([a.admin.id, editor.id].sort());
    expect(own.every((u) => u.agentId === a.agentId && u.agent?.id === a.agentId)).toBe(true);
    // Naming another agent does not widen an admin's view.
    expect(await users(a.admin.token, `&agentId=${b.agentId}`)).toEqual([]);

    const one = await call(t.app, 'GET', `/users/${editor.id}`, a.admin.token);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: editor.id, role: 'editor', agentId: a.agentId });
    expect(one.headers.etag).toMatch(/^"[^"]+"$/);

    // Another agent's user is exactly as absent as a user that does not exist.
    const foreign = await call(t.app, 'GET', `/users/${b.admin.id}`, a.admin.token);
    const missing = await call(t.app, 'GET', `/users/${randomUUID()}`, a.admin.token);
    expectProblem(foreign, 404, 'not_found');
    expectProblem(missing, 404, 'not_found');

    const all = (await users(operator)).map((u) => u.id);
    expect(all).toEqual(expect.arrayContaining([a.admin.id, editor.id, b.admin.id]));
    const onlyB = await users(operator, `&agentId=${b.agentId}`);
    expect(onlyB.map((u) => u.id)).toEqual([b.admin.id]);
    expect((await call(t.app, 'GET', `/users/${b.admin.id}`, operator)).statusCode).toBe(200);

    // An editor may not list users at all.
    expectProblem(await call(t.app, 'GET', '/users', editor.token), 403, 'forbidden');
  });

  it('changes name, role and status with ETag/If-Match; a stale If-Match is 412 and changes nothing', async () => {
    const viewer = await a.addUser('viewer');
    const before = await call(t.app, 'GET', `/users/${viewer.id}`, a.admin.token);
    const etag = before.headers.etag as string;

    const changed = await call(
      t.app,
      'PUT',
      `/users/${viewer.id}`,
      a.admin.token,
      { name: 'Vera Viewer', role: 'editor' },
      { 'if-match': etag },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      id: viewer.id,
      name: 'Vera Viewer',
      role: 'editor',
      status: 'active',
    });
    const newEtag = changed.headers.etag as string;
    expect(newEtag).toBeTruthy();
    expect(newEtag).not.toBe(etag);

    const stale = await call(
      t.app,
      'PUT',
      `/users/${viewer.id}`,
      a.admin.token,
      { name: 'Lost Update', status: 'disabled' },
      { 'if-match': etag },
    );
    expectProblem(stale, 412, 'precondition_failed');
    const after = await call(t.app, 'GET', `/users/${viewer.id}`, a.admin.token);
    expect(after.json()).toMatchObject({ name: 'Vera Viewer', role: 'editor', status: 'active' });
    expect(after.headers.etag).toBe(newEtag);
    // The user still works: the refused change disabled nothing.
    expect((await call(t.app, 'GET', '/users/me', viewer.token)).statusCode).toBe(200);

    // The operator may change any agent's user; another agent's admin may not even see it.
    const byOperator = await call(t.app, 'PUT', `/users/${viewer.id}`, operator, { name: 'Vera V.' });
    expect(byOperator.json()).toMatchObject({ name: 'Vera V.' });
    expectProblem(
      await call(t.app, 'PUT', `/users/${viewer.id}`, b.admin.token, { name: 'Hijack' }),
      404,
      'not_found',
    );
    expect((await call(t.app, 'GET', `/users/${viewer.id}`, operator)).json()).toMatchObject({
      name: 'Vera V.',
    });
  });

  it('disabling a user revokes their tokens at once and refuses their login; enabling lets them in again', async () => {
    const editor = await a.addUser('editor');
    expect((await call(t.app, 'GET', '/users/me', editor.token)).statusCode).toBe(200);

    const disabled = await call(t.app, 'PUT', `/users/${editor.id}`, a.admin.token, { status: 'disabled' });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json()).toMatchObject({ status: 'disabled' });

    expectProblem(await call(t.app, 'GET', '/users/me', editor.token), 401, 'invalid_token');
    const refused = await tryLogin(t.app, editor.username, editor.password);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'invalid_grant' });

    const enabled = await call(t.app, 'PUT', `/users/${editor.id}`, a.admin.token, { status: 'active' });
    expect(enabled.json()).toMatchObject({ status: 'active' });
    // The old token stays revoked; a new login works.
    expectProblem(await call(t.app, 'GET', '/users/me', editor.token), 401, 'invalid_token');
    const again = await login(t.app, editor.username, editor.password);
    expect((await call(t.app, 'GET', '/users/me', again.access_token)).statusCode).toBe(200);
  });

  it('deleting a user revokes their tokens and the user is gone', async () => {
    const viewer = await a.addUser('viewer');
    expect((await call(t.app, 'GET', '/users/me', viewer.token)).statusCode).toBe(200);

    const deleted = await call(t.app, 'DELETE', `/users/${viewer.id}`, a.admin.token);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');

    expectProblem(await call(t.app, 'GET', '/users/me', viewer.token), 401, 'invalid_token');
    expectProblem(await call(t.app, 'GET', `/users/${viewer.id}`, a.admin.token), 404, 'not_found');
    expectProblem(await call(t.app, 'GET', `/users/${viewer.id}`, operator), 404, 'not_found');
    expect((await users(a.admin.token)).map((u) => u.id)).not.toContain(viewer.id);
    const refused = await tryLogin(t.app, viewer.username, viewer.password);
    expect(refused.json()).toMatchObject({ error: 'invalid_grant' });
    expectProblem(await call(t.app, 'DELETE', `/users/${viewer.id}`, a.admin.token), 404, 'not_found');

    const stored = await t.app.ctx.database.db
      .selectFrom('users')
      .select('id')
      .where('id', '=', viewer.id)
      .execute();
    expect(stored).toEqual([]);
  });

  it('refuses to demote, disable or delete the last enabled admin (409, unchanged) until another admin exists', async () => {
    const c = await createTenant(t.app, operator, 'Users C');
    const read = () => call(t.app, 'GET', `/users/${c.admin.id}`, operator);
    const before = await read();

    expectProblem(
      await call(t.app, 'PUT', `/users/${c.admin.id}`, c.admin.token, { role: 'editor' }),
      409,
      'conflict',
    );
    expectProblem(
      await call(t.app, 'PUT', `/users/${c.admin.id}`, operator, { status: 'disabled' }),
      409,
      'conflict',
    );
    expectProblem(await call(t.app, 'DELETE', `/users/${c.admin.id}`, c.admin.token), 409, 'conflict');
    expectProblem(await call(t.app, 'DELETE', `/users/${c.admin.id}`, operator), 409, 'conflict');

    const unchanged = await read();
    expect(unchanged.json()).toMatchObject({ role: 'admin', status: 'active' });
    expect(unchanged.headers.etag).toBe(before.headers.etag);
    expect((await call(t.app, 'GET', '/users/me', c.admin.token)).statusCode).toBe(200);

    // A disabled second admin does not count; an enabled one does.
    const second = await c.addUser('admin');
    await call(t.app, 'PUT', `/users/${second.id}`, c.admin.token, { status: 'disabled' });
    expectProblem(
      await call(t.app, 'PUT', `/users/${c.admin.id}`, c.admin.token, { role: 'viewer' }),
      409,
      'conflict',
    );
    await call(t.app, 'PUT', `/users/${second.id}`, c.admin.token, { status: 'active' });

    const demoted = await call(t.app, 'PUT', `/users/${c.admin.id}`, c.admin.token, { role: 'viewer' });
    expect(demoted.statusCode, demoted.body).toBe(200);
    expect(demoted.json()).toMatchObject({ role: 'viewer', status: 'active' });
    // The demoted admin loses the admin's rights at once.
    expectProblem(await call(t.app, 'GET', '/users', c.admin.token), 403, 'forbidden');

    // Now the second admin is the last one; the first can be disabled and deleted.
    const secondToken = (await login(t.app, second.username, second.password)).access_token;
    expectProblem(await call(t.app, 'DELETE', `/users/${second.id}`, secondToken), 409, 'conflict');
    const disabled = await call(t.app, 'PUT', `/users/${c.admin.id}`, secondToken, { status: 'disabled' });
    expect(disabled.json()).toMatchObject({ status: 'disabled' });
    expect((await call(t.app, 'DELETE', `/users/${c.admin.id}`, secondToken)).statusCode).toBe(204);
    const left = await users(operator, `&agentId=${c.agentId}`);
    expect(left.map((u) => [u.id, u.role, u.status])).toEqual([[second.id, 'admin', 'active']]);
  });

  it('PUT /users/me/password checks the current password and the policy, then ends the other sessions', async () => {
    const editor = await a.addUser('editor');
    const current = editor.token;
    const other = await login(t.app, editor.username, editor.password);

    const wrong = await call(t.app, 'PUT', '/users/me/password', current, {
      currentPassword: 'not my password at all',
      newPassword: 'saffron kettle glacier 93',
    });
    const body = expectProblem(wrong, 400, 'password_incorrect');
    expect(body.errors).toEqual([{ field: '/body/currentPassword', message: 'is wrong' }]);

    for (const weak of ['short pw', 'password1234', 'aaaaaaaaaaaaaaaa', editor.username]) {
      const refused = await call(t.app, 'PUT', '/users/me/password', current, {
        currentPassword: editor.password,
        newPassword: weak,
      });
      const problem = expectProblem(refused, 400, 'validation_failed');
      expect(problem.errors).toEqual([expect.objectContaining({ field: '/body/newPassword' })]);
    }
    // Nothing changed so far: both sessions work and the password is the same.
    expect((await call(t.app, 'GET', '/users/me', other.access_token)).statusCode).toBe(200);

    const changed = await call(t.app, 'PUT', '/users/me/password', current, {
      currentPassword: editor.password,
      newPassword: 'saffron kettle glacier 93',
    });
    expect(changed.statusCode, changed.body).toBe(204);

    expectProblem(await call(t.app, 'GET', '/users/me', other.access_token), 401, 'invalid_token');
    const refreshed = await tryRefresh(t.app, other.refresh_token ?? '');
    expect(refreshed.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await call(t.app, 'GET', '/users/me', current)).statusCode).toBe(200);

    expect((await tryLogin(t.app, editor.username, editor.password)).json()).toMatchObject({
      error: 'invalid_grant',
    });
    const fresh = await login(t.app, editor.username, 'saffron kettle glacier 93');
    expect((await call(t.app, 'GET', '/users/me', fresh.access_token)).json()).toMatchObject({
      id: editor.id,
    });
  });

  it('DELETE /users/me/sessions logs out everywhere: every token of the caller ends, this one too, and no one else’s', async () => {
    const editor = await a.addUser('editor');
    const other = await login(t.app, editor.username, editor.password);
    const colleague = await a.addUser('viewer');

    const ended = await call(t.app, 'DELETE', '/users/me/sessions', editor.token);
    expect(ended.statusCode, ended.body).toBe(204);

    for (const token of [editor.token, other.access_token])
      expectProblem(await call(t.app, 'GET', '/users/me', token), 401, 'invalid_token');
    const refreshed = await tryRefresh(t.app, other.refresh_token ?? '');
    expect(refreshed.json()).toMatchObject({ error: 'invalid_grant' });
    // Another user's session goes on, and the password still logs in.
    expect((await call(t.app, 'GET', '/users/me', colleague.token)).statusCode).toBe(200);
    const again = await login(t.app, editor.username, editor.password);
    expect((await call(t.app, 'GET', '/users/me', again.access_token)).statusCode).toBe(200);

    const audit = await call(
      t.app,
      'GET',
      `/audit-events?action=user.sessions_ended&limit=10`,
      a.admin.token,
    );
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.json().items).toEqual([
      expect.objectContaining({ action: 'user.sessions_ended', target: { type: 'user', id: editor.id } }),
    ]);
  });

  it('keeps usernames unique across agents whatever their case ("Alice" when "alice" exists is 409, nothing stored)', async () => {
    const inviteAndToken = async (tenant: Tenant, email: string) => {
      const invited = await call(t.app, 'POST', '/invitations', tenant.admin.token, {
        email,
        role: 'viewer',
      });
      expect(invited.statusCode, invited.body).toBe(201);
      return {
        id: invited.json().id as string,
        token: tokenFromMail((await latestMailTo(t.app, email)).text),
      };
    };
    const first = await inviteAndToken(a, 'alice.a@example.com');
    await acceptInvitation(t.app, first.token, 'alice', 'marble pigeon sunset 11');

    const second = await inviteAndToken(b, 'alice.b@example.com');
    const countBefore = (await users(operator)).length;
    const taken = await call(t.app, 'POST', '/invitations/acceptance', undefined, {
      token: second.token,
      username: 'Alice',
      password: 'velvet harbour quartz 28',
      name: 'Alice B',
    });
    const problem = expectProblem(taken, 409, 'conflict');
    expect(problem.errors).toEqual([{ field: '/body/username', message: 'is taken' }]);
    expect((await users(operator)).length).toBe(countBefore);
    // The invitation was not used up by the refused acceptance.
    const invitation = await call(t.app, 'GET', `/invitations/${second.id}`, b.admin.token);
    expect(invitation.json()).toMatchObject({ status: 'pending' });
    const user = await acceptInvitation(t.app, second.token, 'alice-b', 'velvet harbour quartz 28');
    expect(user).toMatchObject({ username: 'alice-b', agentId: b.agentId });

    // The stored username is lower-cased, and login is case-insensitive.
    const mixed = await inviteAndToken(a, 'bob.mixed@example.com');
    const bob = await acceptInvitation(t.app, mixed.token, 'Bob.Mixed', 'walnut comet ribbon 64');
    expect(bob.username).toBe('bob.mixed');
    expect((await tryLogin(t.app, 'BOB.MIXED', 'walnut comet ribbon 64')).statusCode).toBe(200);
  });

  it('stores emails lower-cased and trimmed', async () => {
    const invited = await call(t.app, 'POST', '/invitations', a.admin.token, {
      email: 'Carol.Jones@Example.COM',
      role: 'editor',
    });
    expect(invited.statusCode, invited.body).toBe(201);
    expect(invited.json()).toMatchObject({ email: 'carol.jones@example.com' });
    // A second invitation differing only in case is the same address: already pending.
    expectProblem(
      await call(t.app, 'POST', '/invitations', a.admin.token, {
        email: 'CAROL.JONES@example.com',
        role: 'viewer',
      }),
      409,
      'conflict',
    );
    const mail = await latestMailTo(t.app, 'carol.jones@example.com');
    const carol = await acceptInvitation(t.app, tokenFromMail(mail.text), 'carol', 'orchid lantern pebble 5');
    const view = await call(t.app, 'GET', `/users/${carol.id}`, a.admin.token);
    expect(view.json()).toMatchObject({ email: 'carol.jones@example.com' });

    // An address with surrounding spaces is not an email address: refused, never stored as sent.
    const spaced = await call(t.app, 'POST', '/invitations', a.admin.token, {
      email: '  Dave@Example.com ',
      role: 'viewer',
    });
    const problem = expectProblem(spaced, 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ field: '/body/email' })]);

    const stored = await t.app.ctx.database.db.selectFrom('users').select('email').execute();
    for (const { email } of stored) if (email !== null) expect(email).toBe(email.trim().toLowerCase());
    const invitations = await t.app.ctx.database.db.selectFrom('invitations').select('email').execute();
    for (const { email } of invitations) expect(email).toBe(email.trim().toLowerCase());
  });

  it('answers a missing user and another agent’s user the same way on every user route', async () => {
    const missing = randomUUID();
    for (const [method, suffix, payload] of [
      ['GET', '', undefined],
      ['PUT', '', { name: 'X' }],
      ['DELETE', '', undefined],
    ] as const) {
      const foreign = await call(t.app, method, `/users/${b.admin.id}${suffix}`, a.admin.token, payload);
      const unknown = await call(t.app, method, `/users/${missing}${suffix}`, a.admin.token, payload);
      expectProblem(foreign, 404, 'not_found');
      expect(sameAnswer(foreign).title).toBe(sameAnswer(unknown).title);
    }
    expect((await call(t.app, 'GET', `/users/${b.admin.id}`, operator)).json()).toMatchObject({
      status: 'active',
      role: 'admin',
    });
  });
});
