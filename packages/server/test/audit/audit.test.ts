import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPages,
  call,
  createTenant,
  dialect,
  expectProblem,
  login,
  OPERATOR,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

interface AuditEvent {
  id: string;
  at: string;
  agentId: string | null;
  actor: { id: string; username: string; role: string } | null;
  action: string;
  target: { type: string; id: string | null };
  details: Record<string, unknown>;
  address: string | null;
}

describe(`the audit trail (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let operatorActor: { id: string; username: string; role: string };
  let a: Tenant;
  let b: Tenant;
  let c: Tenant;
  let editor: { id: string; username: string; token: string };
  let adminInvitationId: string;
  const started = new Date().toISOString();

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
    const me = (await call(t.app, 'GET', '/users/me', operator)).json();
    operatorActor = { id: me.id, username: OPERATOR.username, role: 'operator' };

    // The changes the trail must show, made through the API as users make them.
    a = await createTenant(t.app, operator, 'Audited');
    editor = await a.addUser('editor');
    const renamed = await call(t.app, 'PUT', `/users/${editor.id}`, a.admin.token, { name: 'Eddie Edited' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    for (const status of ['suspended', 'active']) {
      const changed = await call(t.app, 'PUT', `/agents/${a.agentId}`, operator, { status });
      expect(changed.statusCode, changed.body).toBe(200);
    }
    expect((await call(t.app, 'DELETE', `/users/${editor.id}`, a.admin.token)).statusCode).toBe(204);

    b = await createTenant(t.app, operator, 'Doomed');
    expect((await call(t.app, 'DELETE', `/agents/${b.agentId}`, operator)).statusCode).toBe(204);
    c = await createTenant(t.app, operator, 'Bystander');

    const invitations = await call(t.app, 'GET', `/invitations?agentId=${a.agentId}`, operator);
    adminInvitationId = invitations.json().items[0].id;
  });
  afterAll(async () => t.close());

  const events = async (query: string, token = operator): Promise<AuditEvent[]> => {
    const response = await call(t.app, 'GET', `/audit-events?limit=200${query}`, token);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items;
  };

  it('records every change with its actor, action, target and address, in order', async () => {
    const trail = await events(`&agentId=${a.agentId}`);
    expect(trail.map((e) => e.action)).toEqual([
      'agent.created',
      'invitation.sent',
      'invitation.accepted',
      'invitation.sent',
      'invitation.accepted',
      'user.updated',
      'agent.suspended',
      'agent.reactivated',
      'user.deleted',
    ]);
    const adminActor = { id: a.admin.id, username: a.admin.username, role: 'admin' };
    const editorActor = { id: editor.id, username: editor.username, role: 'editor' };
    const agentTarget = { type: 'agent', id: a.agentId };
    expect(trail).toMatchObject([
      { actor: operatorActor, target: agentTarget, details: { name: expect.stringContaining('Audited') } },
      {
        actor: operatorActor,
        target: { type: 'invitation', id: adminInvitationId },
        details: { role: 'admin' },
      },
      {
        actor: adminActor,
        target: { type: 'invitation', id: adminInvitationId },
        details: { userId: a.admin.id, role: 'admin' },
      },
      { actor: adminActor, target: { type: 'invitation' }, details: { role: 'editor' } },
      { actor: editorActor, target: { type: 'invitation' }, details: { userId: editor.id } },
      {
        actor: adminActor,
        target: { type: 'user', id: editor.id },
        details: { name: { from: editor.username, to: 'Eddie Edited' } },
      },
      { actor: operatorActor, target: agentTarget, details: { status: { from: 'active', to: 'suspended' } } },
      { actor: operatorActor, target: agentTarget, details: { status: { from: 'suspended', to: 'active' } } },
      { actor: adminActor, target: { type: 'user', id: editor.id }, details: { username: editor.username } },
    ]);
    for (const event of trail) {
      expect(event.agentId).toBe(a.agentId);
      expect(event.address).toBe('127.0.0.1');
      expect(event.at >= started).toBe(true);
    }
    // No secret ever reaches the trail.
    expect(JSON.stringify(trail)).not.toMatch(/password|token_hash/i);

    const deletion = await events(`&agentId=${b.agentId}`);
    expect(deletion.at(-1)).toMatchObject({
      action: 'agent.deleted',
      actor: operatorActor,
      target: { type: 'agent', id: b.agentId },
      address: '127.0.0.1',
    });
  });

  it("shows an admin only their own agent's events; the operator sees all and filters by agentId", async () => {
    const all = (await events('')).map((e) => e.agentId);
    expect(new Set(all)).toEqual(new Set([a.agentId, b.agentId, c.agentId]));

    const own = await events('', a.admin.token);
    expect(own.map((e) => e.id)).toEqual((await events(`&agentId=${a.agentId}`)).map((e) => e.id));
    const cOwn = await events('', c.admin.token);
    expect(cOwn.length).toBeGreaterThan(0);
    expect(cOwn.every((e) => e.agentId === c.agentId)).toBe(true);
    // Naming another agent does not widen an admin's view.
    expect(await events(`&agentId=${a.agentId}`, c.admin.token)).toEqual([]);

    const anEditor = await c.addUser('editor');
    expectProblem(await call(t.app, 'GET', '/audit-events', anEditor.token), 403, 'forbidden');
  });

  it('filters by kind ("user") and by exact action ("user.updated")', async () => {
    const users = await events(`&agentId=${a.agentId}&action=user`);
    expect(users.map((e) => e.action)).toEqual(['user.updated', 'user.deleted']);
    const updated = await events(`&agentId=${a.agentId}&action=user.updated`);
    expect(updated.map((e) => [e.action, e.target.id])).toEqual([['user.updated', editor.id]]);
    const invitations = await events(`&agentId=${a.agentId}&action=invitation`);
    expect(invitations.map((e) => e.action)).toEqual([
      'invitation.sent',
      'invitation.accepted',
      'invitation.sent',
      'invitation.accepted',
    ]);
    // A kind matches whole kinds only: "agent" is not "agents", nor a prefix of another word.
    expect(await events(`&agentId=${a.agentId}&action=agents`)).toEqual([]);
    expect(await events(`&agentId=${a.agentId}&action=use`)).toEqual([]);
  });

  it('filters by time: from is inclusive, to is exclusive', async () => {
    const trail = await events(`&agentId=${a.agentId}`);
    const pivot = trail.find((e) => e.action === 'user.updated')?.at as string;
    const later = trail.filter((e) => e.at >= pivot).map((e) => e.id);
    const earlier = trail.filter((e) => e.at < pivot).map((e) => e.id);
    expect(later.length).toBeGreaterThan(0);
    expect(earlier.length).toBeGreaterThan(0);

    expect((await events(`&agentId=${a.agentId}&from=${pivot}`)).map((e) => e.id)).toEqual(later);
    expect((await events(`&agentId=${a.agentId}&to=${pivot}`)).map((e) => e.id)).toEqual(earlier);
    const suspendedAt = trail.find((e) => e.action === 'agent.suspended')?.at as string;
    const between = await events(`&agentId=${a.agentId}&from=${pivot}&to=${suspendedAt}`);
    expect(between.map((e) => e.id)).toEqual(
      trail.filter((e) => e.at >= pivot && e.at < suspendedAt).map((e) => e.id),
    );
    expect(await events(`&agentId=${a.agentId}&to=${started}`)).toEqual([]);
    // A time with an offset means the same instant.
    const offset = new Date(Date.parse(pivot)).toISOString().replace('Z', '+00:00');
    expect(
      (await events(`&agentId=${a.agentId}&from=${encodeURIComponent(offset)}`)).map((e) => e.id),
    ).toEqual(later);
  });

  it('pages with limit and cursor, without duplicates', async () => {
    const trail = await events(`&agentId=${a.agentId}`);
    const paged = await allPages<AuditEvent>(t.app, `/audit-events?agentId=${a.agentId}&limit=2`, operator);
    expect(paged.map((e) => e.id)).toEqual(trail.map((e) => e.id));
    const first = await call(t.app, 'GET', `/audit-events?agentId=${a.agentId}&limit=2`, operator);
    expect(first.json().items).toHaveLength(2);
    expect(first.headers.link).toContain('rel="next"');
  });

  it('refuses bad time filters and actions with 400', async () => {
    for (const query of [
      'from=yesterday',
      'to=2024-13-45T00:00:00Z',
      'from=1700000000000',
      `from=${encodeURIComponent('2025-02-01T00:00:00Z')}&to=${encodeURIComponent('2025-01-01T00:00:00Z')}`,
      'action=User%20Updated',
      'action=user.updated.twice',
      'cursor=bogus',
    ]) {
      const problem = expectProblem(
        await call(t.app, 'GET', `/audit-events?${query}`, operator),
        400,
        'validation_failed',
      );
      expect(problem.errors).toEqual([
        expect.objectContaining({ field: expect.stringMatching(/^\/query\//) }),
      ]);
    }
  });
});
