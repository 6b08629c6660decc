import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  completeOrder,
  countRows,
  createGroup,
  createTenant,
  dialect,
  login,
  startTestApp,
  submitHome,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

/** One bad value: where it goes (dotted path from the body), what it is, and the field the 400 must name. */
type Case = [path: string, value: unknown, field?: string];

const DELETE = Symbol('delete');
const long = (n: number) => 'x'.repeat(n);

/** A copy of `body` with `value` at the dotted `path` (array indexes as numbers); DELETE removes it. */
function withValue(body: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return copy;
}

const fieldOf = (path: string, field?: string) => field ?? `/body/${path.replaceAll('.', '/')}`;

const meter = (i: number) => ({ serial: `M-${i}`, kind: 'electricity_meter' });

/** Wrong types, ranges, formats and unknown fields at every level of an order's property. */
const PROPERTY: Case[] = [
  ['property', 'High Street'],
  ['property', []],
  ['property.addressLines', '1 High Street'],
  ['property.addressLines', []],
  ['property.addressLines', ['a', 'b', 'c', 'd', 'e']],
  ['property.addressLines', [5], '/body/property/addressLines/0'],
  ['property.addressLines', [long(201)], '/body/property/addressLines/0'],
  ['property.addressLines', ['   '], '/body/property/addressLines/0'],
  ['property.town', 5],
  ['property.town', ''],
  ['property.town', long(101)],
  ['property.postcode', 5545],
  ['property.postcode', long(17)],
  ['property.country', 'gb'],
  ['property.country', 'GBR'],
  ['property.country', 44],
  ['property.uprn', '12a'],
  ['property.uprn', 100023336956],
  ['property.uprn', '1234567890123'],
  ['property.latitude', 91],
  ['property.latitude', '53.1'],
  ['property.longitude', -181],
  ['property.longitude', null],
  ['property.colour', 'red'],
];

const OCCUPANT: Case[] = [
  ['occupant', 'Olive'],
  ['occupant.name', 5],
  ['occupant.name', ''],
  ['occupant.name', long(201)],
  ['occupant.email', 'not-an-email'],
  ['occupant.email', `${long(250)}@example.com`],
  ['occupant.phone', 'call me'],
  ['occupant.phone', 441286000000],
  ['occupant.dateOfBirth', '1970-01-01'],
];

const INSTALLATION: Case[] = [
  ['installation', 'heat pump'],
  ['installation.technology', 'nuclear'],
  ['installation.technology', 5],
  ['installation.manufacturer', 5],
  ['installation.manufacturer', long(101)],
  ['installation.model', ''],
  ['installation.ratedCapacityKw', '7'],
  ['installation.ratedCapacityKw', 0],
  ['installation.ratedCapacityKw', -3],
  ['installation.ratedCapacityKw', 1001],
  ['installation.commissioningDate', 'yesterday'],
  ['installation.commissioningDate', '2026-13-01'],
  ['installation.commissioningDate', 20261001],
  ['installation.mcsCertificateNumber', long(51)],
  ['installation.designFlowTemperatureC', 200],
  ['installation.designFlowTemperatureC', 10],
  ['installation.designFlowTemperatureC', '45'],
  ['installation.designSpf', 0.5],
  ['installation.designScop', 11],
  ['installation.designHeatLossW', -5],
  ['installation.designHeatLossWPerK', '100'],
  ['installation.annualHeatDemandKwh', 0],
  ['installation.annualHeatDemandKwh', true],
  ['installation.colour', 'green'],
];

const REFERENCE: Case[] = [
  ['reference', 5],
  ['reference', ''],
  ['reference', '   '],
  ['reference', long(65)],
  ['reference', null],
];

