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

const URL_OK = 'https://hooks.example.com/hearth';

describe(`webhooks API: create, read, change, delete, bad input, isolation (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let a: Tenant;
  let b: Tenant;
  let editor: { token: string };

  beforeAll(async () => {
    // The default configuration: private networks refused.
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Hooks A');
    b = await createTenant(t.app, operator, 'Hooks B');
    editor = await a.addUser('editor');
  });
  afterAll(async () => t?.close());

  const create = async (token: string, body: Record<string, unknown> = {}) => {
    const response = await call(t.app, 'POST', '/webhooks', token, { url: URL_OK, ...body });
    expect(response.statusCode, response.body).toBe(201);
    return response;
  };

  it('creates a webhook (201, Location, ETag, secret once, defaults), reads, changes with If-Match and deletes it', async () => {
    const created = await create(a.admin.token, { description: '  Ops pager  ' });
    const view = created.json();
    expect(view).toMatchObject({
      agentId: a.agentId,
      url: URL_OK,
      description: 'Ops pager',
      events: ['alarm.raised', 'alarm.cleared', 'alarm.acknowledged', 'alarm.reopened'],
      severities: ['critical', 'major', 'minor', 'warning'],
      groupIds: [],
      status: 'active',
      disabledAt: null,
      disabledReason: null,
      consecutiveFailures: 0,
    });
    expect(created.headers.location).toBe(`/api/v/1/webhooks/${view.id}`);
    expect(created.headers.etag).toBe('"r1"');
    const read = await call(t.app, 'GET', `/webhooks/${view.id}`, a.admin.token);
    const { secret, ...withoutSecret } = view;
    expect(read.json()).toEqual(withoutSecret);
    expect(read.body).not.toContain(secret);

    const group = await createGroup(t.app, a.admin.token, `Hooked ${randomUUID()}`);
    expectProblem(
      await call(
        t.app,
        'PUT',
        `/webhooks/${view.id}`,
        a.admin.token,
        { severities: ['critical'] },
        { 'if-match': '"r9"' },
      ),
      412,
      'precondition_failed',
    );
    const changed = await call(
      t.app,
      'PUT',
      `/webhooks/${view.id}`,
      a.admin.token,
      { severities: ['critical'], groupIds: [group], events: ['alarm.raised'], description: null },
      { 'if-match': '"r1"' },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      severities: ['critical'],
      groupIds: [group],
      events: ['alarm.raised'],
      description: null,
      url: URL_OK,
    });
    expect(changed.headers.etag).toBe('"r2"');

    const rotated = await call(t.app, 'POST', `/webhooks/${view.id}/secret`, a.admin.token);
    expect(rotated.json().secret).not.toBe(secret);
    expect(rotated.headers.etag).toBe('"r3"');
    const deliveries = await call(t.app, 'GET', `/webhooks/${view.id}/deliveries`, a.admin.token);
    expect(deliveries.json()).toEqual({ items: [], nextCursor: null });

    expectProblem(
      await call(t.app, 'DELETE', `/webhooks/${view.id}`, a.admin.token, undefined, { 'if-match': '"r2"' }),
      412,
      'precondition_failed',
    );
    expect(
      (await call(t.app, 'DELETE', `/webhooks/${view.id}`, a.admin.token, undefined, { 'if-match': '"r3"' }))
        .statusCode,
    ).toBe(204);
    expectProblem(await call(t.app, 'GET', `/webhooks/${view.id}`, a.admin.token), 404, 'not_found');
  });

  it('lists with a cursor; the operator names the agent', async () => {
    for (let i = 0; i < 3; i++) await create(a.admin.token);
    const first = await call(t.app, 'GET', '/webhooks?limit=2', a.admin.token);
    expect(first.json().items).toHaveLength(2);
    expect(first.headers.link).toMatch(/rel="next"/);
    const second = await call(
      t.app,
      'GET',
      `/webhooks?limit=200&cursor=${first.json().nextCursor}`,
      a.admin.token,
    );
    expect(second.json().items.length).toBeGreaterThan(0);
    const ids = [...first.json().items, ...second.json().items].map((w: { id: string }) => w.id);
    expect(new Set(ids).size).toBe(ids.length);

    expectProblem(
      await call(t.app, 'POST', '/webhooks', operator, { url: URL_OK }),
      400,
      'validation_failed',
    );
    const byOperator = await create(operator, { agentId: b.agentId });
    expect(byOperator.json().agentId).toBe(b.agentId);
    const theirs = await call(t.app, 'GET', `/webhooks?agentId=${b.agentId}`, operator);
    expect(theirs.json().items.map((w: { agentId: string }) => w.agentId)).toEqual([b.agentId]);
  });

  it('refuses bad URLs with a 400 naming /body/url and saying why', async () => {
    const cases: Array<[string, RegExp]> = [
      ['http://hooks.example.com/hearth', /must be https/],
      ['https://127.0.0.1/hook', /loopback, link-local or private/],
      ['https://localhost:8443/hook', /loopback, link-local or private/],
      ['https://10.1.2.3/hook', /private/],
      ['https://192.168.1.10/hook', /private/],
      ['https://169.254.169.254/latest/meta-data', /private/],
      ['https://[::1]/hook', /private/],
      ['https://[::ffff:10.0.0.1]/hook', /private/],
      ['https://intranet/hook', /private/],
      ['https://printer.local/hook', /private/],
      ['ftp://hooks.example.com/x', /must be https/],
      ['not a url', /not an absolute URL/],
      ['https://user:pass@hooks.example.com/x', /credentials/],
      ['https://hooks.example.com/x#frag', /fragment/],
    ];
    for (const [url, why] of cases) {
      const problem = expectProblem(
        await call(t.app, 'POST', '/webhooks', a.admin.token, { url }),
        400,
        'validation_failed',
      );
      const errors = problem.errors as Array<{ field: string; message: string }>;
      expect(errors[0]?.field, url).toBe('/body/url');
      expect(errors[0]?.message, url).toMatch(why);
    }
    const { id } = (await create(a.admin.token)).json();
    const problem = expectProblem(
      await call(t.app, 'PUT', `/webhooks/${id}`, a.admin.token, { url: 'https://10.0.0.1/' }),
      400,
      'validation_failed',
    );
    expect(problem.errors).toEqual([{ field: '/body/url', message: expect.stringMatching(/private/) }]);
  });

  it('refuses unknown fields, bad event types and severities, foreign groups and empty changes', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ secret: 'mine' }, '/body/secret'],
      [{ status: 'disabled' }, '/body/status'],
      [{ severities: ['fatal'] }, '/body/severities/0'],
      [{ severities: [] }, '/body/severities'],
      [{ severities: ['major', 'major'] }, '/body/severities'],
      [{ events: ['alarm.exploded'] }, '/body/events/0'],
      [{ groupIds: ['not-a-uuid'] }, '/body/groupIds/0'],
      [{ groupIds: [await createGroup(t.app, b.admin.token, `B ${randomUUID()}`)] }, '/body/groupIds'],
      [{ groupIds: [randomUUID()] }, '/body/groupIds'],
    ];
    for (const [body, field] of bad) {
      const problem = expectProblem(
        await call(t.app, 'POST', '/webhooks', a.admin.token, { url: URL_OK, ...body }),
        400,
        'validation_failed',
      );
      const fields = (problem.errors as Array<{ field: string }>).map((e) => e.field);
      expect(fields, JSON.stringify(body)).toContain(field);
    }
    const { id } = (await create(a.admin.token)).json();
    expectProblem(await call(t.app, 'PUT', `/webhooks/${id}`, a.admin.token, {}), 400, 'validation_failed');
    expectProblem(
      await call(t.app, 'PUT', `/webhooks/${id}`, a.admin.token, { secret: 'x' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call(t.app, 'GET', `/webhooks/${id}/deliveries?status=lost`, a.admin.token),
      400,
      'validation_failed',
    );
  });

  it("another agent's webhook is 404 on every route, exactly as one that does not exist; editors are refused", async () => {
    const { id } = (await create(b.admin.token)).json();
    const missing = randomUUID();
    const routes: Array<['GET' | 'PUT' | 'DELETE' | 'POST', string, unknown?]> = [
      ['GET', '/webhooks/:id'],
      ['PUT', '/webhooks/:id', { severities: ['critical'] }],
      ['DELETE', '/webhooks/:id'],
      ['POST', '/webhooks/:id/secret'],
      ['POST', '/webhooks/:id/ping'],
      ['GET', '/webhooks/:id/deliveries'],
    ];
    for (const [method, path, body] of routes) {
      const theirs = await call(t.app, method, path.replace(':id', id), a.admin.token, body);
      const absent = await call(t.app, method, path.replace(':id', missing), a.admin.token, body);
      expectProblem(theirs, 404, 'not_found');
      expect(theirs.json().detail.replace(id, '{id}')).toBe(absent.json().detail.replace(missing, '{id}'));
      expectProblem(await call(t.app, method, path.replace(':id', id), editor.token, body), 403, 'forbidden');
    }
    const mine = await call(t.app, 'GET', `/webhooks?agentId=${b.agentId}`, a.admin.token);
    expect(mine.json()).toEqual({ items: [], nextCursor: null });
    // Still there, untouched, for its own agent.
    expect((await call(t.app, 'GET', `/webhooks/${id}`, b.admin.token)).json()).toMatchObject({
      status: 'active',
      severities: ['critical', 'major', 'minor', 'warning'],
    });
    expectProblem(
      await call(t.app, 'POST', '/webhooks', a.admin.token, { url: URL_OK, agentId: b.agentId }),
      404,
      'not_found',
    );
  });
});
