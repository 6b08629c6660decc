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

describe(`adding a meter to an installed home (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;
  let homeId: string;
  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.app, (await login(t.app)).access_token);
    const order = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v/1/orders',
        headers: bearer(tenant.admin.token),
        payload: completeOrder('ADD-METER', { services: { amr: { intervalSeconds: 300 } } }),
      })
    ).json();
    homeId = (
      await t.app.inject({
        method: 'POST',
        url: `/api/v/1/orders/${order.id}/submission`,
        headers: bearer(tenant.admin.token),
      })
    ).json().homeId;
  });
  afterAll(async () => t.close());

  const add = (payload: unknown) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v/1/homes/${homeId}/meters`,
      headers: bearer(tenant.admin.token),
      payload: payload as object,
    });

  it('adds the meter with its default channels and the home’s reading interval, and audits it', async () => {
    const response = await add({ serial: 'IMM-1', kind: 'electricity_meter', measures: 'immersion_heater' });
    expect(response.statusCode).toBe(201);
    const meter = response.json();
    expect(meter).toMatchObject({
      serial: 'IMM-1',
      measures: 'immersion_heater',
      reading: { method: 'push', intervalSeconds: 300 },
    });
    expect(meter.channels.map((c: { key: string }) => c.key)).toEqual([
      'electricity_energy',
      'electricity_power',
    ]);
    const listed = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v/1/homes/${homeId}/meters`,
        headers: bearer(tenant.admin.token),
      })
    ).json();
    expect(listed.items.map((m: { serial: string }) => m.serial)).toContain('IMM-1');
    const audit = (
      await t.app.inject({
        method: 'GET',
        url: '/api/v/1/audit-events?action=meter.added',
        headers: bearer(tenant.admin.token),
      })
    ).json();
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0].details).toMatchObject({ homeId, serial: 'IMM-1' });
  });

  it('refuses a repeated serial (409) and an inconsistent meter (422 listing the problems), adding nothing', async () => {
    const before = (
      await t.app.ctx.database.db.selectFrom('meters').select('id').where('home_id', '=', homeId).execute()
    ).length;
    const repeated = await add({ serial: 'IMM-1', kind: 'heat_meter' });
    expect(repeated.statusCode).toBe(409);
    expect(repeated.json().errors).toEqual([
      { field: '/body/serial', message: 'is already used in this home' },
    ]);
    const inconsistent = await add({
      serial: 'TS-9',
      kind: 'temperature_sensor',
      reading: { method: 'poll' },
      measures: 'heat_pump',
    });
    expect(inconsistent.statusCode).toBe(422);
    expect(
      inconsistent
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['/body/location', '/body/measures', '/body/reading/url']);
    const after = (
      await t.app.ctx.database.db.selectFrom('meters').select('id').where('home_id', '=', homeId).execute()
    ).length;
    expect(after).toBe(before);
  });
});