const METERS: Case[] = [
  ['meters', 'HM-1'],
  ['meters', Array.from({ length: 33 }, (_, i) => meter(i))],
  ['meters.0', 'HM-1'],
  ['meters.0.serial', DELETE],
  ['meters.0.serial', 5],
  ['meters.0.serial', long(65)],
  ['meters.0.kind', 'toaster'],
  ['meters.0.kind', DELETE],
  ['meters.0.reading', 'push'],
  ['meters.0.reading.method', 'fax'],
  ['meters.0.reading.method', DELETE],
  ['meters.0.reading.url', 'ftp://x'],
  ['meters.0.reading.url', 'not a url'],
  ['meters.0.reading.url', `https://example.com/${long(2000)}`],
  ['meters.0.reading.intervalSeconds', 5],
  ['meters.0.reading.intervalSeconds', 86_401],
  ['meters.0.reading.intervalSeconds', 60.5],
  ['meters.0.reading.intervalSeconds', '60'],
  ['meters.0.reading.colour', 'red'],
  ['meters.0.location', 'attic'],
  ['meters.0.measures', 'toaster'],
  ['meters.0.channels', 'all'],
  ['meters.0.channels', Array.from({ length: 33 }, (_, i) => ({ key: `c${i}` }))],
  ['meters.0.channels', [{ key: 'Bad Key' }], '/body/meters/0/channels/0/key'],
  ['meters.0.channels', [{ key: '1st' }], '/body/meters/0/channels/0/key'],
  ['meters.0.channels', [{ key: long(64) }], '/body/meters/0/channels/0/key'],
  ['meters.0.channels', [{ quantity: 'energy' }], '/body/meters/0/channels/0/key'],
  ['meters.0.channels', [{ key: 'speed', quantity: 'speed' }], '/body/meters/0/channels/0/quantity'],
  ['meters.0.channels', [{ key: 'heat_power', unit: 5 }], '/body/meters/0/channels/0/unit'],
  ['meters.0.channels', [{ key: 'heat_power', unit: long(11) }], '/body/meters/0/channels/0/unit'],
  ['meters.0.channels', [{ key: 'heat_power', kind: 'cumulative' }], '/body/meters/0/channels/0/kind'],
  ['meters.0.channels', [{ key: 'heat_power', scale: 10 }], '/body/meters/0/channels/0/scale'],
  ['meters.0.colour', 'red'],
];

const SERVICES: Case[] = [
  ['services', 'amr'],
  ['services', ['amr']],
  ['services.amr', true],
  ['services.amr.intervalSeconds', 5],
  ['services.amr.intervalSeconds', '60'],
  ['services.amr.colour', 'red'],
  ['services.insight.depth', 3],
  ['services.toaster', {}],
  ['services.fault_management.recipients', 'ops@example.com'],
  ['services.fault_management.recipients', ['not-an-email'], '/body/services/fault_management/recipients/0'],
  ['services.fault_management.recipients', Array.from({ length: 21 }, (_, i) => `r${i}@example.com`)],
];

/** Fields a client might try to set on an order but which the server alone decides. */
const ORDER_TOP: Case[] = [
  ['colour', 'red'],
  ['status', 'provisioned'],
  ['homeId', '0190a8d5-0000-7000-8000-000000000000'],
  ['agentId', '0190a8d5-0000-7000-8000-000000000000'],
  ['id', '0190a8d5-0000-7000-8000-000000000000'],
];

const ORDER_CASES = [
  ...REFERENCE,
  ...PROPERTY,
  ...OCCUPANT,
  ...INSTALLATION,
  ...METERS,
  ...SERVICES,
  ...ORDER_TOP,
  ['reference', DELETE] as Case,
];

const HOME_CASES: Case[] = [
  ...REFERENCE,
  ...PROPERTY,
  ...OCCUPANT,
  ...INSTALLATION,
  ['groupIds', 'all'],
  ['groupIds', ['not-a-uuid'], '/body/groupIds/0'],
  ['groupIds', ['0190a8d5-0000-7000-8000-000000000000', '0190a8d5-0000-7000-8000-000000000000']],
  [
    'groupIds',
    Array.from({ length: 101 }, (_, i) => `0190a8d5-0000-7000-8000-${String(i).padStart(12, '0')}`),
  ],
  ['meters', []],
  ['services', {}],
  ['status', 'decommissioned'],
  ['orderId', '0190a8d5-0000-7000-8000-000000000000'],
  ['agentId', '0190a8d5-0000-7000-8000-000000000000'],
];

