import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  completeOrder,
  createTenant,
  dialect,
  login,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

describe(`order → submission → home + meters + channels + provisioning (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.app, (await login(t.app)).access_token);
  });
  afterAll(async () => t.close());

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    token = tenant.admin.token,
  ) =>
    t.app.inject({
      method,
      url: `/api/v/1${url}`,
      headers: bearer(token),
      ...(payload ? { payload: payload as object } : {}),
    });

  it('creates a draft, submits it once into one home, and a second submission returns the same home', async () => {
    const draft = await call('POST', '/orders', completeOrder('ORD-1'));
    expect(draft.statusCode).toBe(201);
    const order = draft.json();
    expect(order).toMatchObject({ status: 'draft', reference: 'ORD-1', homeId: null });

    const submitted = await call('POST', `/orders/${order.id}/submission`);
    expect(submitted.statusCode).toBe(201);
    const { homeId } = submitted.json();
    expect(submitted.headers.location).toBe(`/api/v/1/homes/${homeId}`);
    expect(submitted.json().order).toMatchObject({ status: 'provisioned', homeId });

    const again = await call('POST', `/orders/${order.id}/submission`);
    expect(again.statusCode).toBe(200);
    expect(again.json().homeId).toBe(homeId);
    const homes = await t.app.ctx.database.db
      .selectFrom('homes')
      .select('id')
      .where('order_id', '=', order.id)
      .execute();
    expect(homes).toHaveLength(1);

    const home = (await call('GET', `/homes/${homeId}`)).json();
    expect(home).toMatchObject({
      reference: 'ORD-1',
      status: 'active',
      property: { postcode: 'LL55 4UR', town: 'Llanberis', country: 'GB' },
      occupant: { name: 'Olive Occupant' },
      installation: { technology: 'air_source_heat_pump', ratedCapacityKw: 7 },
    });
    const heatMeter = home.meters.find((m: { kind: string }) => m.kind === 'heat_meter');
    expect(heatMeter.channels.map((c: { key: string }) => c.key)).toEqual([
      'heat_energy',
      'heat_power',
      'flow_temperature',
      'return_temperature',
      'flow_rate',
    ]);
    expect(heatMeter.channels[0]).toMatchObject({ quantity: 'energy', unit: 'kWh', kind: 'register' });
    const outdoor = home.meters.find((m: { kind: string }) => m.kind === 'temperature_sensor');
    expect(outdoor.channels).toMatchObject([
      { key: 'outdoor_temperature', unit: '°C', kind: 'instantaneous' },
    ]);
    expect(home.provisioning.map((p: { service: string }) => p.service).sort()).toEqual([
      'amr',
      'fault_management',
      'insight',
      'performance',
    ]);
    expect(home.provisioning.every((p: { status: string }) => p.status === 'pending')).toBe(true);
  });

  it('refuses to submit an incomplete order with 422 listing every problem, and stores nothing', async () => {
    const draft = (
      await call('POST', '/orders', {
        reference: 'ORD-INCOMPLETE',
        property: { addressLines: ['2 High Street'], postcode: 'NOT A POSTCODE' },
        installation: { technology: 'air_source_heat_pump' },
        meters: [
          { serial: 'X1', kind: 'heat_meter', reading: { method: 'poll' } },
          { serial: 'X1', kind: 'temperature_sensor' },
        ],
        services: { performance: {} },
      })
    ).json();
    const homesBefore = (await t.app.ctx.database.db.selectFrom('homes').select('id').execute()).length;
    const response = await call('POST', `/orders/${draft.id}/submission`);
    expect(response.statusCode).toBe(422);
    const fields = response.json().errors.map((e: { field: string }) => e.field);
    for (const field of [
      '/body/property/town',
      '/body/property/postcode',
      '/body/installation/manufacturer',
      '/body/installation/model',
      '/body/installation/ratedCapacityKw',
      '/body/installation/designFlowTemperatureC',
      '/body/services/amr',
      '/body/meters/0/reading/url',
      '/body/meters/1/serial',
      '/body/meters/1/location',
      '/body/meters',
    ]) {
      expect(fields, field).toContain(field);
    }
    expect((await t.app.ctx.database.db.selectFrom('homes').select('id').execute()).length).toBe(homesBefore);
    expect((await call('GET', `/orders/${draft.id}`)).json().status).toBe('draft');
  });

  it('a failure part-way through submission leaves nothing behind', async () => {
    const draft = (await call('POST', '/orders', completeOrder('ORD-ATOMIC'))).json();
    const { provisioning } = t.app.ctx.services;
    const original = provisioning.createFromOrder.bind(provisioning);
    provisioning.createFromOrder = async () => {
      throw new Error('disk full');
    };
    try {
      const response = await call('POST', `/orders/${draft.id}/submission`);
      expect(response.statusCode).toBe(500);
    } finally {
      provisioning.createFromOrder = original;
    }
    const db = t.app.ctx.database.db;
    expect(await db.selectFrom('homes').select('id').where('order_id', '=', draft.id).execute()).toHaveLength(
      0,
    );
    expect(
      await db.selectFrom('meters').select('id').where('serial', '=', 'HM-ORD-ATOMIC').execute(),
    ).toHaveLength(0);
    expect((await call('GET', `/orders/${draft.id}`)).json().status).toBe('draft');
    const retried = await call('POST', `/orders/${draft.id}/submission`);
    expect(retried.statusCode).toBe(201);
  });
});
