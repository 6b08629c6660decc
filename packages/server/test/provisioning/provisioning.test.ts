import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPages,
  call,
  createTenant,
  dialect,
  expectProblem,
  login,
  startTestApp,
  submitHome,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

interface Definition {
  id: string;
  homeId: string;
  service: 'amr' | 'insight' | 'performance' | 'fault_management';
  status: 'pending' | 'active' | 'suspended' | 'failed';
  revision: number;
  settings: Record<string, unknown>;
}

interface AuditEvent {
  id: string;
  action: string;
  target: { type: string; id: string | null };
  details: Record<string, unknown>;
}

describe(`service provisioning definitions (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;
  let editor: { token: string };

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Provisioning');
    editor = await tenant.addUser('editor');
  });
  afterAll(async () => t.close());

  const base = (homeId: string) => `/homes/${homeId}/provisioning`;
  const definitions = async (homeId: string): Promise<Definition[]> => {
    const response = await call(t.app, 'GET', base(homeId), tenant.admin.token);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items;
  };
  const definition = async (homeId: string, service: string): Promise<Definition> => {
    const found = (await definitions(homeId)).find((d) => d.service === service);
    if (!found) throw new Error(`no ${service} on ${homeId}`);
    return found;
  };
  const read = (homeId: string, id: string) =>
    call(t.app, 'GET', `${base(homeId)}/${id}`, tenant.admin.token);
  const events = (action: string) =>
    allPages<AuditEvent>(t.app, `/audit-events?limit=200&action=${action}`, tenant.admin.token);

  it('lists a home’s definitions and reads one with an ETag', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-READ');
    const items = await definitions(homeId);
    expect(items.map((d) => d.service).sort()).toEqual(['amr', 'fault_management', 'insight', 'performance']);
    expect(items.every((d) => d.homeId === homeId && d.status === 'pending' && d.revision === 1)).toBe(true);
    const amr = items.find((d) => d.service === 'amr') as Definition;
    expect(amr.settings).toEqual({ intervalSeconds: 60 });
    expect(items.find((d) => d.service === 'fault_management')?.settings).toEqual({
      recipients: ['alerts@example.com'],
    });

    const one = await read(homeId, amr.id);
    expect(one.statusCode).toBe(200);
    expect(one.headers.etag).toMatch(/^"[^"]+"$/);
    expect(one.json()).toEqual(amr);
    // A definition is reached only through its own home.
    const { homeId: otherHome } = await submitHome(t.app, tenant.admin.token, 'PROV-READ-2');
    expectProblem(await read(otherHome, amr.id), 404, 'not_found');
    expectProblem(await read(homeId, randomUUID()), 404, 'not_found');
  });

  it('PUT settings bumps the revision and the ETag, and is audited', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-PUT');
    const amr = await definition(homeId, 'amr');
    const etag = (await read(homeId, amr.id)).headers.etag as string;

    const changed = await call(
      t.app,
      'PUT',
      `${base(homeId)}/${amr.id}`,
      editor.token,
      { settings: { intervalSeconds: 300 } },
      { 'if-match': etag },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      revision: 2,
      status: 'pending',
      settings: { intervalSeconds: 300 },
    });
    expect(changed.headers.etag).not.toBe(etag);
    expect((await read(homeId, amr.id)).json()).toMatchObject({
      revision: 2,
      settings: { intervalSeconds: 300 },
    });

    const fm = await definition(homeId, 'fault_management');
    const recipients = await call(t.app, 'PUT', `${base(homeId)}/${fm.id}`, tenant.admin.token, {
      settings: {
        recipients: ['night-shift@example.com'],
        thresholds: { 'high_flow_temperature.marginK': 12 },
      },
    });
    expect(recipients.statusCode, recipients.body).toBe(200);
    expect(recipients.json().settings).toEqual({
      recipients: ['night-shift@example.com'],
      thresholds: { 'high_flow_temperature.marginK': 12 },
    });

    const audited = (await events('provisioning.updated')).filter((e) => e.target.id === amr.id);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      target: { type: 'provisioning', id: amr.id },
      details: { homeId, service: 'amr', settings: { intervalSeconds: 300 } },
    });
  });

  it('suspends and resumes a service: resuming puts it back to pending; both are audited', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-SUSPEND');
    const insight = await definition(homeId, 'insight');
    const suspended = await call(t.app, 'PUT', `${base(homeId)}/${insight.id}`, editor.token, {
      status: 'suspended',
    });
    expect(suspended.statusCode).toBe(200);
    expect(suspended.json()).toMatchObject({ status: 'suspended', revision: 2 });
    const home = (await call(t.app, 'GET', `/homes/${homeId}`, tenant.admin.token)).json();
    expect(home.provisioning.find((p: { id: string }) => p.id === insight.id).status).toBe('suspended');

    const resumed = await call(t.app, 'PUT', `${base(homeId)}/${insight.id}`, editor.token, {
      status: 'active',
    });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ status: 'pending', revision: 3 });
    const audited = (await events('provisioning.updated')).filter((e) => e.target.id === insight.id);
    expect(audited.map((e) => e.details.status)).toEqual(['suspended', 'active']);
  });

  it('a setting that does not belong to the service is 400 naming /body/settings/<key>; nothing changes', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-WRONG');
    const amr = await definition(homeId, 'amr');
    const refused = expectProblem(
      await call(t.app, 'PUT', `${base(homeId)}/${amr.id}`, tenant.admin.token, {
        settings: { recipients: ['x@example.com'] },
      }),
      400,
      'validation_failed',
    );
    expect(refused.errors).toEqual([{ field: '/body/settings/recipients', message: expect.any(String) }]);
    const insight = await definition(homeId, 'insight');
    const refused2 = expectProblem(
      await call(t.app, 'PUT', `${base(homeId)}/${insight.id}`, tenant.admin.token, {
        settings: { intervalSeconds: 60, thresholds: { 'cop.min': 2 } },
      }),
      400,
      'validation_failed',
    );
    expect((refused2.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      '/body/settings/intervalSeconds',
      '/body/settings/thresholds',
    ]);
    expect((await read(homeId, amr.id)).json()).toEqual(amr);
    expect((await read(homeId, insight.id)).json()).toEqual(insight);
  });

  it('POST adds a service (201, Location, ETag); an existing one is 409; insight without amr is 422', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-ADD', { services: { amr: {} } });
    expect((await definitions(homeId)).map((d) => d.service)).toEqual(['amr']);

    const added = await call(t.app, 'POST', base(homeId), editor.token, {
      service: 'fault_management',
      settings: { recipients: ['ops@example.com'] },
    });
    expect(added.statusCode, added.body).toBe(201);
    const created = added.json() as Definition;
    expect(created).toMatchObject({
      homeId,
      service: 'fault_management',
      status: 'pending',
      revision: 1,
      settings: { recipients: ['ops@example.com'] },
    });
    expect(added.headers.location).toBe(`/api/v/1${base(homeId)}/${created.id}`);
    expect(added.headers.etag).toMatch(/^"[^"]+"$/);
    const fetched = await call(t.app, 'GET', added.headers.location as string, tenant.admin.token);
    expect(fetched.json()).toEqual(created);
    expect(fetched.headers.etag).toBe(added.headers.etag);
    expect((await events('provisioning.created')).some((e) => e.target.id === created.id)).toBe(true);

    expectProblem(
      await call(t.app, 'POST', base(homeId), editor.token, { service: 'fault_management' }),
      409,
      'conflict',
    );
    expectProblem(await call(t.app, 'POST', base(homeId), editor.token, { service: 'amr' }), 409, 'conflict');

    const insightOnly = await submitHome(t.app, tenant.admin.token, 'PROV-NOAMR', { services: { amr: {} } });
    const amr = await definition(insightOnly.homeId, 'amr');
    expect(
      (await call(t.app, 'DELETE', `${base(insightOnly.homeId)}/${amr.id}`, editor.token)).statusCode,
    ).toBe(204);
    expectProblem(
      await call(t.app, 'POST', base(insightOnly.homeId), editor.token, { service: 'insight' }),
      422,
      'unprocessable',
    );
    expect(await definitions(insightOnly.homeId)).toEqual([]);
    // amr itself can come back, and then insight.
    expect(
      (await call(t.app, 'POST', base(insightOnly.homeId), editor.token, { service: 'amr' })).json(),
    ).toMatchObject({
      service: 'amr',
      settings: { intervalSeconds: 60 },
    });
    expect(
      (await call(t.app, 'POST', base(insightOnly.homeId), editor.token, { service: 'insight' })).statusCode,
    ).toBe(201);
  });

  it('adding the same service twice at the same moment: one 201, the rest 409 (never 500)', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-RACE', { services: { amr: {} } });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(t.app, 'POST', base(homeId), editor.token, { service: 'insight' }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    expect((await definitions(homeId)).map((d) => d.service)).toEqual(['amr', 'insight']);
  });

  it('DELETE removes one definition (204, audited); amr cannot go while others need it (409)', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-DEL');
    const amr = await definition(homeId, 'amr');
    const performance = await definition(homeId, 'performance');

    const refused = expectProblem(
      await call(t.app, 'DELETE', `${base(homeId)}/${amr.id}`, tenant.admin.token),
      409,
      'conflict',
    );
    expect(String(refused.detail)).toMatch(/insight|performance|fault_management/);
    expect((await read(homeId, amr.id)).statusCode).toBe(200);

    const removed = await call(t.app, 'DELETE', `${base(homeId)}/${performance.id}`, editor.token);
    expect(removed.statusCode).toBe(204);
    expectProblem(await read(homeId, performance.id), 404, 'not_found');
    expect((await definitions(homeId)).map((d) => d.service).sort()).toEqual([
      'amr',
      'fault_management',
      'insight',
    ]);
    const home = (await call(t.app, 'GET', `/homes/${homeId}`, tenant.admin.token)).json();
    expect(home.provisioning.map((p: { service: string }) => p.service).sort()).toEqual([
      'amr',
      'fault_management',
      'insight',
    ]);
    expect(
      (await events('provisioning.deleted')).filter((e) => e.target.id === performance.id),
    ).toMatchObject([{ details: { homeId, service: 'performance' } }]);
    expectProblem(
      await call(t.app, 'DELETE', `${base(homeId)}/${performance.id}`, editor.token),
      404,
      'not_found',
    );
  });

  it('a stale If-Match is 412 on PUT and DELETE, and nothing changes', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-412');
    const insight = await definition(homeId, 'insight');
    const etag = (await read(homeId, insight.id)).headers.etag as string;
    expect(
      (await call(t.app, 'PUT', `${base(homeId)}/${insight.id}`, editor.token, { status: 'suspended' }))
        .statusCode,
    ).toBe(200);
    const current = (await read(homeId, insight.id)).json();

    expectProblem(
      await call(
        t.app,
        'PUT',
        `${base(homeId)}/${insight.id}`,
        editor.token,
        { status: 'active' },
        { 'if-match': etag },
      ),
      412,
      'precondition_failed',
    );
    expectProblem(
      await call(t.app, 'DELETE', `${base(homeId)}/${insight.id}`, editor.token, undefined, {
        'if-match': etag,
      }),
      412,
      'precondition_failed',
    );
    expect((await read(homeId, insight.id)).json()).toEqual(current);
    expect(current).toMatchObject({ status: 'suspended', revision: 2 });
  });

  it('a decommissioned home’s services cannot be resumed or added (409)', async () => {
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'PROV-DECOM', {
      services: { amr: { intervalSeconds: 120 }, insight: {} },
    });
    expect((await call(t.app, 'DELETE', `/homes/${homeId}`, tenant.admin.token)).statusCode).toBe(204);
    const amr = await definition(homeId, 'amr');
    expect(amr).toMatchObject({ status: 'suspended', revision: 2, settings: { intervalSeconds: 120 } });

    expectProblem(
      await call(t.app, 'PUT', `${base(homeId)}/${amr.id}`, tenant.admin.token, { status: 'active' }),
      409,
      'conflict',
    );
    expectProblem(
      await call(t.app, 'POST', base(homeId), tenant.admin.token, { service: 'performance' }),
      409,
      'conflict',
    );
    expect(await definitions(homeId)).toEqual([amr, await definition(homeId, 'insight')]);
    expect((await definitions(homeId)).every((d) => d.status === 'suspended')).toBe(true);
  });
});
