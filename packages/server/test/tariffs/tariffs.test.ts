import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carbonOf } from '../../src/tariffs/carbon.js';
import {
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

interface TariffView {
  id: string;
  agentId: string;
  name: string;
  fuel: string;
  currency: string;
  standingCharge: number;
  unitRate: number | null;
  bands: Array<{ from: string; to: string; rate: number }> | null;
  carbonFactor: number;
  validFrom: string | null;
  validTo: string | null;
  isDefault: boolean;
}

const COSY = [
  { from: '04:00', to: '07:00', rate: 13.26 },
  { from: '07:00', to: '13:00', rate: 26.54 },
  { from: '13:00', to: '16:00', rate: 13.26 },
  { from: '16:00', to: '19:00', rate: 39.81 },
  { from: '19:00', to: '04:00', rate: 26.54 },
];

describe(`tariffs: CRUD, validation, defaults, homes' own tariffs (${dialect})`, () => {
  let t: TestApp;
  let operator: string;
  let a: Tenant;
  let b: Tenant;
  let editor: { token: string };
  let viewer: { token: string };
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Tariffs A');
    b = await createTenant(t.app, operator, 'Tariffs B');
    editor = await a.addUser('editor');
    viewer = await a.addUser('viewer');
  });
  afterAll(async () => t.close());

  const create = async (token: string, body: Record<string, unknown>) => {
    const response = await call(t.app, 'POST', '/tariffs', token, {
      name: `Tariff ${n++}`,
      fuel: 'electricity',
      standingCharge: 50,
      unitRate: 25,
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as TariffView;
  };
  const count = async (table: 'tariffs' | 'home_tariffs' | 'audit_events') =>
    Number(
      (
        await t.app.ctx.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('an admin creates a time-of-use tariff (201, Location, ETag, defaults), reads, changes (If-Match) and deletes it', async () => {
    const created = await call(t.app, 'POST', '/tariffs', a.admin.token, {
      name: '  Cosy  ',
      fuel: 'electricity',
      standingCharge: 48.79,
      bands: COSY,
      validFrom: '2026-01-01',
    });
    expect(created.statusCode, created.body).toBe(201);
    const view = created.json() as TariffView;
    expect(view).toMatchObject({
      name: 'Cosy',
      agentId: a.agentId,
      currency: 'GBP',
      unitRate: null,
      bands: COSY,
      carbonFactor: 0.207,
      validFrom: '2026-01-01',
      validTo: null,
      isDefault: false,
    });
    expect(created.headers.location).toBe(`/api/v/1/tariffs/${view.id}`);
    expect(created.headers.etag).toBe('"r1"');
    const read = await call(t.app, 'GET', `/tariffs/${view.id}`, viewer.token);
    expect(read.json()).toEqual(view);
    expect(read.headers.etag).toBe('"r1"');

    // Giving a flat unitRate makes it flat: the bands go.
    const stale = await call(
      t.app,
      'PUT',
      `/tariffs/${view.id}`,
      a.admin.token,
      { unitRate: 24.5 },
      { 'if-match': '"r7"' },
    );
    expectProblem(stale, 412, 'precondition_failed');
    const changed = await call(
      t.app,
      'PUT',
      `/tariffs/${view.id}`,
      a.admin.token,
      { unitRate: 24.5 },
      { 'if-match': '"r1"' },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ unitRate: 24.5, bands: null, name: 'Cosy' });
    expect(changed.headers.etag).toBe('"r2"');

    expectProblem(
      await call(t.app, 'DELETE', `/tariffs/${view.id}`, a.admin.token, undefined, { 'if-match': '"r1"' }),
      412,
      'precondition_failed',
    );
    const deleted = await call(t.app, 'DELETE', `/tariffs/${view.id}`, a.admin.token, undefined, {
      'if-match': '"r2"',
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expectProblem(await call(t.app, 'GET', `/tariffs/${view.id}`, a.admin.token), 404, 'not_found');
    const actions = await t.app.ctx.database.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', view.id)
      .execute();
    expect(actions.map((r) => r.action).sort()).toEqual([
      'tariff.created',
      'tariff.deleted',
      'tariff.updated',
    ]);
  });

  it('gas and heat: gas takes its default factor, heat must state one, export defaults to 0', async () => {
    expect((await create(a.admin.token, { fuel: 'gas', unitRate: 6.24 })).carbonFactor).toBe(0.183);
    expect((await create(a.admin.token, { fuel: 'electricity_export', unitRate: 15 })).carbonFactor).toBe(0);
    const heat = await call(t.app, 'POST', '/tariffs', a.admin.token, {
      name: 'Heat network',
      fuel: 'heat',
      standingCharge: 30,
      unitRate: 11,
    });
    const problem = expectProblem(heat, 400, 'validation_failed');
    expect(problem.errors).toEqual([
      { field: '/body/carbonFactor', message: expect.stringContaining('required for heat') },
    ]);
    expect(
      (await create(a.admin.token, { fuel: 'heat', unitRate: 11, carbonFactor: 0.12 })).carbonFactor,
    ).toBe(0.12);
  });

  it('bad input is a 400 naming the problem, and stores nothing', async () => {
    const before = await count('tariffs');
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [
        { bands: [...COSY.slice(0, 3), { from: '15:00', to: '19:00', rate: 39.81 }, COSY[4]] },
        '/body/bands/3',
        'overlaps band 2 (13:00-16:00) at 15:00',
      ],
      [{ bands: COSY.slice(0, 4) }, '/body/bands', 'no band covers 19:00-04:00'],
      [{ bands: COSY, unitRate: 20 }, '/body/unitRate', 'not both'],
      [{ unitRate: undefined }, '/body/unitRate', 'give unitRate (flat) or bands'],
      [{ currency: 'XYZ' }, '/body/currency', 'XYZ is not an ISO 4217 currency code'],
      [{ currency: 'gbp' }, '/body/currency', ''],
      [{ validFrom: '2026-02-30' }, '/body/validFrom', 'not a calendar date'],
      [{ validFrom: '2026-05-01', validTo: '2026-04-01' }, '/body/validTo', 'must be after validFrom'],
      [{ bands: [{ from: '25:00', to: '04:00', rate: 1 }] }, '/body/bands/0/from', ''],
      [{ fuel: 'coal' }, '/body/fuel', ''],
      [{ standingCharge: -1 }, '/body/standingCharge', ''],
      [{ tariffCode: 'E-1R-COSY' }, '/body/tariffCode', ''],
    ];
    for (const [change, field, message] of cases) {
      const body: Record<string, unknown> = {
        name: 'Bad',
        fuel: 'electricity',
        standingCharge: 50,
        unitRate: 25,
        ...change,
      };
      if ('bands' in change && !('unitRate' in change)) delete body.unitRate;
      for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
      const response = await call(t.app, 'POST', '/tariffs', a.admin.token, body);
      const problem = expectProblem(response, 400, 'validation_failed');
      expect(problem.errors, JSON.stringify(change)).toContainEqual(
        expect.objectContaining({ field, message: expect.stringContaining(message) }),
      );
    }
    expect(await count('tariffs')).toBe(before);
  });

  it('roles: editors and viewers read; only admins and the operator (naming the agent) manage', async () => {
    const mine = await create(a.admin.token, {});
    for (const token of [editor.token, viewer.token]) {
      expect((await call(t.app, 'GET', `/tariffs/${mine.id}`, token)).statusCode).toBe(200);
      expectProblem(await call(t.app, 'PUT', `/tariffs/${mine.id}`, token, { name: 'x' }), 403, 'forbidden');
    }
    const unnamed = await call(t.app, 'POST', '/tariffs', operator, {
      name: 'Op',
      fuel: 'gas',
      standingCharge: 1,
      unitRate: 5,
    });
    expect(expectProblem(unnamed, 400, 'validation_failed').errors).toEqual([
      { field: '/body/agentId', message: 'is required for the operator' },
    ]);
    const byOperator = await create(operator, { agentId: b.agentId, fuel: 'gas', unitRate: 5 });
    expect(byOperator.agentId).toBe(b.agentId);
    // Another agent's tariff is 404, exactly as a missing one.
    expectProblem(await call(t.app, 'GET', `/tariffs/${byOperator.id}`, a.admin.token), 404, 'not_found');
    expectProblem(
      await call(t.app, 'POST', '/tariffs', a.admin.token, {
        name: 'x',
        fuel: 'gas',
        standingCharge: 1,
        unitRate: 5,
        agentId: b.agentId,
      }),
      404,
      'not_found',
    );
  });

  it('lists page by cursor and filter by fuel', async () => {
    const c = await createTenant(t.app, operator, 'Tariffs C');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await create(c.admin.token, {})).id);
    await create(c.admin.token, { fuel: 'gas' });
    const first = await call(t.app, 'GET', '/tariffs?limit=2&fuel=electricity', c.admin.token);
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json() as { items: TariffView[]; nextCursor: string };
    expect(page.items.map((i) => i.id)).toEqual(ids.slice(0, 2));
    expect(first.headers.link).toContain('rel="next"');
    const second = await call(
      t.app,
      'GET',
      `/tariffs?limit=2&fuel=electricity&cursor=${page.nextCursor}`,
      c.admin.token,
    );
    expect(second.json()).toMatchObject({ items: [{ id: ids[2] }], nextCursor: null });
    expectProblem(await call(t.app, 'GET', '/tariffs?fuel=coal', c.admin.token), 400, 'validation_failed');
  });

  it('one default per agent and fuel at any date: an overlapping second default is 409; versions from a date are fine', async () => {
    const c = await createTenant(t.app, operator, 'Defaults');
    const first = await create(c.admin.token, { isDefault: true, validFrom: '2025-01-01' });
    const clash = await call(t.app, 'POST', '/tariffs', c.admin.token, {
      name: 'Second',
      fuel: 'electricity',
      standingCharge: 50,
      unitRate: 26,
      isDefault: true,
      validFrom: '2026-04-01',
    });
    expect(expectProblem(clash, 409, 'conflict').detail).toContain(first.id);
    // A gas default does not clash with an electricity one.
    await create(c.admin.token, { fuel: 'gas', unitRate: 6, isDefault: true });
    // End the first on 2026-04-01; the new version starts that day.
    const ended = await call(t.app, 'PUT', `/tariffs/${first.id}`, c.admin.token, { validTo: '2026-04-01' });
    expect(ended.statusCode, ended.body).toBe(200);
    const second = await create(c.admin.token, { isDefault: true, validFrom: '2026-04-01', unitRate: 26 });
    // Moving the first's end past the second's start would overlap again.
    expectProblem(
      await call(t.app, 'PUT', `/tariffs/${first.id}`, c.admin.token, { validTo: null }),
      409,
      'conflict',
    );
    const { homeId } = await submitHome(t.app, c.admin.token, `DEF-${randomUUID().slice(0, 8)}`);
    const on = async (date: string) =>
      (await call(t.app, 'GET', `/homes/${homeId}/tariffs?date=${date}`, c.admin.token))
        .json()
        .items.find((i: { fuel: string }) => i.fuel === 'electricity');
    expect(await on('2026-03-31')).toMatchObject({ source: 'agent_default', tariff: { id: first.id } });
    expect(await on('2026-04-01')).toMatchObject({ source: 'agent_default', tariff: { id: second.id } });
    expect(await on('2024-12-31')).toMatchObject({ source: 'none', tariff: null });
  });

  it('two defaults created at the same moment: exactly one wins', async () => {
    const c = await createTenant(t.app, operator, 'Race');
    const body = { fuel: 'gas', standingCharge: 30, unitRate: 6, isDefault: true };
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        call(t.app, 'POST', '/tariffs', c.admin.token, { ...body, name: `Race ${i}` }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const defaults = await t.app.ctx.database.db
      .selectFrom('tariffs')
      .select('id')
      .where('agent_id', '=', c.agentId)
      .where('is_default', '=', 1)
      .execute();
    expect(defaults).toHaveLength(1);
  });

  it("a home's own tariff overrides the agent default per fuel; a tariff in use cannot be deleted", async () => {
    const c = await createTenant(t.app, operator, 'Homes');
    const agentDefault = await create(c.admin.token, { isDefault: true });
    const gasDefault = await create(c.admin.token, { fuel: 'gas', unitRate: 6, isDefault: true });
    const own = await create(c.admin.token, { bands: COSY, unitRate: undefined });
    const other = await create(b.admin.token, {});
    const { homeId } = await submitHome(t.app, c.admin.token, `HT-${randomUUID().slice(0, 8)}`);

    const initial = await call(t.app, 'GET', `/homes/${homeId}/tariffs?date=2026-06-01`, viewer.token);
    expectProblem(initial, 404, 'not_found'); // another agent's viewer
    const read = await call(t.app, 'GET', `/homes/${homeId}/tariffs?date=2026-06-01`, c.admin.token);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.headers.etag).toBe('"r0"');
    expect(read.json()).toMatchObject({
      homeId,
      date: '2026-06-01',
      items: [
        { fuel: 'electricity', source: 'agent_default', tariff: { id: agentDefault.id }, homeTariffId: null },
        { fuel: 'gas', source: 'agent_default', tariff: { id: gasDefault.id } },
        { fuel: 'heat', source: 'none', tariff: null },
        { fuel: 'electricity_export', source: 'none', tariff: null },
      ],
    });

    const refusals: Array<[unknown, string, string]> = [
      [
        [{ fuel: 'electricity', tariffId: other.id }],
        '/body/overrides/0/tariffId',
        `no tariff ${other.id} in this home's agent`,
      ],
      [[{ fuel: 'electricity', tariffId: randomUUID() }], '/body/overrides/0/tariffId', 'no tariff'],
      [[{ fuel: 'gas', tariffId: own.id }], '/body/overrides/0/tariffId', 'is a electricity tariff, not gas'],
      [
        [
          { fuel: 'electricity', tariffId: own.id },
          { fuel: 'electricity', tariffId: agentDefault.id },
        ],
        '/body/overrides/1/fuel',
        'more than once',
      ],
    ];
    for (const [overrides, field, message] of refusals) {
      const response = await call(t.app, 'PUT', `/homes/${homeId}/tariffs`, c.admin.token, { overrides });
      expect(expectProblem(response, 400, 'validation_failed').errors).toContainEqual({
        field,
        message: expect.stringContaining(message),
      });
    }
    expect(await count('home_tariffs')).toBe(0);

    expectProblem(
      await call(
        t.app,
        'PUT',
        `/homes/${homeId}/tariffs`,
        c.admin.token,
        { overrides: [] },
        { 'if-match': '"r3"' },
      ),
      412,
      'precondition_failed',
    );
    const set = await call(
      t.app,
      'PUT',
      `/homes/${homeId}/tariffs`,
      c.admin.token,
      { overrides: [{ fuel: 'electricity', tariffId: own.id }] },
      { 'if-match': '"r0"' },
    );
    expect(set.statusCode, set.body).toBe(200);
    expect(set.headers.etag).toBe('"r1"');
    expect(set.json().items[0]).toMatchObject({
      fuel: 'electricity',
      source: 'home',
      tariff: { id: own.id, bands: COSY },
    });
    expect(set.json().items[1]).toMatchObject({ fuel: 'gas', source: 'agent_default' });

    const inUse = await call(t.app, 'DELETE', `/tariffs/${own.id}`, c.admin.token);
    expect(expectProblem(inUse, 409, 'conflict').detail).toContain('1 home uses this tariff');
    expect((await call(t.app, 'GET', `/tariffs/${own.id}`, c.admin.token)).statusCode).toBe(200);

    // Outside its own tariff's validity the home falls back to the default.
    await call(t.app, 'PUT', `/tariffs/${own.id}`, c.admin.token, { validFrom: '2026-07-01' });
    const before = (
      await call(t.app, 'GET', `/homes/${homeId}/tariffs?date=2026-06-30`, c.admin.token)
    ).json();
    expect(before.items[0]).toMatchObject({
      source: 'agent_default',
      tariff: { id: agentDefault.id },
      homeTariffId: own.id,
    });

    const cleared = await call(t.app, 'PUT', `/homes/${homeId}/tariffs`, c.admin.token, { overrides: [] });
    expect(cleared.headers.etag).toBe('"r2"');
    expect((await call(t.app, 'DELETE', `/tariffs/${own.id}`, c.admin.token)).statusCode).toBe(204);
    expectProblem(
      await call(t.app, 'GET', `/homes/${homeId}/tariffs?date=2026-02-30`, c.admin.token),
      400,
      'validation_failed',
    );
  });
});

describe(`carbon intensity series: import and use (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('imports a half-hourly CSV all or nothing, and electricity uses it where loaded', async () => {
    const tariffs = t.app.ctx.services.tariffs;
    const t0 = Date.UTC(2026, 2, 29, 0);
    const bad =
      'time,g_per_kwh\n2026-03-29T00:00:00Z,120\n2026-03-29T00:10:00Z,90\n2026-03-29T01:00:00Z,-4\n';
    await expect(tariffs.importCarbonIntensity('GB', bad)).rejects.toMatchObject({
      code: 'validation_failed',
      extra: {
        errors: [
          { field: 'line 3', message: '2026-03-29T00:10:00Z is not the start of a half hour' },
          { field: 'line 4', message: '-4 is not a gCO2e/kWh between 0 and 2000' },
        ],
      },
    });
    expect(await t.app.ctx.database.db.selectFrom('carbon_intensity').selectAll().execute()).toEqual([]);

    const csv =
      'time,g_per_kwh\n2026-03-29T00:00:00Z,120\n2026-03-29T00:30:00+00:00,130\n2026-03-29T01:00:00Z,80\n';
    expect(await tariffs.importCarbonIntensity('GB', csv)).toBe(3);
    // Importing again replaces values, never duplicates them.
    expect(await tariffs.importCarbonIntensity('GB', 'time,g_per_kwh\n2026-03-29T01:00:00Z,100\n')).toBe(1);

    const electricity = { fuel: 'electricity' as const, carbonFactor: 0.207 };
    const source = await tariffs.carbonSource(electricity, 'GB', t0, t0 + 2 * 3_600_000);
    const usage = [
      { hourStart: t0, kwh: 2 }, // 1 × 0.120 + 1 × 0.130 = 0.25
      { hourStart: t0 + 3_600_000, kwh: 2 }, // 1 × 0.100 + 1 × 0.207 (no series) = 0.307
    ];
    expect(carbonOf(source, usage)).toEqual({ kgCo2e: 0.557, kwh: 4, fallbackHalfHours: 1 });
    // No series for the region, or gas: the fixed factor.
    expect(await tariffs.carbonSource(electricity, 'north-wales', t0, t0 + 3_600_000)).toEqual({
      kind: 'factor',
      kgPerKwh: 0.207,
    });
    expect(
      await tariffs.carbonSource({ fuel: 'gas', carbonFactor: 0.183 }, 'GB', t0, t0 + 3_600_000),
    ).toEqual({
      kind: 'factor',
      kgPerKwh: 0.183,
    });
  });
});
