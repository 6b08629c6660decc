import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPages,
  call,
  completeOrder,
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

interface HomeSummary {
  id: string;
  reference: string;
  status: string;
  postcode: string | null;
  technology: string | null;
  town: string | null;
}

const OCCUPANT = { name: 'Olive Occupant', email: 'olive@example.com', phone: '+44 1286 000000' };

describe(`homes: filters, reading, editing, decommissioning, occupant erasure (${dialect})`, () => {
  let t: TestApp;
  let operator: string;

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
  });
  afterAll(async () => t.close());

  const get = (token: string, url: string) => call(t.app, 'GET', url, token);

  describe('listing', () => {
    let tenant: Tenant;
    const id: Record<string, string> = {};
    let group: string;

    beforeAll(async () => {
      tenant = await createTenant(t.app, operator, 'Homes list');
      const token = tenant.admin.token;
      const address = (line: string, town: string, postcode: string) => ({
        property: { addressLines: [line], town, postcode, country: 'GB' },
      });
      id.A = (
        await submitHome(t.app, token, 'FIL-A', address('3 Mill Lane', 'Llanberis', 'LL55 4UR'))
      ).homeId;
      id.B = (
        await submitHome(t.app, token, 'FIL-B', {
          ...address('7 Quay Street', 'Bangor', 'll57 2dg'),
          installation: {
            technology: 'ground_source_heat_pump',
            manufacturer: 'Kensa',
            model: 'Shoebox 6',
            ratedCapacityKw: 6,
            designFlowTemperatureC: 40,
          },
        })
      ).homeId;
      id.C = (
        await submitHome(t.app, token, 'FIL-C', {
          ...address('10 Downing Street', 'London', 'SW1A 2AA'),
          installation: { technology: 'gas_boiler' },
          meters: [{ serial: 'GM-C', kind: 'gas_meter' }],
          services: { amr: {} },
        })
      ).homeId;
      id.D = (
        await submitHome(t.app, token, 'FIL-D', address('1 Castle Street', 'Cardiff', 'CF10 1BH'))
      ).homeId;
      expect((await call(t.app, 'DELETE', `/homes/${id.D}`, token)).statusCode).toBe(204);
      group = await createGroup(t.app, token, 'North');
      await setHomeGroups(t.app, token, id.A as string, [group]);
      await setHomeGroups(t.app, token, id.B as string, [group]);
    });

    const ids = async (query: string) => {
      const response = await get(tenant.admin.token, `/homes${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return (response.json().items as HomeSummary[]).map((h) => h.id);
    };

    it('filters by status, postcode prefix, technology and group', async () => {
      expect(await ids('?status=decommissioned')).toEqual([id.D]);
      expect(await ids('?status=active')).toEqual([id.A, id.B, id.C]);
      expect(await ids('?postcode=LL5')).toEqual([id.A, id.B]);
      expect(await ids('?postcode=ll55')).toEqual([id.A]);
      expect(await ids('?postcode=ll554ur')).toEqual([id.A]);
      expect(await ids('?postcode=LL57%202')).toEqual([id.B]);
      expect(await ids('?postcode=CF')).toEqual([id.D]);
      expect(await ids('?technology=ground_source_heat_pump')).toEqual([id.B]);
      expect(await ids('?technology=gas_boiler')).toEqual([id.C]);
      expect(await ids('?technology=solar_pv')).toEqual([]);
      expect(await ids(`?groupId=${group}`)).toEqual([id.A, id.B]);
      expect(await ids(`?groupId=${group}&technology=air_source_heat_pump`)).toEqual([id.A]);
      expectProblem(await get(tenant.admin.token, '/homes?technology=toaster'), 400, 'validation_failed');
      expectProblem(await get(tenant.admin.token, '/homes?status=demolished'), 400, 'validation_failed');
    });

    it('searches reference, postcode, town and street, never the JSON around them', async () => {
      expect(await ids('?q=fil-b')).toEqual([id.B]);
      expect(await ids('?q=bangor')).toEqual([id.B]);
      expect(await ids('?q=downing')).toEqual([id.C]);
      expect(await ids('?q=sw1a')).toEqual([id.C]);
      expect(await ids('?q=FIL-')).toEqual([id.A, id.B, id.C, id.D]);
      expect(await ids('?q=sw1a2aa')).toEqual([id.C]);
      expect(await ids('?q=quay%20street')).toEqual([id.B]);
      // % and _ are searched for literally, not as wildcards.
      expect(await ids('?q=fil_a')).toEqual([]);
      expect(await ids('?q=fil%25')).toEqual([]);
      // Words that appear only as field names or codes of the stored address find nothing.
      for (const word of ['town', 'postcode', 'addressLines', 'country', 'GB', '"']) {
        expect(await ids(`?q=${encodeURIComponent(word)}`), word).toEqual([]);
      }
    });

    it('pages with a cursor and Link rel=next; the summary carries what the list shows', async () => {
      const first = await get(tenant.admin.token, '/homes?limit=3');
      expect(first.json().items).toHaveLength(3);
      expect(first.headers.link).toMatch(/^<\/api\/v\/1\/homes\?limit=3&cursor=[^>]+>; rel="next"$/);
      const all = await allPages<HomeSummary>(t.app, '/homes?limit=3', tenant.admin.token);
      expect(all.map((h) => h.id)).toEqual([id.A, id.B, id.C, id.D]);
      expect(all[1]).toEqual({
        id: id.B,
        reference: 'FIL-B',
        status: 'active',
        postcode: 'LL57 2DG',
        technology: 'ground_source_heat_pump',
        town: 'Bangor',
        createdAt: expect.any(String),
      });
      expect(JSON.stringify(all)).not.toContain('Olive');
      const filtered = await allPages<HomeSummary>(t.app, '/homes?limit=1&status=active', tenant.admin.token);
      expect(filtered.map((h) => h.id)).toEqual([id.A, id.B, id.C]);
      expectProblem(await get(tenant.admin.token, '/homes?cursor=not-a-cursor'), 400, 'validation_failed');
    });
  });

  describe('one home', () => {
    let tenant: Tenant;
    let editor: { id: string; token: string };
    let viewer: { id: string; token: string };

    beforeAll(async () => {
      tenant = await createTenant(t.app, operator, 'Homes one');
      editor = await tenant.addUser('editor');
      viewer = await tenant.addUser('viewer');
    });

    it('reads a home with its meters, channel ids, groups and provisioning summary, with an ETag', async () => {
      const { homeId, orderId } = await submitHome(t.app, tenant.admin.token, 'ONE-1');
      const group = await createGroup(t.app, tenant.admin.token, 'Snowdonia');
      await setHomeGroups(t.app, tenant.admin.token, homeId, [group]);

      const response = await get(tenant.admin.token, `/homes/${homeId}`);
      expect(response.statusCode).toBe(200);
      expect(response.headers.etag).toMatch(/^"[^"]+"$/);
      const home = response.json();
      expect(home).toMatchObject({
        id: homeId,
        orderId,
        agentId: tenant.agentId,
        reference: 'ONE-1',
        status: 'active',
        decommissionedAt: null,
        groups: [{ id: group, name: 'Snowdonia' }],
        occupant: OCCUPANT,
      });
      expect(home.meters.map((m: { serial: string }) => m.serial)).toEqual([
        'HM-ONE-1',
        'EM-ONE-1',
        'TS-ONE-1',
      ]);
      expect(home.meters[1]).toMatchObject({
        kind: 'electricity_meter',
        measures: 'heat_pump',
        reading: { method: 'mqtt', intervalSeconds: 60 },
      });
      const channelIds = home.meters.flatMap((m: { channels: { id: string }[] }) =>
        m.channels.map((c) => c.id),
      );
      expect(channelIds).toHaveLength(5 + 2 + 1);
      expect(new Set(channelIds).size).toBe(channelIds.length);
      expect(home.provisioning).toHaveLength(4);
      for (const p of home.provisioning)
        expect(p).toEqual({ id: expect.any(String), service: expect.any(String), status: 'pending' });

      // /meters answers the same meters and channel ids, and adds each meter's 7-day completeness.
      const meters = await get(tenant.admin.token, `/homes/${homeId}/meters`);
      const items = meters.json().items as { status: { completeness: unknown[] } }[];
      expect(items.every((m) => m.status.completeness.length === 7)).toBe(true);
      expect(items.map(({ status: { completeness: _c, ...status }, ...m }) => ({ ...m, status }))).toEqual(
        home.meters,
      );
      // Reading again gives the same ETag.
      expect((await get(tenant.admin.token, `/homes/${homeId}`)).headers.etag).toBe(response.headers.etag);
    });

    it('shows the occupant to admins and editors, never to viewers or the operator', async () => {
      const { homeId } = await submitHome(t.app, tenant.admin.token, 'ONE-OCC');
      for (const token of [tenant.admin.token, editor.token]) {
        expect((await get(token, `/homes/${homeId}`)).json().occupant).toEqual(OCCUPANT);
      }
      for (const token of [viewer.token, operator]) {
        const response = await get(token, `/homes/${homeId}`);
        expect(response.statusCode).toBe(200);
        expect(response.json()).not.toHaveProperty('occupant');
        expect(response.body).not.toContain('Olive');
        expect(response.body).not.toContain('olive@example.com');
      }
    });

    it('PUT edits reference, property, installation and occupant with If-Match; a stale one is 412 and changes nothing', async () => {
      const { homeId } = await submitHome(t.app, tenant.admin.token, 'EDIT-1');
      const read = await get(editor.token, `/homes/${homeId}`);
      const etag = read.headers.etag as string;
      const change = {
        reference: 'EDIT-1-RENAMED',
        property: { addressLines: ['2 High Street', 'Flat B'], town: 'Llanberis', postcode: 'll55 4ul' },
        installation: {
          technology: 'air_source_heat_pump',
          manufacturer: 'Vaillant',
          model: 'aroTHERM plus 10kW',
          ratedCapacityKw: 10,
          designFlowTemperatureC: 50,
          designHeatLossWPerK: 180,
        },
        occupant: { name: 'Newt Occupant', email: 'newt@example.com' },
      };
      const updated = await call(t.app, 'PUT', `/homes/${homeId}`, editor.token, change, {
        'if-match': etag,
      });
      expect(updated.statusCode, updated.body).toBe(200);
      const etag2 = updated.headers.etag as string;
      expect(etag2).toMatch(/^"[^"]+"$/);
      expect(etag2).not.toBe(etag);
      expect(updated.json()).toMatchObject({
        reference: 'EDIT-1-RENAMED',
        property: { addressLines: ['2 High Street', 'Flat B'], postcode: 'LL55 4UL', country: 'GB' },
        installation: change.installation,
        occupant: change.occupant,
      });
      // The meters and provisioning are not touched by an edit.
      expect(updated.json().meters).toEqual(read.json().meters);
      expect(updated.json().provisioning).toEqual(read.json().provisioning);
      // The list reflects the new reference and postcode.
      const listed = await get(editor.token, '/homes?q=edit-1-renamed');
      expect(listed.json().items).toMatchObject([{ id: homeId, postcode: 'LL55 4UL' }]);

      const stale = await call(
        t.app,
        'PUT',
        `/homes/${homeId}`,
        editor.token,
        { reference: 'LOST' },
        { 'if-match': etag },
      );
      expectProblem(stale, 412, 'precondition_failed');
      const now = await get(editor.token, `/homes/${homeId}`);
      expect(now.headers.etag).toBe(etag2);
      expect(now.json()).toEqual(updated.json());
    });

    it('refuses an address or installation that would leave the home incomplete (400 naming the fields)', async () => {
      const { homeId } = await submitHome(t.app, tenant.admin.token, 'EDIT-BAD');
      const before = await get(tenant.admin.token, `/homes/${homeId}`);
      const fieldsOf = async (body: unknown) => {
        const problem = expectProblem(
          await call(t.app, 'PUT', `/homes/${homeId}`, tenant.admin.token, body),
          400,
          'validation_failed',
        );
        return (problem.errors as { field: string }[]).map((e) => e.field).sort();
      };
      expect(
        await fieldsOf({
          property: { addressLines: ['1 High Street'], town: 'Llanberis', postcode: 'NOT A POSTCODE' },
        }),
      ).toEqual(['/body/property/postcode']);
      expect(await fieldsOf({ property: { town: 'Llanberis' } })).toEqual([
        '/body/property/addressLines',
        '/body/property/postcode',
      ]);
      expect(await fieldsOf({ installation: { technology: 'air_source_heat_pump' } })).toEqual([
        '/body/installation/designFlowTemperatureC',
        '/body/installation/manufacturer',
        '/body/installation/model',
        '/body/installation/ratedCapacityKw',
      ]);
      expect(await fieldsOf({ installation: {} })).toEqual(['/body/installation/technology']);
      const after = await get(tenant.admin.token, `/homes/${homeId}`);
      expect(after.headers.etag).toBe(before.headers.etag);
      expect(after.json()).toEqual(before.json());
      // Outside the UK the postcode is free-form.
      const abroad = await call(t.app, 'PUT', `/homes/${homeId}`, tenant.admin.token, {
        property: {
          addressLines: ['1 rue de Rivoli'],
          town: 'Paris',
          postcode: '75001 Cedex 1',
          country: 'FR',
        },
      });
      expect(abroad.statusCode, abroad.body).toBe(200);
      expect(abroad.json().property).toMatchObject({ postcode: '75001 Cedex 1', country: 'FR' });
    });

    it('DELETE decommissions: 204, provisioning suspended, history still readable', async () => {
      const { homeId } = await submitHome(t.app, tenant.admin.token, 'DECOM-1');
      const before = await get(tenant.admin.token, `/homes/${homeId}`);
      expectProblem(
        await call(t.app, 'DELETE', `/homes/${homeId}`, tenant.admin.token, undefined, {
          'if-match': '"r999"',
        }),
        412,
        'precondition_failed',
      );
      expect((await get(tenant.admin.token, `/homes/${homeId}`)).json().status).toBe('active');

      const deleted = await call(t.app, 'DELETE', `/homes/${homeId}`, tenant.admin.token, undefined, {
        'if-match': before.headers.etag as string,
      });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');

      const after = await get(viewer.token, `/homes/${homeId}`);
      expect(after.statusCode).toBe(200);
      expect(after.json()).toMatchObject({ status: 'decommissioned', decommissionedAt: expect.any(String) });
      expect(after.json().meters).toEqual(before.json().meters);
      expect(after.json().provisioning.map((p: { status: string }) => p.status)).toEqual([
        'suspended',
        'suspended',
        'suspended',
        'suspended',
      ]);
      const definitions = await get(viewer.token, `/homes/${homeId}/provisioning`);
      expect(definitions.json().items.every((p: { status: string }) => p.status === 'suspended')).toBe(true);
      expect((await get(viewer.token, `/homes/${homeId}/meters`)).statusCode).toBe(200);
      const listed = await get(viewer.token, '/homes?status=decommissioned');
      expect(listed.json().items.map((h: HomeSummary) => h.id)).toContain(homeId);
      // Decommissioning again changes nothing.
      expect((await call(t.app, 'DELETE', `/homes/${homeId}`, tenant.admin.token)).statusCode).toBe(204);
      expect((await get(viewer.token, `/homes/${homeId}`)).json().decommissionedAt).toBe(
        after.json().decommissionedAt,
      );
    });

    it('occupant erasure removes the occupant from the home and its order; everything else stays', async () => {
      const { homeId, orderId } = await submitHome(t.app, tenant.admin.token, 'ERASE-1');
      const before = (await get(tenant.admin.token, `/homes/${homeId}`)).json();
      expect((await get(tenant.admin.token, `/orders/${orderId}`)).json().occupant).toEqual(OCCUPANT);

      const erased = await call(t.app, 'POST', `/homes/${homeId}/occupant-erasure`, tenant.admin.token);
      expect(erased.statusCode).toBe(204);

      const home = await get(tenant.admin.token, `/homes/${homeId}`);
      expect(home.json().occupant).toBeNull();
      expect(home.body).not.toContain('Olive');
      // Everything but the occupant stays; collection state (meter status, the AMR service taking
      // amr up) moves on its own between the two reads and is left out of the comparison.
      const settled = (view: Record<string, unknown>) => {
        const { occupant: _o, updatedAt: _u, meters, provisioning, ...rest } = view;
        return {
          ...rest,
          meters: (meters as Record<string, unknown>[]).map(({ status: _s, ...m }) => m),
          provisioning: (provisioning as Record<string, unknown>[]).map(({ status: _s, ...p }) => p),
        };
      };
      expect(settled(home.json())).toEqual(settled(before));

      const order = await get(tenant.admin.token, `/orders/${orderId}`);
      expect(order.statusCode).toBe(200);
      expect(order.json()).not.toHaveProperty('occupant');
      expect(order.body).not.toContain('olive@example.com');
      expect(order.json()).toMatchObject({ status: 'provisioned', reference: 'ERASE-1', homeId });
      const stored = await t.app.ctx.database.db
        .selectFrom('orders')
        .select('document')
        .where('id', '=', orderId)
        .executeTakeFirstOrThrow();
      expect(stored.document).not.toContain('Olive');
      const storedHome = await t.app.ctx.database.db
        .selectFrom('homes')
        .select(['occupant', 'address'])
        .where('id', '=', homeId)
        .executeTakeFirstOrThrow();
      expect(storedHome.occupant).toBeNull();
    });

    it('the audit trail of home changes never contains occupant data', async () => {
      const secret = {
        name: 'Sebastian Secretive',
        email: 'sebastian.secret@example.com',
        phone: '+44 7700 900123',
      };
      const { homeId } = await submitHome(t.app, tenant.admin.token, 'AUDIT-1', { occupant: secret });
      const put = await call(t.app, 'PUT', `/homes/${homeId}`, editor.token, {
        occupant: { ...secret, name: 'Sebastian Secretive-Jones' },
        reference: 'AUDIT-1b',
      });
      expect(put.statusCode).toBe(200);
      expect(
        (await call(t.app, 'POST', `/homes/${homeId}/occupant-erasure`, tenant.admin.token)).statusCode,
      ).toBe(204);
      expect((await call(t.app, 'DELETE', `/homes/${homeId}`, tenant.admin.token)).statusCode).toBe(204);

      const events = await allPages<{
        id: string;
        action: string;
        target: { id: string };
        details: Record<string, unknown>;
      }>(t.app, '/audit-events?limit=200', tenant.admin.token);
      const homeEvents = events.filter((e) => e.target.id === homeId);
      expect(homeEvents.map((e) => e.action).sort()).toEqual(
        ['home.decommissioned', 'home.occupant_erased', 'home.updated'].sort(),
      );
      expect(homeEvents.find((e) => e.action === 'home.updated')?.details).toMatchObject({
        changed: expect.arrayContaining(['occupant', 'reference']),
      });
      const text = JSON.stringify(events);
      for (const piece of ['Sebastian', 'Secretive', 'sebastian.secret', '7700 900123']) {
        expect(text, piece).not.toContain(piece);
      }
      const asOperator = await allPages(t.app, `/audit-events?limit=200&agentId=${tenant.agentId}`, operator);
      expect(JSON.stringify(asOperator)).not.toContain('Sebastian');
    });
  });

  it('the operator cannot delete an agent that still has homes (409 naming them); the agent stays', async () => {
    const tenant = await createTenant(t.app, operator, 'Homes keep');
    await submitHome(t.app, tenant.admin.token, 'KEEP-1');
    const { homeId } = await submitHome(t.app, tenant.admin.token, 'KEEP-2');
    // A decommissioned home still counts: its history must stay readable.
    expect((await call(t.app, 'DELETE', `/homes/${homeId}`, tenant.admin.token)).statusCode).toBe(204);
    const refused = expectProblem(
      await call(t.app, 'DELETE', `/agents/${tenant.agentId}`, operator),
      409,
      'conflict',
    );
    expect(String(refused.detail)).toMatch(/2 homes/);
    expect((await get(operator, `/agents/${tenant.agentId}`)).statusCode).toBe(200);
    expect((await get(tenant.admin.token, '/homes')).json().items).toHaveLength(2);

    // An agent whose orders never became homes can be deleted.
    const empty = await createTenant(t.app, operator, 'Homes none');
    expect(
      (await call(t.app, 'POST', '/orders', empty.admin.token, completeOrder('DRAFT-ONLY'))).statusCode,
    ).toBe(201);
    expect((await call(t.app, 'DELETE', `/agents/${empty.agentId}`, operator)).statusCode).toBe(204);
  });

  it('a restricted editor edits only homes of their groups; admins alone regroup homes', async () => {
    const tenant = await createTenant(t.app, operator, 'Homes groups');
    const editor = await tenant.addUser('editor');
    const group = await createGroup(t.app, tenant.admin.token, 'Mine');
    const mine = (await submitHome(t.app, tenant.admin.token, 'GRP-1')).homeId;
    const other = (await submitHome(t.app, tenant.admin.token, 'GRP-2')).homeId;
    await setHomeGroups(t.app, tenant.admin.token, mine, [group]);
    await setHomeAccess(t.app, tenant.admin.token, editor.id, [group]);
    expect(
      (await call(t.app, 'PUT', `/homes/${mine}`, editor.token, { reference: 'GRP-1b' })).statusCode,
    ).toBe(200);
    expectProblem(
      await call(t.app, 'PUT', `/homes/${other}`, editor.token, { reference: 'X' }),
      404,
      'not_found',
    );
    expectProblem(
      await call(t.app, 'PUT', `/homes/${mine}`, editor.token, { groupIds: [] }),
      403,
      'forbidden',
    );
    // A group of another agent, or none at all, cannot be given.
    const foreign = await createTenant(t.app, operator, 'Homes foreign');
    const foreignGroup = await createGroup(t.app, foreign.admin.token, 'Theirs');
    const refused = expectProblem(
      await call(t.app, 'PUT', `/homes/${mine}`, tenant.admin.token, { groupIds: [foreignGroup] }),
      400,
      'validation_failed',
    );
    expect(refused.errors).toEqual([{ field: '/body/groupIds', message: expect.any(String) }]);
    expect((await get(tenant.admin.token, `/homes/${mine}`)).json().groups).toEqual([
      { id: group, name: 'Mine' },
    ]);
  });
});
