import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  countRows,
  createGroup,
  createTenant,
  dialect,
  expectProblem,
  login,
  setHomeAccess,
  setHomeGroups,
  startTestApp,
  submitHome,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

interface GroupView {
  id: string;
  agentId: string;
  name: string;
  homeCount: number;
}

describe(`home groups: CRUD, names, home counts, and what deleting one does (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let a: Tenant;
  let editor: { id: string; token: string };
  let viewer: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Groups A');
    editor = await a.addUser('editor');
    viewer = await a.addUser('viewer');
  });
  afterAll(async () => t.close());

  const group = async (token: string, id: string) => call(t.app, 'GET', `/home-groups/${id}`, token);
  const list = async (token: string): Promise<GroupView[]> => {
    const response = await call(t.app, 'GET', '/home-groups', token);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items;
  };

  it('an admin creates, reads, renames (If-Match) and deletes a group', async () => {
    const created = await call(t.app, 'POST', '/home-groups', a.admin.token, { name: '  Gwynedd  ' });
    expect(created.statusCode, created.body).toBe(201);
    const view = created.json() as GroupView;
    expect(view).toMatchObject({ name: 'Gwynedd', agentId: a.agentId, homeCount: 0 });
    expect(created.headers.location).toBe(`/api/v/1/home-groups/${view.id}`);
    const read = await call(t.app, 'GET', created.headers.location as string, a.admin.token);
    expect(read.json()).toEqual(view);
    expect(read.headers.etag).toBe(created.headers.etag);
    expect((await list(a.admin.token)).map((g) => g.id)).toContain(view.id);

    const renamed = await call(
      t.app,
      'PUT',
      `/home-groups/${view.id}`,
      a.admin.token,
      { name: 'Gwynedd North' },
      {
        'if-match': read.headers.etag as string,
      },
    );
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().name).toBe('Gwynedd North');
    expectProblem(
      await call(
        t.app,
        'PUT',
        `/home-groups/${view.id}`,
        a.admin.token,
        { name: 'Lost' },
        {
          'if-match': read.headers.etag as string,
        },
      ),
      412,
      'precondition_failed',
    );
    expectProblem(
      await call(t.app, 'DELETE', `/home-groups/${view.id}`, a.admin.token, undefined, {
        'if-match': read.headers.etag as string,
      }),
      412,
      'precondition_failed',
    );
    expect((await group(a.admin.token, view.id)).json().name).toBe('Gwynedd North');

    const deleted = await call(t.app, 'DELETE', `/home-groups/${view.id}`, a.admin.token, undefined, {
      'if-match': renamed.headers.etag as string,
    });
    expect(deleted.statusCode).toBe(204);
    expectProblem(await group(a.admin.token, view.id), 404, 'not_found');
    expect((await list(a.admin.token)).map((g) => g.id)).not.toContain(view.id);
  });

  it('a name is unique within the agent (409 naming /body/name), free in another agent', async () => {
    await createGroup(t.app, a.admin.token, 'Coast');
    const other = await createGroup(t.app, a.admin.token, 'Hills');
    const before = await countRows(t.app);
    for (const name of ['Coast', ' Coast ']) {
      const refused = expectProblem(
        await call(t.app, 'POST', '/home-groups', a.admin.token, { name }),
        409,
        'conflict',
      );
      expect(refused.errors).toEqual([{ field: '/body/name', message: expect.any(String) }]);
    }
    expectProblem(
      await call(t.app, 'PUT', `/home-groups/${other}`, a.admin.token, { name: 'Coast' }),
      409,
      'conflict',
    );
    expect(await countRows(t.app)).toEqual(before);
    expect((await group(a.admin.token, other)).json().name).toBe('Hills');

    const b = await createTenant(t.app, operator, 'Groups B');
    const elsewhere = await call(t.app, 'POST', '/home-groups', b.admin.token, { name: 'Coast' });
    expect(elsewhere.statusCode).toBe(201);
    // Each agent sees only its own groups; another agent's group is 404.
    expect((await list(b.admin.token)).map((g) => g.name)).toEqual(['Coast']);
    expectProblem(await group(a.admin.token, elsewhere.json().id), 404, 'not_found');
    expectProblem(
      await call(t.app, 'PUT', `/home-groups/${elsewhere.json().id}`, a.admin.token, { name: 'Mine now' }),
      404,
      'not_found',
    );
    expectProblem(
      await call(t.app, 'DELETE', `/home-groups/${elsewhere.json().id}`, a.admin.token),
      404,
      'not_found',
    );
    expect((await group(b.admin.token, elsewhere.json().id)).json().name).toBe('Coast');
  });

  it('two admins creating the same name at the same moment: one 201, the rest 409 (never 500)', async () => {
    const second = await a.addUser('admin');
    const answers = await Promise.all(
      [a.admin.token, second.token, a.admin.token, second.token].map((token) =>
        call(t.app, 'POST', '/home-groups', token, { name: 'Simultaneous' }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    expect((await list(a.admin.token)).filter((g) => g.name === 'Simultaneous')).toHaveLength(1);
  });

  it('editors and viewers list and read groups but cannot create, rename or delete them (403)', async () => {
    const id = await createGroup(t.app, a.admin.token, 'Readable');
    for (const user of [editor, viewer]) {
      expect((await list(user.token)).map((g) => g.id)).toContain(id);
      expect((await group(user.token, id)).statusCode).toBe(200);
      expectProblem(
        await call(t.app, 'POST', '/home-groups', user.token, { name: 'Nope' }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, 'PUT', `/home-groups/${id}`, user.token, { name: 'Nope' }),
        403,
        'forbidden',
      );
      expectProblem(await call(t.app, 'DELETE', `/home-groups/${id}`, user.token), 403, 'forbidden');
    }
    expectProblem(
      await call(t.app, 'POST', '/home-groups', operator, { name: 'Operator' }),
      403,
      'forbidden',
    );
    expect((await group(a.admin.token, id)).json().name).toBe('Readable');
    expect((await list(a.admin.token)).some((g) => g.name === 'Nope')).toBe(false);
  });

  it('homeCount follows PUT /homes/:id groupIds', async () => {
    const tenant = await createTenant(t.app, operator, 'Groups count');
    const north = await createGroup(t.app, tenant.admin.token, 'North');
    const south = await createGroup(t.app, tenant.admin.token, 'South');
    const h1 = (await submitHome(t.app, tenant.admin.token, 'CNT-1')).homeId;
    const h2 = (await submitHome(t.app, tenant.admin.token, 'CNT-2')).homeId;
    const counts = async () =>
      Object.fromEntries((await list(tenant.admin.token)).map((g) => [g.name, g.homeCount]));

    expect(await counts()).toEqual({ North: 0, South: 0 });
    await setHomeGroups(t.app, tenant.admin.token, h1, [north, south]);
    await setHomeGroups(t.app, tenant.admin.token, h2, [north]);
    expect(await counts()).toEqual({ North: 2, South: 1 });
    expect((await group(tenant.admin.token, north)).json().homeCount).toBe(2);
    await setHomeGroups(t.app, tenant.admin.token, h1, [south]);
    expect(await counts()).toEqual({ North: 1, South: 1 });
    await setHomeGroups(t.app, tenant.admin.token, h2, []);
    expect(await counts()).toEqual({ North: 0, South: 1 });
    expect((await call(t.app, 'GET', `/homes/${h1}`, tenant.admin.token)).json().groups).toEqual([
      { id: south, name: 'South' },
    ]);
    // A group that does not exist is refused, and the home keeps its groups.
    expectProblem(
      await call(t.app, 'PUT', `/homes/${h1}`, tenant.admin.token, { groupIds: [randomUUID()] }),
      400,
      'validation_failed',
    );
    expect(await counts()).toEqual({ North: 0, South: 1 });
  });

  it('a user restricted to groups lists and reads only their own groups; another group is 404', async () => {
    const tenant = await createTenant(t.app, operator, 'Groups restricted');
    const restricted = await tenant.addUser('editor');
    const unrestricted = await tenant.addUser('viewer');
    const mine = await createGroup(t.app, tenant.admin.token, 'North estate');
    const theirs = await createGroup(t.app, tenant.admin.token, 'Private landlord X');
    await setHomeAccess(t.app, tenant.admin.token, restricted.id, [mine]);
    expect((await list(restricted.token)).map((g) => g.name)).toEqual(['North estate']);
    expect((await group(restricted.token, mine)).statusCode).toBe(200);
    expectProblem(await group(restricted.token, theirs), 404, 'not_found');
    // Users who see every home, and admins, still see every group.
    for (const token of [unrestricted.token, tenant.admin.token])
      expect((await list(token)).map((g) => g.name).sort()).toEqual(['North estate', 'Private landlord X']);
  });

  it('deleting a group leaves its homes; a user restricted to it then sees no homes', async () => {
    const tenant = await createTenant(t.app, operator, 'Groups delete');
    const restricted = await tenant.addUser('viewer');
    const doomed = await createGroup(t.app, tenant.admin.token, 'Doomed');
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'DEL-1');
    const { homeId: other } = await submitHome(t.app, tenant.admin.token, 'DEL-2');
    await setHomeGroups(t.app, tenant.admin.token, homeId, [doomed]);
    await setHomeAccess(t.app, tenant.admin.token, restricted.id, [doomed]);
    expect(
      (await call(t.app, 'GET', '/homes', restricted.token)).json().items.map((h: { id: string }) => h.id),
    ).toEqual([homeId]);

    expect((await call(t.app, 'DELETE', `/home-groups/${doomed}`, tenant.admin.token)).statusCode).toBe(204);

    const home = await call(t.app, 'GET', `/homes/${homeId}`, tenant.admin.token);
    expect(home.statusCode).toBe(200);
    expect(home.json()).toMatchObject({ status: 'active', groups: [] });
    expect((await call(t.app, 'GET', '/homes', tenant.admin.token)).json().items).toHaveLength(2);

    expect((await call(t.app, 'GET', '/homes', restricted.token)).json().items).toEqual([]);
    expectProblem(await call(t.app, 'GET', `/homes/${homeId}`, restricted.token), 404, 'not_found');
    expectProblem(await call(t.app, 'GET', `/homes/${other}`, restricted.token), 404, 'not_found');
    const user = await call(t.app, 'GET', `/users/${restricted.id}`, tenant.admin.token);
    expect(user.json().homeAccess).toEqual({ mode: 'groups', groupIds: [] });
  });
});