const SETTINGS: Case[] = [
  ['settings', 'fast'],
  ['settings', []],
  ['settings.intervalSeconds', 5],
  ['settings.intervalSeconds', 86_401],
  ['settings.intervalSeconds', '60'],
  ['settings.intervalSeconds', 60.5],
  ['settings.recipients', 'ops@example.com'],
  ['settings.recipients', ['not-an-email'], '/body/settings/recipients/0'],
  ['settings.recipients', Array.from({ length: 21 }, (_, i) => `r${i}@example.com`)],
  ['settings.thresholds', 5],
  ['settings.thresholds', { 'cop.min': 'low' }, '/body/settings/thresholds/cop.min'],
  ['settings.colour', 'red'],
];

const CREATE_PROVISIONING: Case[] = [
  ['service', 'toaster'],
  ['service', DELETE],
  ['service', 5],
  ...SETTINGS,
  ['status', 'active'],
  ['revision', 1],
];

const UPDATE_PROVISIONING: Case[] = [
  ['status', 'failed'],
  ['status', 'pending'],
  ['status', true],
  ...SETTINGS,
  ['service', 'insight'],
  ['revision', 9],
  ['homeId', '0190a8d5-0000-7000-8000-000000000000'],
];

const GROUP_CASES: Case[] = [
  ['name', DELETE],
  ['name', 5],
  ['name', ''],
  ['name', '   '],
  ['name', long(101)],
  ['name', ['North']],
  ['agentId', '0190a8d5-0000-7000-8000-000000000000'],
  ['homeIds', []],
];

