import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createGroup,
  createTenant,
  dialect,
  expectProblem,
  login,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

describe(`notification subscriptions API: create, read, change, delete, bad input, isolation (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let a: Tenant;
  let b: Tenant;
  let viewer: { token: string };

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Subs A');
    b = await createTenant(t.app, operator, 'Subs B');
    viewer = await a.addUser('viewer');
  });
  afterAll(async () => t?.close());

  const create = async (token: string, body: Record<string, unknown> = {}) => {
    const response = await call(t.app, 'POST', '/notification-subscriptions', token, {
      email: 'Alerts@Example.com',
      mode: 'immediate',
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response;
  };

  it('creates (201, Location, ETag, defaults), reads, changes with If-Match, lists and deletes', async () => {
    const created = await create(a.admin.token);
    const view = created.json();
    expect(view).toMatchObject({
      agentId: a.agentId,
      email: 'alerts@example.com',
      mode: 'immediate',
      events: ['alarm.raised', 'alarm.cleared', 'alarm.acknowledged', 'alarm.reopened'],
      severities: ['critical', 'major', 'minor', 'warning'],
      groupIds: [],
      lastDigestAt: null,
    });
    expect(created.headers.location).toBe(`/api/v/1/notification-subscriptions/${view.id}`);
    expect(created.headers.etag).toBe('"r1"');
    expect(
      (await call(t.app, 'GET', `/notification-subscriptions/${view.id}`, a.admin.token)).json(),
    ).toEqual(view);

    const group = await createGroup(t.app, a.admin.token, `Subs ${randomUUID()}`);
    expectProblem(
      await call(
        t.app,
        'PUT',
        `/notification-subscriptions/${view.id}`,
        a.admin.token,
        { mode: 'digest' },
        { 'if-match': '"r2"' },
      ),
      412,
      'precondition_failed',
    );
    const changed = await call(
      t.app,
      'PUT',
      `/notification-subscriptions/${view.id}`,
      a.admin.token,
      { mode: 'digest', severities: ['critical'], groupIds: [group] },
      { 'if-match': '"r1"' },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      mode: 'digest',
      severities: ['critical'],
      groupIds: [group],
      email: 'alerts@example.com',
    });
    expect(changed.json().lastDigestAt).toEqual(expect.any(String));
    expect(changed.headers.etag).toBe('"r2"');

    await create(a.admin.token, { mode: 'digest', email: 'second@example.com' });
    const digests = await call(
      t.app,
      'GET',
      '/notification-subscriptions?mode=digest&limit=1',
      a.admin.token,
    );
    expect(digests.json().items).toHaveLength(1);
    expect(digests.json().nextCursor).toEqual(expect.any(String));
    const rest = await call(
      t.app,
      'GET',
      `/notification-subscriptions?mode=digest&cursor=${digests.json().nextCursor}`,
      a.admin.token,
    );
    expect(rest.json().items.every((s: { mode: string }) => s.mode === 'digest')).toBe(true);

    expect(
      (
        await call(t.app, 'DELETE', `/notification-subscriptions/${view.id}`, a.admin.token, undefined, {
          'if-match': '"r2"',
        })
      ).statusCode,
    ).toBe(204);
    expectProblem(
      await call(t.app, 'GET', `/notification-subscriptions/${view.id}`, a.admin.token),
      404,
      'not_found',
    );
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ email: 'not-an-email' }, '/body/email'],
      [{ mode: 'weekly' }, '/body/mode'],
      [{ severities: ['urgent'] }, '/body/severities/0'],
      [{ events: [] }, '/body/events'],
      [{ groupIds: [await createGroup(t.app, b.admin.token, `B ${randomUUID()}`)] }, '/body/groupIds'],
      [{ lastDigestAt: '2026-01-01T00:00:00Z' }, '/body/lastDigestAt'],
      [{ agentId: 'nope' }, '/body/agentId'],
    ];
    for (const [body, field] of bad) {
      const problem = expectProblem(
        await call(t.app, 'POST', '/notification-subscriptions', a.admin.token, {
          email: 'x@example.com',
          mode: 'immediate',
          ...body,
        }),
        400,
        'validation_failed',
      );
      expect(
        (problem.errors as Array<{ field: string }>).map((e) => e.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    const { id } = (await create(a.admin.token)).json();
    expectProblem(
      await call(t.app, 'PUT', `/notification-subscriptions/${id}`, a.admin.token, {}),
      400,
      'validation_failed',
    );
    expectProblem(
      await call(t.app, 'POST', '/notification-subscriptions', operator, {
        email: 'x@example.com',
        mode: 'digest',
      }),
      400,
      'validation_failed',
    );
    const named = await create(operator, { agentId: b.agentId });
    expect(named.json().agentId).toBe(b.agentId);
  });

  it("another agent's subscription is 404 on every route, exactly as one that does not exist; viewers are refused", async () => {
    const { id } = (await create(b.admin.token)).json();
    const missing = randomUUID();
    for (const [method, body] of [['GET'], ['PUT', { mode: 'digest' }], ['DELETE']] as const) {
      const theirs = await call(t.app, method, `/notification-subscriptions/${id}`, a.admin.token, body);
      const absent = await call(t.app, method, `/notification-subscriptions/${missing}`, a.admin.token, body);
      expectProblem(theirs, 404, 'not_found');
      expect(theirs.json().detail.replace(id, '{id}')).toBe(absent.json().detail.replace(missing, '{id}'));
      expectProblem(
        await call(t.app, method, `/notification-subscriptions/${id}`, viewer.token, body),
        403,
        'forbidden',
      );
    }
    expect(
      (await call(t.app, 'GET', `/notification-subscriptions?agentId=${b.agentId}`, a.admin.token)).json(),
    ).toEqual({
      items: [],
      nextCursor: null,
    });
    expectProblem(
      await call(t.app, 'POST', '/notification-subscriptions', a.admin.token, {
        email: 'x@example.com',
        mode: 'digest',
        agentId: b.agentId,
      }),
      404,
      'not_found',
    );
    expect((await call(t.app, 'GET', `/notification-subscriptions/${id}`, b.admin.token)).json().mode).toBe(
      'immediate',
    );
  });
});
