import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPages,
  call,
  createGroup,
  createTenant,
  dialect,
  expectProblem,
  login,
  notFoundShape,
  setHomeAccess,
  setHomeGroups,
  startTestApp,
  submitHome,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

type Role = 'operator' | 'admin' | 'editor' | 'viewer';

interface Actor {
  name: string;
  role: Role;
  token: string;
  /** The homes (by label) this actor may see. */
  sees: string[];
}

/** Which roles hold each permission, as docs/permissions.md states it. */
const MAY = {
  read: ['operator', 'admin', 'editor', 'viewer'],
  write: ['admin', 'editor'],
  manage: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Route {
  name: string;
  permission: keyof typeof MAY;
  /** What a caller who may see the home and holds the permission gets. */
  ok: number;
  request(homeId: string, provisioningId: string): { method: Method; url: string; body?: unknown };
  headers?: Record<string, string>;
}

/**
 * Every route that touches a home or something under it. The write routes are chosen so a caller
 * who may use them leaves the home as it was (a stale If-Match, a service the home already has),
 * except PUT, which rewrites the same values, and occupant erasure, which runs last.
 */
const ROUTES: Route[] = [
  {
    name: 'GET /homes/:id',
    permission: 'read',
    ok: 200,
    request: (h) => ({ method: 'GET', url: `/homes/${h}` }),
  },
  {
    name: 'GET /homes/:id/meters',
    permission: 'read',
    ok: 200,
    request: (h) => ({ method: 'GET', url: `/homes/${h}/meters` }),
  },
  {
    name: 'GET /homes/:id/provisioning',
    permission: 'read',
    ok: 200,
    request: (h) => ({ method: 'GET', url: `/homes/${h}/provisioning` }),
  },
  {
    name: 'GET /homes/:id/provisioning/:provisioningId',
    permission: 'read',
    ok: 200,
    request: (h, p) => ({ method: 'GET', url: `/homes/${h}/provisioning/${p}` }),
  },
  {
    name: 'PUT /homes/:id',
    permission: 'write',
    ok: 200,
    request: (h) => ({
      method: 'PUT',
      url: `/homes/${h}`,
      body: {
        installation: {
          technology: 'air_source_heat_pump',
          manufacturer: 'Vaillant',
          model: 'aroTHERM plus 7kW',
          ratedCapacityKw: 7,
          designFlowTemperatureC: 45,
        },
      },
    }),
  },
  {
    name: 'DELETE /homes/:id (stale If-Match)',
    permission: 'manage',
    ok: 412,
    headers: { 'if-match': '"r0"' },
    request: (h) => ({ method: 'DELETE', url: `/homes/${h}` }),
  },
  {
    name: 'POST /homes/:id/provisioning (a service it has)',
    permission: 'write',
    ok: 409,
    request: (h) => ({ method: 'POST', url: `/homes/${h}/provisioning`, body: { service: 'amr' } }),
  },
  {
    name: 'PUT /homes/:id/provisioning/:provisioningId',
    permission: 'write',
    ok: 200,
    request: (h, p) => ({
      method: 'PUT',
      url: `/homes/${h}/provisioning/${p}`,
      body: { settings: { intervalSeconds: 60 } },
    }),
  },
  {
    name: 'DELETE /homes/:id/provisioning/:provisioningId (amr, still needed)',
    permission: 'write',
    ok: 409,
    request: (h, p) => ({ method: 'DELETE', url: `/homes/${h}/provisioning/${p}` }),
  },
];

describe(`home visibility: agents, roles and home groups on every home route (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let a: Tenant;
  let b: Tenant;
  let actors: Actor[];
  const homes: Record<string, string> = {};
  /** Each home's amr definition. */
  const amr: Record<string, string> = {};
  const orders: Record<string, string> = {};
  let groupA: string;
  let groupB: string;
  let editorA: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Visibility A');
    b = await createTenant(t.app, operator, 'Visibility B');
    for (const [label, tenant] of [
      ['H1', a],
      ['H2', a],
      ['H3', a],
      ['H4', b],
    ] as const) {
      const { homeId, orderId } = await submitHome(t.app, tenant.admin.token, `VIS-${label}`);
      homes[label] = homeId;
      orders[label] = orderId;
      const list = await call(t.app, 'GET', `/homes/${homeId}/provisioning`, tenant.admin.token);
      amr[label] = list.json().items.find((p: { service: string }) => p.service === 'amr').id;
    }
    groupA = await createGroup(t.app, a.admin.token, 'Group A');
    groupB = await createGroup(t.app, a.admin.token, 'Group B');
    await setHomeGroups(t.app, a.admin.token, homes.H1 as string, [groupA]);
    await setHomeGroups(t.app, a.admin.token, homes.H2 as string, [groupB]);

    const editorAll = await a.addUser('editor');
    editorA = await a.addUser('editor');
    const viewerB = await a.addUser('viewer');
    const viewerAll = await a.addUser('viewer');
    await setHomeAccess(t.app, a.admin.token, editorA.id, [groupA]);
    await setHomeAccess(t.app, a.admin.token, viewerB.id, [groupB]);
    actors = [
      { name: 'admin', role: 'admin', token: a.admin.token, sees: ['H1', 'H2', 'H3'] },
      { name: 'editor (all homes)', role: 'editor', token: editorAll.token, sees: ['H1', 'H2', 'H3'] },
      { name: 'editor (group A)', role: 'editor', token: editorA.token, sees: ['H1'] },
      { name: 'viewer (group B)', role: 'viewer', token: viewerB.token, sees: ['H2'] },
      { name: 'viewer (all homes)', role: 'viewer', token: viewerAll.token, sees: ['H1', 'H2', 'H3'] },
      { name: "another agent's admin", role: 'admin', token: b.admin.token, sees: ['H4'] },
      { name: 'operator', role: 'operator', token: operator, sees: ['H1', 'H2', 'H3', 'H4'] },
    ];
  });
  afterAll(async () => t.close());

  const send = (route: Route, token: string, homeId: string, provisioningId: string) => {
    const { method, url, body } = route.request(homeId, provisioningId);
    return call(t.app, method, url, token, body, route.headers ?? {});
  };

  /** What `actor` must get from `route` on home `label`, checked against the answer for a random id. */
  async function check(route: Route, actor: Actor, label: string) {
    const homeId = homes[label] as string;
    const provisioningId = amr[label] as string;
    const what = `${route.name} on ${label} as ${actor.name}`;
    const response = await send(route, actor.token, homeId, provisioningId);
    const allowed = (MAY[route.permission] as readonly Role[]).includes(actor.role);
    if (!allowed) {
      expectProblem(response, 403, 'forbidden');
      return;
    }
    if (!actor.sees.includes(label)) {
      const missing = randomUUID();
      const unknown = await send(route, actor.token, missing, provisioningId);
      expect(notFoundShape(response, homeId), what).toEqual(notFoundShape(unknown, missing));
      expect(response.json().code, what).toBe('not_found');
      return;
    }
    expect(response.statusCode, `${what}: ${response.body}`).toBe(route.ok);
  }

  it('lists exactly the homes each caller may see', async () => {
    for (const actor of actors) {
      const listed = await allPages<{ id: string }>(t.app, '/homes?limit=2', actor.token);
      const expected = actor.sees.map((label) => homes[label]);
      expect(listed.map((h) => h.id).sort(), actor.name).toEqual([...expected].sort());
    }
    // A group filter never widens what a restricted user sees.
    const byGroupB = await call(t.app, 'GET', `/homes?groupId=${groupB}`, editorA.token);
    expect(byGroupB.json().items).toEqual([]);
    const adminByGroupB = await call(t.app, 'GET', `/homes?groupId=${groupB}`, a.admin.token);
    expect(adminByGroupB.json().items.map((h: { id: string }) => h.id)).toEqual([homes.H2]);
  });

  for (const route of ROUTES) {
    it(`${route.name}: a home the caller may not see is 404, exactly like an id that does not exist`, async () => {
      for (const actor of actors) {
        for (const label of ['H1', 'H2', 'H3', 'H4']) await check(route, actor, label);
      }
    });
  }

  it('viewers cannot edit homes, editors cannot decommission, erase or regroup them (403), and nothing changes', async () => {
    const viewer = actors.find((x) => x.name === 'viewer (all homes)') as Actor;
    const editor = actors.find((x) => x.name === 'editor (all homes)') as Actor;
    const h3 = homes.H3 as string;
    const before = (await call(t.app, 'GET', `/homes/${h3}`, a.admin.token)).json();

    expectProblem(
      await call(t.app, 'PUT', `/homes/${h3}`, viewer.token, { reference: 'VIEWER' }),
      403,
      'forbidden',
    );
    expectProblem(
      await call(t.app, 'PUT', `/homes/${h3}`, editor.token, { groupIds: [groupA] }),
      403,
      'forbidden',
    );
    expectProblem(await call(t.app, 'DELETE', `/homes/${h3}`, editor.token), 403, 'forbidden');
    expectProblem(await call(t.app, 'POST', `/homes/${h3}/occupant-erasure`, editor.token), 403, 'forbidden');
    expectProblem(
      await call(t.app, 'POST', `/homes/${h3}/provisioning`, viewer.token, { service: 'amr' }),
      403,
      'forbidden',
    );

    const after = (await call(t.app, 'GET', `/homes/${h3}`, a.admin.token)).json();
    expect(after).toEqual(before);
    expect(after).toMatchObject({ status: 'active', reference: 'VIS-H3', groups: [] });
  });

  it("a change of a user's home access or of a home's groups applies to their very next call", async () => {
    const h1 = homes.H1 as string;
    const h2 = homes.H2 as string;
    const h3 = homes.H3 as string;
    const status = async (id: string) => (await call(t.app, 'GET', `/homes/${id}`, editorA.token)).statusCode;
    const listed = async () =>
      ((await call(t.app, 'GET', '/homes', editorA.token)).json().items as { id: string }[])
        .map((h) => h.id)
        .sort();

    // Warm whatever the server caches about this token.
    expect(await status(h1)).toBe(200);
    expect(await status(h2)).toBe(404);

    await setHomeAccess(t.app, a.admin.token, editorA.id, [groupB]);
    expect(await status(h1)).toBe(404);
    expect(await status(h2)).toBe(200);
    expect(await listed()).toEqual([h2]);

    await setHomeAccess(t.app, a.admin.token, editorA.id, 'all');
    expect(await listed()).toEqual([h1, h2, h3].sort());

    await setHomeAccess(t.app, a.admin.token, editorA.id, [groupA]);
    expect(await listed()).toEqual([h1]);
    expect(await status(h3)).toBe(404);

    // Putting H3 in group A shows it at once; taking it out hides it at once.
    await setHomeGroups(t.app, a.admin.token, h3, [groupA]);
    expect(await status(h3)).toBe(200);
    expect(await listed()).toEqual([h1, h3].sort());
    await setHomeGroups(t.app, a.admin.token, h3, []);
    expect(await status(h3)).toBe(404);
    expect(await listed()).toEqual([h1]);
  });

  it('a restricted user sees a submitted order only while they may see its home; drafts stay visible', async () => {
    const draft = await call(t.app, 'POST', '/orders', a.admin.token, { reference: 'VIS-DRAFT' });
    expect(draft.statusCode).toBe(201);
    const draftId = draft.json().id as string;
    const listed = async (token: string) =>
      ((await allPages<{ id: string }>(t.app, '/orders?limit=200', token)) as { id: string }[]).map(
        (o) => o.id,
      );

    expect((await call(t.app, 'GET', `/orders/${orders.H1}`, editorA.token)).statusCode).toBe(200);
    for (const label of ['H2', 'H3', 'H4']) {
      const orderId = orders[label] as string;
      const missing = randomUUID();
      expect(notFoundShape(await call(t.app, 'GET', `/orders/${orderId}`, editorA.token), orderId)).toEqual(
        notFoundShape(await call(t.app, 'GET', `/orders/${missing}`, editorA.token), missing),
      );
    }
    expect((await listed(editorA.token)).sort()).toEqual([orders.H1, draftId].sort());
    const viewerB = actors.find((x) => x.name === 'viewer (group B)') as Actor;
    expect((await listed(viewerB.token)).sort()).toEqual([orders.H2, draftId].sort());
    const editorAll = actors.find((x) => x.name === 'editor (all homes)') as Actor;
    expect((await listed(editorAll.token)).sort()).toEqual([orders.H1, orders.H2, orders.H3, draftId].sort());
    // Submitting it again cannot reach an order the caller may not see.
    expectProblem(
      await call(t.app, 'POST', `/orders/${orders.H2}/submission`, editorA.token),
      404,
      'not_found',
    );
    expect((await call(t.app, 'DELETE', `/orders/${draftId}`, a.admin.token)).statusCode).toBe(204);
  });

  it('occupant erasure: only the admin of a home they see (others 403 or 404 like a missing home)', async () => {
    const route: Route = {
      name: 'POST /homes/:id/occupant-erasure',
      permission: 'manage',
      ok: 204,
      request: (h) => ({ method: 'POST', url: `/homes/${h}/occupant-erasure` }),
    };
    // Callers who must be refused first, then the admins, whose call erases the occupant.
    const refusedFirst = [...actors].sort((x, y) => Number(x.role === 'admin') - Number(y.role === 'admin'));
    for (const actor of refusedFirst) {
      for (const label of ['H1', 'H2', 'H3', 'H4']) await check(route, actor, label);
    }
    const erased = (await call(t.app, 'GET', `/homes/${homes.H1}`, a.admin.token)).json();
    expect(erased.occupant).toBeNull();
  });

  it('refuses every home route to a caller without a token or with a random home id', async () => {
    const missing = randomUUID();
    const bare: LightMyRequestResponse = await call(t.app, 'GET', `/homes/${homes.H1}`);
    expect(bare.statusCode).toBe(401);
    expectProblem(await call(t.app, 'GET', `/homes/${missing}`, a.admin.token), 404, 'not_found');
  });
});