describe(`bad input on orders, homes, provisioning and home groups: 400 naming the field, nothing stored (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;
  let draftId: string;
  let homeId: string;
  let amrId: string;
  let groupId: string;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Bad input');
    draftId = (await call(t.app, 'POST', '/orders', tenant.admin.token, completeOrder('BAD-DRAFT'))).json()
      .id;
    ({ homeId } = await submitHome(t.app, tenant.admin.token, 'BAD-HOME'));
    amrId = (await call(t.app, 'GET', `/homes/${homeId}/provisioning`, tenant.admin.token))
      .json()
      .items.find((p: { service: string }) => p.service === 'amr').id;
    groupId = await createGroup(t.app, tenant.admin.token, 'Bad input group');
  });
  afterAll(async () => t.close());

  const expect400 = (response: LightMyRequestResponse, field: string, what: string) => {
    expect(response.statusCode, `${what}: ${response.body}`).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = response.json();
    expect(body.code, what).toBe('validation_failed');
    expect(
      body.errors.map((e: { field: string }) => e.field),
      `${what}: ${response.body}`,
    ).toContain(field);
  };

  /** Sends every case as `method url` and checks it is refused, naming the field, with nothing stored. */
  async function refuseAll(
    method: 'POST' | 'PUT',
    url: string,
    base: unknown,
    cases: Case[],
    readBack?: string,
  ): Promise<number> {
    const before = await countRows(t.app);
    const target = readBack ? await call(t.app, 'GET', readBack, tenant.admin.token) : undefined;
    for (const [path, value, field] of cases) {
      const body = withValue(base, path, value);
      const what = `${method} ${url} with ${path} = ${value === DELETE ? '(missing)' : JSON.stringify(value)?.slice(0, 60)}`;
      expect400(await call(t.app, method, url, tenant.admin.token, body), fieldOf(path, field), what);
    }
    expect(await countRows(t.app)).toEqual(before);
    if (readBack && target) {
      const after = await call(t.app, 'GET', readBack, tenant.admin.token);
      expect(after.headers.etag).toBe(target.headers.etag);
      expect(after.json()).toEqual(target.json());
    }
    return cases.length;
  }

  it('POST /orders', async () => {
    expect(await refuseAll('POST', '/orders', completeOrder('BAD-NEW'), ORDER_CASES)).toBeGreaterThan(100);
  });

  it('PUT /orders/:id', async () => {
    await refuseAll(
      'PUT',
      `/orders/${draftId}`,
      completeOrder('BAD-DRAFT'),
      ORDER_CASES,
      `/orders/${draftId}`,
    );
  });

  it('PUT /homes/:id', async () => {
    const { reference, property, occupant, installation } = completeOrder('BAD-HOME');
    await refuseAll(
      'PUT',
      `/homes/${homeId}`,
      { reference, property, occupant, installation, groupIds: [groupId] },
      HOME_CASES,
      `/homes/${homeId}`,
    );
  });

  it('POST /homes/:id/provisioning', async () => {
    await refuseAll(
      'POST',
      `/homes/${homeId}/provisioning`,
      { service: 'fault_management', settings: { recipients: ['ops@example.com'] } },
      CREATE_PROVISIONING,
      `/homes/${homeId}`,
    );
  });

  it('PUT /homes/:id/provisioning/:provisioningId', async () => {
    await refuseAll(
      'PUT',
      `/homes/${homeId}/provisioning/${amrId}`,
      { status: 'active', settings: { intervalSeconds: 60 } },
      UPDATE_PROVISIONING,
      `/homes/${homeId}/provisioning/${amrId}`,
    );
  });

  it('POST and PUT /home-groups', async () => {
    await refuseAll('POST', '/home-groups', { name: 'Fine' }, GROUP_CASES);
    await refuseAll(
      'PUT',
      `/home-groups/${groupId}`,
      { name: 'Fine' },
      GROUP_CASES,
      `/home-groups/${groupId}`,
    );
  });

  it('bodies that are not objects, or are empty where something must change', async () => {
    const before = await countRows(t.app);
    const raw = (method: 'POST' | 'PUT', url: string, payload: string) =>
      t.app.inject({
        method,
        url: `/api/v/1${url}`,
        headers: { authorization: `Bearer ${tenant.admin.token}`, 'content-type': 'application/json' },
        payload,
      });
    const targets: ['POST' | 'PUT', string][] = [
      ['POST', '/orders'],
      ['PUT', `/orders/${draftId}`],
      ['PUT', `/homes/${homeId}`],
      ['POST', `/homes/${homeId}/provisioning`],
      ['PUT', `/homes/${homeId}/provisioning/${amrId}`],
      ['POST', '/home-groups'],
      ['PUT', `/home-groups/${groupId}`],
    ];
    for (const [method, url] of targets) {
      for (const payload of ['[]', '"order"', '42', 'null']) {
        const response = await raw(method, url, payload);
        expect(response.statusCode, `${method} ${url} ${payload}: ${response.body}`).toBe(400);
        expect(response.json().code).toMatch(/^(validation_failed|malformed_json)$/);
      }
    }
    // PUT on a home or a definition must change something.
    for (const url of [`/homes/${homeId}`, `/homes/${homeId}/provisioning/${amrId}`]) {
      expect400(await call(t.app, 'PUT', url, tenant.admin.token, {}), '/body', `PUT ${url} {}`);
    }
    expect(await countRows(t.app)).toEqual(before);
  });

  it('path and query parameters of the wrong shape are 400 naming them', async () => {
    const cases: [string, string][] = [
      ['/homes/not-a-uuid', '/params/id'],
      ['/homes/not-a-uuid/meters', '/params/id'],
      [`/homes/${homeId}/provisioning/not-a-uuid`, '/params/provisioningId'],
      ['/orders/12345', '/params/id'],
      ['/home-groups/x', '/params/id'],
      ['/homes?limit=0', '/query/limit'],
      ['/homes?limit=201', '/query/limit'],
      ['/homes?limit=ten', '/query/limit'],
      ['/homes?status=demolished', '/query/status'],
      ['/homes?technology=toaster', '/query/technology'],
      ['/homes?groupId=north', '/query/groupId'],
      [`/homes?q=${long(101)}`, '/query/q'],
      [`/homes?postcode=${long(17)}`, '/query/postcode'],
      ['/homes?cursor=abc', '/query/cursor'],
      ['/homes?colour=red', '/query/colour'],
      ['/orders?status=submitted', '/query/status'],
      [`/orders?q=${long(65)}`, '/query/q'],
      ['/orders?cursor=abc', '/query/cursor'],
    ];
    for (const [url, field] of cases) {
      expect400(await call(t.app, 'GET', url, tenant.admin.token), field, `GET ${url}`);
    }
  });
});
