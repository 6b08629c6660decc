import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPages,
  call,
  createTenant,
  dialect,
  expectProblem,
  latestMailTo,
  login,
  startTestApp,
  type TestApp,
  tokenFromMail,
  tryLogin,
} from '../harness/index.js';

interface AgentView {
  id: string;
  name: string;
  status: 'active' | 'suspended';
}

describe(`agents: the operator's registry (${dialect})`, () => {
  let t: TestApp;
  let operator: string;

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
  });
  afterAll(async () => t.close());

  const createAgent = async (name: string, adminEmail: string) => {
    const response = await call(t.app, 'POST', '/agents', operator, {
      name,
      adminEmail,
      adminName: 'First Admin',
    });
    expect(response.statusCode, response.body).toBe(201);
    return response;
  };

  it('creates an agent (201, Location) and queues the invitation of its first admin', async () => {
    const response = await createAgent('  Cosy Homes Co-op ', 'Founder@Cosy.example');
    const agent = response.json();
    expect(response.headers.location).toBe(`/api/v/1/agents/${agent.id}`);
    expect(agent).toMatchObject({
      name: 'Cosy Homes Co-op',
      status: 'active',
      adminInvitation: { email: 'founder@cosy.example' },
    });
    expect(Date.parse(agent.adminInvitation.expiresAt)).toBeGreaterThan(Date.now());

    const fetched = await call(t.app, 'GET', response.headers.location as string, operator);
    expect(fetched.json()).toMatchObject({ id: agent.id, name: 'Cosy Homes Co-op', status: 'active' });

    const invitation = await call(t.app, 'GET', `/invitations/${agent.adminInvitation.id}`, operator);
    expect(invitation.json()).toMatchObject({
      agentId: agent.id,
      email: 'founder@cosy.example',
      name: 'First Admin',
      role: 'admin',
      status: 'pending',
      delivery: { status: expect.stringMatching(/^(pending|sent)$/) },
    });
    const mail = await latestMailTo(t.app, 'founder@cosy.example');
    expect(mail.subject).toContain('Cosy Homes Co-op');
    expect(tokenFromMail(mail.text)).toBeTruthy();

    // Only the operator manages agents.
    const tenant = await createTenant(t.app, operator, 'Not Operator');
    expectProblem(
      await call(t.app, 'POST', '/agents', tenant.admin.token, {
        name: 'Mine',
        adminEmail: 'x@example.com',
        adminName: 'X',
      }),
      403,
      'forbidden',
    );
    expectProblem(await call(t.app, 'GET', '/agents', tenant.admin.token), 403, 'forbidden');
  });

  it('pages the list (limit=1 → nextCursor and Link rel="next", no duplicates), searches by name and filters by status', async () => {
    const tag = `Pagetest${Date.now().toString(36)}`;
    const ids: string[] = [];
    for (const suffix of ['Alpha', 'Beta', 'Gamma']) {
      ids.push(
        (await createAgent(`${tag} ${suffix} Ltd`, `${suffix.toLowerCase()}-${tag}@example.com`)).json().id,
      );
    }

    const first = await call(t.app, 'GET', `/agents?limit=1&q=${tag}`, operator);
    expect(first.statusCode).toBe(200);
    const page = first.json();
    expect(page.items.map((a: AgentView) => a.id)).toEqual([ids[0]]);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(first.headers.link).toBe(
      `</api/v/1/agents?limit=1&q=${tag}&cursor=${page.nextCursor}>; rel="next"`,
    );

    const rest = await call(t.app, 'GET', `/agents?limit=1&q=${tag}&cursor=${page.nextCursor}`, operator);
    expect(rest.json().items.map((a: AgentView) => a.id)).toEqual([ids[1]]);

    const everything = await allPages<AgentView>(t.app, `/agents?limit=1&q=${tag}`, operator);
    expect(everything.map((a) => a.id)).toEqual(ids);

    // Search is case-insensitive, on part of the name.
    const search = await call(
      t.app,
      'GET',
      `/agents?q=${encodeURIComponent(`${tag.toUpperCase()} beta`)}`,
      operator,
    );
    expect(search.json().items.map((a: AgentView) => a.id)).toEqual([ids[1]]);
    const none = await call(t.app, 'GET', `/agents?q=${tag}-nothing`, operator);
    expect(none.json()).toEqual({ items: [], nextCursor: null });

    await call(t.app, 'PUT', `/agents/${ids[2]}`, operator, { status: 'suspended' });
    const suspended = await call(t.app, 'GET', `/agents?q=${tag}&status=suspended`, operator);
    expect(suspended.json().items.map((a: AgentView) => a.id)).toEqual([ids[2]]);
    const active = await call(t.app, 'GET', `/agents?q=${tag}&status=active`, operator);
    expect(active.json().items.map((a: AgentView) => a.id)).toEqual([ids[0], ids[1]]);

    expectProblem(
      await call(t.app, 'GET', '/agents?cursor=not-a-cursor', operator),
      400,
      'validation_failed',
    );
  });

  it('reads one with an ETag, renames with If-Match, and refuses a stale If-Match with 412', async () => {
    const id = (await createAgent('Rename Me Ltd', 'rename@example.com')).json().id;
    const read = await call(t.app, 'GET', `/agents/${id}`, operator);
    expect(read.statusCode).toBe(200);
    const etag = read.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);

    const renamed = await call(
      t.app,
      'PUT',
      `/agents/${id}`,
      operator,
      { name: 'Renamed Ltd' },
      { 'if-match': etag },
    );
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ id, name: 'Renamed Ltd', status: 'active' });
    const newEtag = renamed.headers.etag as string;
    expect(newEtag).not.toBe(etag);

    expectProblem(
      await call(t.app, 'PUT', `/agents/${id}`, operator, { name: 'Lost Update' }, { 'if-match': etag }),
      412,
      'precondition_failed',
    );
    expectProblem(
      await call(t.app, 'DELETE', `/agents/${id}`, operator, undefined, { 'if-match': etag }),
      412,
      'precondition_failed',
    );
    const after = await call(t.app, 'GET', `/agents/${id}`, operator);
    expect(after.json()).toMatchObject({ name: 'Renamed Ltd', status: 'active' });
    expect(after.headers.etag).toBe(newEtag);

    expectProblem(await call(t.app, 'GET', `/agents/${randomUUID()}`, operator), 404, 'not_found');
    expectProblem(
      await call(t.app, 'PUT', `/agents/${randomUUID()}`, operator, { name: 'Ghost' }),
      404,
      'not_found',
    );
  });

  it("suspending refuses every call of the agent's users with 403 agent_suspended until it is reactivated", async () => {
    const tenant = await createTenant(t.app, operator, 'Suspend');
    const editor = await tenant.addUser('editor');
    const calls = (token: string) => [
      call(t.app, 'GET', '/users/me', token),
      call(t.app, 'GET', '/users', token),
      call(t.app, 'GET', `/users/${tenant.admin.id}`, token),
      call(t.app, 'GET', '/invitations', token),
      call(t.app, 'POST', '/invitations', token, { email: 'late@example.com', role: 'viewer' }),
      call(t.app, 'GET', '/audit-events', token),
      call(t.app, 'PUT', '/users/me/password', token, {
        currentPassword: 'whatever it is',
        newPassword: 'another long passphrase 1',
      }),
    ];
    // Both users have been working (their token checks may be cached).
    expect((await call(t.app, 'GET', '/users/me', tenant.admin.token)).statusCode).toBe(200);
    expect((await call(t.app, 'GET', '/users/me', editor.token)).statusCode).toBe(200);

    const suspended = await call(t.app, 'PUT', `/agents/${tenant.agentId}`, operator, {
      status: 'suspended',
    });
    expect(suspended.statusCode, suspended.body).toBe(200);
    expect(suspended.json()).toMatchObject({ status: 'suspended' });

    for (const token of [tenant.admin.token, editor.token]) {
      for (const response of await Promise.all(calls(token))) {
        const problem = expectProblem(response, 403, 'agent_suspended');
        expect(problem.detail).toContain('suspended');
      }
    }
    // Nothing was done on their behalf meanwhile.
    const invitations = await call(t.app, 'GET', `/invitations?agentId=${tenant.agentId}`, operator);
    expect(invitations.json().items.map((i: { email: string }) => i.email)).not.toContain('late@example.com');

    const reactivated = await call(t.app, 'PUT', `/agents/${tenant.agentId}`, operator, { status: 'active' });
    expect(reactivated.json()).toMatchObject({ status: 'active' });
    expect((await call(t.app, 'GET', '/users/me', tenant.admin.token)).statusCode).toBe(200);
    expect((await call(t.app, 'GET', '/users', tenant.admin.token)).statusCode).toBe(200);
    expect((await call(t.app, 'GET', '/users/me', editor.token)).statusCode).toBe(200);
  });

  it('deletes an agent (204): its users can no longer log in and are gone; unknown ids are 404', async () => {
    const tenant = await createTenant(t.app, operator, 'Delete');
    const viewer = await tenant.addUser('viewer');
    expect((await call(t.app, 'GET', '/users/me', viewer.token)).statusCode).toBe(200);

    const etag = (await call(t.app, 'GET', `/agents/${tenant.agentId}`, operator)).headers.etag as string;
    const deleted = await call(t.app, 'DELETE', `/agents/${tenant.agentId}`, operator, undefined, {
      'if-match': etag,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(deleted.body).toBe('');

    expectProblem(await call(t.app, 'GET', `/agents/${tenant.agentId}`, operator), 404, 'not_found');
    for (const user of [tenant.admin, viewer]) {
      expectProblem(await call(t.app, 'GET', '/users/me', user.token), 401, 'invalid_token');
      expect((await tryLogin(t.app, user.username, user.password)).json()).toMatchObject({
        error: 'invalid_grant',
      });
      expectProblem(await call(t.app, 'GET', `/users/${user.id}`, operator), 404, 'not_found');
    }
    const left = await call(t.app, 'GET', `/users?agentId=${tenant.agentId}`, operator);
    expect(left.json()).toEqual({ items: [], nextCursor: null });
    const invitations = await call(t.app, 'GET', `/invitations?agentId=${tenant.agentId}`, operator);
    expect(invitations.json()).toEqual({ items: [], nextCursor: null });
    const listed = await call(t.app, 'GET', '/agents?limit=200', operator);
    expect(listed.json().items.map((a: AgentView) => a.id)).not.toContain(tenant.agentId);

    expectProblem(await call(t.app, 'DELETE', `/agents/${tenant.agentId}`, operator), 404, 'not_found');
    expectProblem(await call(t.app, 'DELETE', `/agents/${randomUUID()}`, operator), 404, 'not_found');
  });
});
