import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPages,
  call,
  completeOrder,
  countRows,
  createTenant,
  dialect,
  expectProblem,
  login,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

interface OrderView {
  id: string;
  agentId: string;
  status: 'draft' | 'provisioned' | 'cancelled';
  reference: string;
  homeId: string | null;
  property?: { postcode?: string; country?: string; town?: string };
  occupant?: unknown;
  meters?: unknown[];
  services?: Record<string, unknown>;
}

interface Channel {
  id: string;
  key: string;
  quantity: string;
  unit: string;
  kind: string;
}

describe(`orders: drafts, listing, replacing, cancelling, references, channels, postcodes (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let a: Tenant;

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Orders A');
  });
  afterAll(async () => t.close());

  const create = async (token: string, body: unknown) => {
    const response = await call(t.app, 'POST', '/orders', token, body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as OrderView;
  };
  const submit = (token: string, id: string) => call(t.app, 'POST', `/orders/${id}/submission`, token);

  it('creates a draft: 201 with Location and ETag; GET reads it back with the same ETag', async () => {
    const response = await call(t.app, 'POST', '/orders', a.admin.token, completeOrder('CRUD-1'));
    expect(response.statusCode).toBe(201);
    const order = response.json() as OrderView;
    expect(order).toMatchObject({
      status: 'draft',
      reference: 'CRUD-1',
      homeId: null,
      agentId: a.agentId,
      occupant: { name: 'Olive Occupant' },
    });
    expect(response.headers.location).toBe(`/api/v/1/orders/${order.id}`);
    expect(response.headers.etag).toMatch(/^"[^"]+"$/);

    const read = await call(t.app, 'GET', response.headers.location as string, a.admin.token);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe(response.headers.etag);
    expect(read.json()).toEqual(order);
  });

  it('lists orders: status filter, search by reference or postcode, cursor paging with Link rel=next', async () => {
    const tenant = await createTenant(t.app, operator, 'Orders list');
    const token = tenant.admin.token;
    const drafts: OrderView[] = [];
    for (let i = 1; i <= 5; i++) {
      drafts.push(
        await create(
          token,
          completeOrder(`LIST-${i}`, {
            property: {
              addressLines: [`${i} Mill Lane`],
              town: 'Caernarfon',
              postcode: i % 2 === 0 ? 'LL55 1AA' : 'SW1A 1AA',
              country: 'GB',
            },
          }),
        ),
      );
    }
    const [first, second, third] = drafts as [OrderView, OrderView, OrderView];
    expect((await submit(token, first.id)).statusCode).toBe(201);
    expect((await call(t.app, 'DELETE', `/orders/${second.id}`, token)).statusCode).toBe(204);

    const ids = async (query: string) =>
      ((await call(t.app, 'GET', `/orders${query}`, token)).json().items as OrderView[]).map((o) => o.id);
    expect(await ids('?status=provisioned')).toEqual([first.id]);
    expect(await ids('?status=cancelled')).toEqual([second.id]);
    expect(await ids('?status=draft')).toEqual(drafts.slice(2).map((o) => o.id));
    expect(await ids('?q=list-3')).toEqual([third.id]);
    expect(await ids('?q=LL55')).toEqual([drafts[1]?.id, drafts[3]?.id]);
    expect(await ids('?q=sw1a%201aa')).toEqual([drafts[0]?.id, drafts[2]?.id, drafts[4]?.id]);
    expect(await ids('?q=nothing-like-this')).toEqual([]);
    // Spaces in a postcode search do not matter.
    expect(await ids('?q=sw1a1aa')).toEqual([drafts[0]?.id, drafts[2]?.id, drafts[4]?.id]);

    const page = await call(t.app, 'GET', '/orders?limit=2', token);
    expect(page.headers.link).toMatch(/^<\/api\/v\/1\/orders\?limit=2&cursor=[^>]+>; rel="next"$/);
    expect(page.json().items).toHaveLength(2);
    const all = await allPages<OrderView>(t.app, '/orders?limit=2', token);
    expect(all.map((o) => o.id)).toEqual(drafts.map((o) => o.id));
    // Another agent's orders never appear.
    expect(
      (await allPages<OrderView>(t.app, '/orders?limit=200', a.admin.token)).some((o) =>
        drafts.some((d) => d.id === o.id),
      ),
    ).toBe(false);

    // % and _ are searched for literally, not as wildcards.
    const underscored = await create(token, { reference: 'LIST_7' });
    expect(await ids('?q=list_')).toEqual([underscored.id]);
    expect(await ids('?q=list%25')).toEqual([]);
    expect(await ids('?q=t_7')).toEqual([underscored.id]);
    expect((await call(t.app, 'DELETE', `/orders/${underscored.id}`, token)).statusCode).toBe(204);
  });

  it('PUT replaces a draft as a whole; a stale If-Match is 412 and changes nothing', async () => {
    const created = await call(t.app, 'POST', '/orders', a.admin.token, completeOrder('PUT-1'));
    const order = created.json() as OrderView;
    const etag = created.headers.etag as string;

    const replaced = await call(
      t.app,
      'PUT',
      `/orders/${order.id}`,
      a.admin.token,
      {
        reference: 'PUT-1b',
        property: { addressLines: ['9 New Road'], town: 'Bangor', postcode: 'LL57 1AA' },
      },
      { 'if-match': etag },
    );
    expect(replaced.statusCode, replaced.body).toBe(200);
    const etag2 = replaced.headers.etag as string;
    expect(etag2).toMatch(/^"[^"]+"$/);
    expect(etag2).not.toBe(etag);
    const body = replaced.json() as OrderView;
    expect(body).toMatchObject({ reference: 'PUT-1b', property: { town: 'Bangor' }, status: 'draft' });
    // What was not sent is gone: a PUT replaces the document.
    expect(body.meters).toBeUndefined();
    expect(body.services).toBeUndefined();
    expect(body.occupant).toBeUndefined();

    const stale = await call(t.app, 'PUT', `/orders/${order.id}`, a.admin.token, completeOrder('PUT-1c'), {
      'if-match': etag,
    });
    expectProblem(stale, 412, 'precondition_failed');
    const now = await call(t.app, 'GET', `/orders/${order.id}`, a.admin.token);
    expect(now.headers.etag).toBe(etag2);
    expect(now.json()).toEqual(body);
  });

  it('a provisioned order cannot be replaced (409) or cancelled (409)', async () => {
    const order = await create(a.admin.token, completeOrder('DONE-1'));
    expect((await submit(a.admin.token, order.id)).statusCode).toBe(201);
    const provisioned = await call(t.app, 'GET', `/orders/${order.id}`, a.admin.token);
    expectProblem(
      await call(t.app, 'PUT', `/orders/${order.id}`, a.admin.token, completeOrder('DONE-1b')),
      409,
      'conflict',
    );
    expectProblem(await call(t.app, 'DELETE', `/orders/${order.id}`, a.admin.token), 409, 'conflict');
    const after = await call(t.app, 'GET', `/orders/${order.id}`, a.admin.token);
    expect(after.json()).toEqual(provisioned.json());
    expect(after.json()).toMatchObject({ status: 'provisioned', reference: 'DONE-1' });
  });

  it('DELETE cancels a draft (204); it cannot be submitted; its reference can be used again', async () => {
    const order = await create(a.admin.token, completeOrder('CANCEL-1'));
    const cancelled = await call(t.app, 'DELETE', `/orders/${order.id}`, a.admin.token);
    expect(cancelled.statusCode).toBe(204);
    expect(cancelled.body).toBe('');
    expect((await call(t.app, 'GET', `/orders/${order.id}`, a.admin.token)).json()).toMatchObject({
      status: 'cancelled',
      homeId: null,
    });
    expectProblem(await submit(a.admin.token, order.id), 409, 'conflict');
    expectProblem(
      await call(t.app, 'PUT', `/orders/${order.id}`, a.admin.token, completeOrder('CANCEL-1')),
      409,
      'conflict',
    );

    const again = await create(a.admin.token, completeOrder('CANCEL-1'));
    expect(again.id).not.toBe(order.id);
    expect((await submit(a.admin.token, again.id)).statusCode).toBe(201);
  });

  it('a reference is unique within the agent (409 naming /body/reference) but free in another agent', async () => {
    const other = await createTenant(t.app, operator, 'Orders other');
    await create(a.admin.token, completeOrder('UNIQ-1'));
    const before = await countRows(t.app);

    const duplicate = expectProblem(
      await call(t.app, 'POST', '/orders', a.admin.token, completeOrder('UNIQ-1')),
      409,
      'conflict',
    );
    expect(duplicate.errors).toEqual([{ field: '/body/reference', message: expect.any(String) }]);
    expect(await countRows(t.app)).toEqual(before);

    // Renaming another draft to a taken reference is refused the same way.
    const second = await create(a.admin.token, completeOrder('UNIQ-2'));
    const renamed = expectProblem(
      await call(t.app, 'PUT', `/orders/${second.id}`, a.admin.token, completeOrder('UNIQ-1')),
      409,
      'conflict',
    );
    expect(renamed.errors).toEqual([{ field: '/body/reference', message: expect.any(String) }]);
    expect((await call(t.app, 'GET', `/orders/${second.id}`, a.admin.token)).json().reference).toBe('UNIQ-2');

    const elsewhere = await create(other.admin.token, completeOrder('UNIQ-1'));
    expect(elsewhere).toMatchObject({ reference: 'UNIQ-1', agentId: other.agentId });
    // A submitted order keeps its reference taken.
    const submitted = await create(other.admin.token, completeOrder('UNIQ-3'));
    expect((await submit(other.admin.token, submitted.id)).statusCode).toBe(201);
    expectProblem(
      await call(t.app, 'POST', '/orders', other.admin.token, completeOrder('UNIQ-3')),
      409,
      'conflict',
    );
  });

  it('editors create and submit; viewers read orders without the occupant and cannot change them (403)', async () => {
    const editor = await a.addUser('editor');
    const viewer = await a.addUser('viewer');
    const byEditor = await create(editor.token, completeOrder('ROLE-1'));
    expect(byEditor.occupant).toEqual({
      name: 'Olive Occupant',
      email: 'olive@example.com',
      phone: '+44 1286 000000',
    });
    const draft = await create(a.admin.token, completeOrder('ROLE-2'));

    const one = await call(t.app, 'GET', `/orders/${byEditor.id}`, viewer.token);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ reference: 'ROLE-1', property: { town: 'Llanberis' } });
    expect(one.json()).not.toHaveProperty('occupant');
    expect(one.body).not.toContain('Olive');
    const list = await call(t.app, 'GET', '/orders?limit=200', viewer.token);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.length).toBeGreaterThan(1);
    expect(list.body).not.toContain('olive@example.com');
    expect(list.json().items.every((o: OrderView) => !('occupant' in o))).toBe(true);

    const before = await countRows(t.app);
    expectProblem(
      await call(t.app, 'POST', '/orders', viewer.token, completeOrder('ROLE-3')),
      403,
      'forbidden',
    );
    expectProblem(
      await call(t.app, 'PUT', `/orders/${draft.id}`, viewer.token, completeOrder('ROLE-2')),
      403,
      'forbidden',
    );
    expectProblem(await call(t.app, 'DELETE', `/orders/${draft.id}`, viewer.token), 403, 'forbidden');
    expectProblem(await submit(viewer.token, draft.id), 403, 'forbidden');
    expect(await countRows(t.app)).toEqual(before);
    expect((await call(t.app, 'GET', `/orders/${draft.id}`, a.admin.token)).json().status).toBe('draft');

    expect((await submit(editor.token, byEditor.id)).statusCode).toBe(201);
    // The operator reads orders too, never the occupant, and cannot create one.
    const asOperator = await call(t.app, 'GET', `/orders/${byEditor.id}`, operator);
    expect(asOperator.statusCode).toBe(200);
    expect(asOperator.json()).not.toHaveProperty('occupant');
    expectProblem(await call(t.app, 'POST', '/orders', operator, completeOrder('OP-1')), 403, 'forbidden');
  });

  it('at the same moment: one reference is taken once (rest 409), one order becomes one home (never 500)', async () => {
    const creates = await Promise.all(
      Array.from({ length: 6 }, () =>
        call(t.app, 'POST', '/orders', a.admin.token, completeOrder('RACE-REF')),
      ),
    );
    expect(creates.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const refused of creates.filter((r) => r.statusCode === 409)) {
      expect(refused.json()).toMatchObject({ code: 'conflict', errors: [{ field: '/body/reference' }] });
    }
    const order = (creates.find((r) => r.statusCode === 201) as (typeof creates)[number]).json() as OrderView;

    const submissions = await Promise.all(Array.from({ length: 6 }, () => submit(a.admin.token, order.id)));
    const statuses = submissions.map((r) => r.statusCode).sort();
    expect(statuses, submissions.map((r) => r.body).join('\n')).toEqual([200, 200, 200, 200, 200, 201]);
    const homeIds = new Set(submissions.map((r) => r.json().homeId));
    expect(homeIds.size).toBe(1);
    const homes = await t.app.ctx.database.db
      .selectFrom('homes')
      .select('id')
      .where('order_id', '=', order.id)
      .execute();
    expect(homes.map((h) => h.id)).toEqual([...homeIds]);
  });

  describe('channels', () => {
    const meterChannels = async (homeId: string, serial: string): Promise<Channel[]> => {
      const meters = (await call(t.app, 'GET', `/homes/${homeId}/meters`, a.admin.token)).json().items as {
        serial: string;
        channels: Channel[];
      }[];
      return meters.find((m) => m.serial === serial)?.channels ?? [];
    };

    it('a heat meter given [{key: heat_energy}] gets only that channel', async () => {
      const order = await create(
        a.admin.token,
        completeOrder('CH-NARROW', {
          meters: [
            { serial: 'HM-N', kind: 'heat_meter', channels: [{ key: 'heat_energy' }] },
            { serial: 'EM-N', kind: 'electricity_meter' },
          ],
        }),
      );
      const submitted = await submit(a.admin.token, order.id);
      expect(submitted.statusCode, submitted.body).toBe(201);
      const channels = await meterChannels(submitted.json().homeId, 'HM-N');
      expect(channels).toEqual([
        { id: expect.any(String), key: 'heat_energy', quantity: 'energy', unit: 'kWh', kind: 'register' },
      ]);
      // The meter without channels has its kind's defaults.
      expect((await meterChannels(submitted.json().homeId, 'EM-N')).map((c) => c.key)).toEqual([
        'electricity_energy',
        'electricity_power',
      ]);
    });

    it('a new key with quantity and kind extends the meter; its unit follows the quantity', async () => {
      const order = await create(
        a.admin.token,
        completeOrder('CH-EXTEND', {
          meters: [
            {
              serial: 'HM-X',
              kind: 'heat_meter',
              channels: [
                { key: 'heat_energy' },
                { key: 'flow_temperature' },
                { key: 'cooling_energy', quantity: 'energy', kind: 'register' },
                { key: 'glycol_temperature', quantity: 'temperature', unit: '°C', kind: 'instantaneous' },
              ],
            },
            { serial: 'EM-X', kind: 'electricity_meter' },
          ],
        }),
      );
      const submitted = await submit(a.admin.token, order.id);
      expect(submitted.statusCode, submitted.body).toBe(201);
      const channels = await meterChannels(submitted.json().homeId, 'HM-X');
      expect(channels.map(({ id: _id, ...c }) => c)).toEqual([
        { key: 'heat_energy', quantity: 'energy', unit: 'kWh', kind: 'register' },
        { key: 'flow_temperature', quantity: 'temperature', unit: '°C', kind: 'instantaneous' },
        { key: 'cooling_energy', quantity: 'energy', unit: 'kWh', kind: 'register' },
        { key: 'glycol_temperature', quantity: 'temperature', unit: '°C', kind: 'instantaneous' },
      ]);
      expect(new Set(channels.map((c) => c.id)).size).toBe(4);
    });

    it('bad channel specs are 422 at submission, by field path, and create no home', async () => {
      const order = await create(
        a.admin.token,
        completeOrder('CH-BAD', {
          meters: [
            {
              serial: 'HM-B',
              kind: 'heat_meter',
              channels: [
                { key: 'mystery' },
                { key: 'heat_power', unit: 'kW' },
                { key: 'room_temperature', quantity: 'temperature', kind: 'register' },
                { key: 'heat_energy' },
                { key: 'heat_energy' },
              ],
            },
            { serial: 'EM-B', kind: 'electricity_meter', channels: [] },
          ],
        }),
      );
      const before = await countRows(t.app);
      const response = await submit(a.admin.token, order.id);
      const problem = expectProblem(response, 422, 'unprocessable');
      const fields = (problem.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          '/body/meters/0/channels/0/quantity',
          '/body/meters/0/channels/0/kind',
          '/body/meters/0/channels/1/unit',
          '/body/meters/0/channels/2/kind',
          '/body/meters/0/channels/4/key',
          '/body/meters/1/channels',
        ]),
      );
      expect(await countRows(t.app)).toEqual(before);
      expect((await call(t.app, 'GET', `/orders/${order.id}`, a.admin.token)).json().status).toBe('draft');
    });
  });

  describe('postcodes', () => {
    it('a UK postcode is normalised ("ll554ur" → "LL55 4UR") on the order and its home', async () => {
      const order = await create(
        a.admin.token,
        completeOrder('PC-GB', {
          property: {
            addressLines: ['1 High Street'],
            town: 'Llanberis',
            postcode: 'll554ur',
            country: 'GB',
          },
        }),
      );
      expect(order.property?.postcode).toBe('LL55 4UR');
      expect((await call(t.app, 'GET', `/orders/${order.id}`, a.admin.token)).json().property.postcode).toBe(
        'LL55 4UR',
      );
      const found = await call(t.app, 'GET', '/orders?q=LL55%204UR&status=draft', a.admin.token);
      expect(found.json().items.map((o: OrderView) => o.id)).toContain(order.id);

      const submitted = await submit(a.admin.token, order.id);
      expect(submitted.statusCode, submitted.body).toBe(201);
      const home = (await call(t.app, 'GET', `/homes/${submitted.json().homeId}`, a.admin.token)).json();
      expect(home.property).toMatchObject({ postcode: 'LL55 4UR', country: 'GB' });
    });

    it('a UK postcode is validated at submission (country GB or unset); elsewhere it is free-form', async () => {
      const invalid = await create(
        a.admin.token,
        completeOrder('PC-BAD', {
          property: { addressLines: ['1 High Street'], town: 'Llanberis', postcode: 'NOT A POSTCODE' },
        }),
      );
      // A draft keeps what was typed, so the user can see and fix it.
      expect(invalid.property?.postcode).toBe('NOT A POSTCODE');
      const refused = expectProblem(await submit(a.admin.token, invalid.id), 422, 'unprocessable');
      expect(refused.errors).toEqual([{ field: '/body/property/postcode', message: expect.any(String) }]);

      const french = await create(
        a.admin.token,
        completeOrder('PC-FR', {
          property: {
            addressLines: ['1 rue de Rivoli'],
            town: 'Paris',
            postcode: '75001 Cedex 1',
            country: 'FR',
          },
        }),
      );
      expect(french.property?.postcode).toBe('75001 Cedex 1');
      const submitted = await submit(a.admin.token, french.id);
      expect(submitted.statusCode, submitted.body).toBe(201);
      const home = (await call(t.app, 'GET', `/homes/${submitted.json().homeId}`, a.admin.token)).json();
      expect(home.property).toMatchObject({ postcode: '75001 Cedex 1', country: 'FR' });
    });
  });
});
