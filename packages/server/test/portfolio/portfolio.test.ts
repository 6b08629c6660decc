import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quartiles } from '../../src/portfolio/stats.js';
import {
  call,
  completeOrder,
  createGroup,
  createTenant,
  expectProblem,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  pushAll,
  type Reading,
  setHomeGroups,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

let t: TestApp;
let operator: string;
let tenant: Tenant;
let other: Tenant;

const HOUR = 3_600_000;
// Europe/London is on GMT in November: local midnights are UTC midnights, so this window is two
// whole local days and is read from the daily rollups.
const FROM = Date.parse('2026-11-01T00:00:00Z');
const TO = Date.parse('2026-11-03T00:00:00Z');
const WINDOW = `from=${iso(FROM)}&to=${iso(TO)}`;

const installation = (technology: string, designSpf: number) => ({
  ...completeOrder('x').installation,
  technology,
  designSpf,
});
const meters = (reference: string) => ({
  meters: [
    { serial: `HM-${reference}`, kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 3600 } },
    {
      serial: `EM-${reference}`,
      kind: 'electricity_meter',
      measures: 'heat_pump',
      reading: { method: 'push', intervalSeconds: 3600 },
    },
  ],
});

/**
 * A home whose registers read at half past every hour from the hour before FROM: 1 kWh of
 * electricity and `cop` kWh of heat an hour, for `hours` hours of the window.
 */
async function seed(
  tenantOf: Tenant,
  reference: string,
  cop: number,
  hours: number,
  technology = 'air_source_heat_pump',
  designSpf = 3,
) {
  const { homeId, channel } = await homeWithChannels(t.app, tenantOf.admin.token, reference, {
    installation: installation(technology, designSpf),
    ...meters(reference),
  });
  const electricity = channel('electricity_meter', 'electricity_energy').id;
  const heat = channel('heat_meter', 'heat_energy').id;
  const readings: Reading[] = [];
  for (let k = 0; k <= hours; k++) {
    const at = iso(FROM - HOUR + k * HOUR + 30 * 60_000);
    readings.push({ channelId: electricity, time: at, value: 100 + k });
    readings.push({ channelId: heat, time: at, value: 300 + k * cop });
  }
  await pushAll(t.app, tenantOf.admin.token, readings);
  return homeId;
}

let homes: Record<'a' | 'b' | 'c' | 'g', string>;

beforeAll(async () => {
  t = await startTestApp();
  operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Portfolio');
  other = await createTenant(t.app, operator, 'Elsewhere');
  homes = {
    // SPF 3.0 against a design of 3.0; 2.5 against 3.2; 4.0 but only half the window read (50 %).
    a: await seed(tenant, 'PF-A', 3, 48),
    b: await seed(tenant, 'PF-B', 2.5, 48, 'air_source_heat_pump', 3.2),
    c: await seed(tenant, 'PF-C', 4, 24),
    // A ground source home: SPF 3.5, design 4 (ratio 0.875).
    g: await seed(tenant, 'PF-G', 3.5, 48, 'ground_source_heat_pump', 4),
  };
  await seed(other, 'PF-OTHER', 5, 48);
});
afterAll(() => t?.close());

const get = (path: string, token = tenant.admin.token, headers: Record<string, string> = {}) =>
  call(t.app, 'GET', path, token, undefined, headers);

describe('quartiles', () => {
  it('interpolate linearly between order statistics (type 7)', () => {
    expect(quartiles([4, 1, 3, 2])).toEqual({ min: 1, q1: 1.75, median: 2.5, q3: 3.25, max: 4 });
    expect(quartiles([7])).toEqual({ min: 7, q1: 7, median: 7, q3: 7, max: 7 });
    expect(quartiles([])).toBeNull();
  });
});

describe('GET /portfolio/performance', () => {
  it('ranks the homes by SPF, withholding it below the coverage threshold', async () => {
    const response = await get(`/portfolio/performance?${WINDOW}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      agentId: tenant.agentId,
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-03T00:00:00.000Z',
      timeZone: 'Europe/London',
      resolution: 'day',
      minCoveragePercent: 90,
      nextCursor: null,
    });
    expect(body.items).toEqual([
      {
        homeId: homes.g,
        reference: 'PF-G',
        technology: 'ground_source_heat_pump',
        boundary: 'H3',
        heatKwh: 168,
        electricityKwh: 48,
        spf: 3.5,
        spfWithheld: null,
        coveragePercent: 100,
        suspectHours: 0,
        designSpf: 4,
        spfRatio: 0.875,
        flowTemperatureC: null,
      },
      expect.objectContaining({ reference: 'PF-A', heatKwh: 144, electricityKwh: 48, spf: 3, spfRatio: 1 }),
      expect.objectContaining({ reference: 'PF-B', heatKwh: 120, spf: 2.5, designSpf: 3.2, spfRatio: 0.781 }),
      // 24 readings of the 48 its hourly interval expects: 50 %, so no SPF (and last, as nulls are).
      expect.objectContaining({
        reference: 'PF-C',
        heatKwh: 96,
        electricityKwh: 24,
        spf: null,
        spfWithheld: 'low_coverage',
        coveragePercent: 50,
      }),
    ]);
    // SPFs 2.5, 3, 3.5: q1 at h = 0.5 → 2.75, q3 at h = 1.5 → 3.25.
    expect(body.summary).toEqual({
      homes: 4,
      withSpf: 3,
      spf: { min: 2.5, q1: 2.75, median: 3, q3: 3.25, max: 3.5 },
      coverage: { min: 50, q1: 87.5, median: 100, q3: 100, max: 100 },
      electricity: { min: 24, q1: 42, median: 48, q3: 48, max: 48 },
      heat: { min: 96, q1: 114, median: 132, q3: 150, max: 168 },
      spfRatio: { min: 0.781, q1: 0.828, median: 0.875, q3: 0.938, max: 1 },
      // No flow temperature is read in these homes.
      flowTemperature: null,
    });
    expect(body.belowDesign.map((r: { reference: string }) => r.reference)).toEqual(['PF-B', 'PF-G']);
  });

  it('sorts, filters and pages', async () => {
    const refs = async (query: string) => {
      const response = await get(`/portfolio/performance?${WINDOW}&${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json().items.map((r: { reference: string }) => r.reference);
    };
    expect(await refs('minCoverage=40')).toEqual(['PF-C', 'PF-G', 'PF-A', 'PF-B']);
    expect(await refs('sort=spf&order=asc')).toEqual(['PF-B', 'PF-A', 'PF-G', 'PF-C']);
    expect(await refs('sort=belowDesign')).toEqual(['PF-B', 'PF-G', 'PF-A', 'PF-C']);
    expect(await refs('sort=heat')).toEqual(['PF-G', 'PF-A', 'PF-B', 'PF-C']);
    expect(await refs('sort=coverage&order=asc')).toEqual(['PF-C', 'PF-A', 'PF-B', 'PF-G']);
    expect(await refs('technology=ground_source_heat_pump')).toEqual(['PF-G']);
    expect(await refs('boundary=H2')).toEqual(['PF-G', 'PF-A', 'PF-B', 'PF-C']);
    expect(await refs('boundary=H4')).toEqual([]);

    const first = await get(`/portfolio/performance?${WINDOW}&limit=3`);
    expect(first.json().items).toHaveLength(3);
    const cursor = first.json().nextCursor as string;
    expect(first.headers.link).toBe(
      `</api/v/1/portfolio/performance?${WINDOW.replaceAll(':', '%3A')}&limit=3&cursor=${cursor}>; rel="next"`,
    );
    const second = await get(`/portfolio/performance?${WINDOW}&limit=3&cursor=${cursor}`);
    expect(second.json().items.map((r: { reference: string }) => r.reference)).toEqual(['PF-C']);
    expect(second.json().nextCursor).toBeNull();
    expect(second.headers.link).toBeUndefined();
  });

  it('reads hourly rollups for a window that is not whole local days', async () => {
    const response = await get(
      `/portfolio/performance?from=2026-11-01T06:00:00Z&to=2026-11-02T00:00:00Z&sort=heat`,
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().resolution).toBe('hour');
    // 18 hours of the window: PF-C (4 kWh of heat an hour, read all day on the 1st) leads PF-G (3.5).
    expect(response.json().items.slice(0, 2)).toMatchObject([
      { reference: 'PF-C', electricityKwh: 18, heatKwh: 72 },
      { reference: 'PF-G', electricityKwh: 18, heatKwh: 63 },
    ]);
  });

  it('shows a user limited to home groups only their groups’ homes', async () => {
    const group = await createGroup(t.app, tenant.admin.token, `pf-${Date.now()}`);
    await setHomeGroups(t.app, tenant.admin.token, homes.b, [group]);
    const viewer = await tenant.addUser('viewer');
    const restrict = await call(t.app, 'PUT', `/users/${viewer.id}`, tenant.admin.token, {
      homeAccess: { mode: 'groups', groupIds: [group] },
    });
    expect(restrict.statusCode, restrict.body).toBe(200);
    const seen = await get(`/portfolio/performance?${WINDOW}`, viewer.token);
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.json().items.map((r: { homeId: string }) => r.homeId)).toEqual([homes.b]);
    expect(seen.json().summary.homes).toBe(1);
    const insight = await get(`/portfolio/insight?${WINDOW}`, viewer.token);
    expect(insight.json().items.map((r: { homeId: string }) => r.homeId)).toEqual([homes.b]);
    // The group filter of an admin.
    const byGroup = await get(`/portfolio/performance?${WINDOW}&group=${group}`);
    expect(byGroup.json().items.map((r: { homeId: string }) => r.homeId)).toEqual([homes.b]);
  });

  it('never shows another agent’s homes; the operator must name the agent', async () => {
    // Naming another agent is the same 404 as naming none that exists.
    const asked = await get(`/portfolio/performance?${WINDOW}&agentId=${other.agentId}`);
    const missing = await get(
      `/portfolio/performance?${WINDOW}&agentId=${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`,
    );
    expectProblem(asked, 404, 'not_found');
    expectProblem(missing, 404, 'not_found');
    expectProblem(await get(`/portfolio/insight?agentId=${other.agentId}`), 404, 'not_found');
    expectProblem(await get(`/portfolio/performance?${WINDOW}`, operator), 400, 'validation_failed');
    const theirs = await get(`/portfolio/performance?${WINDOW}&agentId=${other.agentId}`, operator);
    expect(theirs.json().items.map((r: { reference: string }) => r.reference)).toEqual(['PF-OTHER']);
  });

  it('answers every row as CSV', async () => {
    const response = await get(`/portfolio/performance?${WINDOW}&limit=1`, tenant.admin.token, {
      accept: 'text/csv',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const lines = response.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'homeId,reference,technology,boundary,heatKwh,electricityKwh,spf,coveragePercent,designSpf,spfRatio,flowTemperatureC',
    );
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(`${homes.g},PF-G,ground_source_heat_pump,H3,168,48,3.5,100,4,0.875,`);
    expect(lines[4]).toBe(`${homes.c},PF-C,air_source_heat_pump,H3,96,24,,50,3,,`);
  });

  it('gives each home its flow temperature: daily means weighted by daily heat', async () => {
    const flow = await createTenant(t.app, operator, 'Flow');
    /**
     * A home read at half past every hour from the hour before FROM: heat `heatPerHour(k)` kWh in
     * reading k's hour, flow temperature `flowAt(k)` °C (none when `flowAt` is not given).
     */
    const home = async (
      reference: string,
      heatPerHour: (k: number) => number,
      flowAt?: (k: number) => number,
      heatMeterChannels?: { key: string }[],
    ) => {
      const { homeId, channel } = await homeWithChannels(t.app, flow.admin.token, reference, {
        installation: installation('air_source_heat_pump', 3),
        meters: [
          {
            ...meters(reference).meters[0],
            ...(heatMeterChannels ? { channels: heatMeterChannels } : {}),
          },
          meters(reference).meters[1],
        ],
      });
      const heat = channel('heat_meter', 'heat_energy').id;
      const electricity = channel('electricity_meter', 'electricity_energy').id;
      const readings: Reading[] = [];
      let register = 300;
      for (let k = 0; k <= 48; k++) {
        const at = iso(FROM - HOUR + k * HOUR + 30 * 60_000);
        if (k > 0) register += heatPerHour(k);
        readings.push({ channelId: heat, time: at, value: register });
        readings.push({ channelId: electricity, time: at, value: 100 + k });
        if (flowAt)
          readings.push({
            channelId: channel('heat_meter', 'flow_temperature').id,
            time: at,
            value: flowAt(k),
          });
      }
      await pushAll(t.app, flow.admin.token, readings);
      return homeId;
    };
    // Reading k (k = 1…24) is on 1 November, k = 25…48 on the 2nd; k = 0 on 31 October, outside.
    const weighted = await home(
      'PF-FLOW',
      (k) => (k <= 24 ? 1 : 3),
      // 1 Nov: 30 and 40 by turns (mean 35); 2 Nov: 40 and 50 (mean 45); 31 Oct: 90, outside the window.
      (k) => (k === 0 ? 90 : (k <= 24 ? 30 : 40) + (k % 2) * 10),
    );
    // No flow_temperature channel on its heat meter.
    const without = await home('PF-NOFLOW', () => 2, undefined, [{ key: 'heat_energy' }]);
    // Flow temperatures, but its heat register never moves: no heat to weigh them by.
    const idle = await home(
      'PF-IDLE',
      () => 0,
      () => 50,
    );

    const response = await get(`/portfolio/performance?${WINDOW}&sort=heat`, flow.admin.token);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.resolution).toBe('day');
    const rows = new Map(
      body.items.map((r: { homeId: string; flowTemperatureC: number | null }) => [r.homeId, r]),
    );
    // 24 kWh at a mean 35 °C on the 1st, 72 kWh at 45 °C on the 2nd: (24 × 35 + 72 × 45) / 96 = 42.5.
    expect(rows.get(weighted)).toMatchObject({ reference: 'PF-FLOW', heatKwh: 96, flowTemperatureC: 42.5 });
    expect(rows.get(without)).toMatchObject({ reference: 'PF-NOFLOW', heatKwh: 96, flowTemperatureC: null });
    expect(rows.get(idle)).toMatchObject({ reference: 'PF-IDLE', heatKwh: 0, flowTemperatureC: null });
    expect(body.summary.flowTemperature).toEqual({
      min: 42.5,
      q1: 42.5,
      median: 42.5,
      q3: 42.5,
      max: 42.5,
    });

    const csv = await get(`/portfolio/performance?${WINDOW}&sort=heat`, flow.admin.token, {
      accept: 'text/csv',
    });
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]?.split(',').at(-1)).toBe('flowTemperatureC');
    expect(
      lines
        .find((l) => l.startsWith(weighted))
        ?.split(',')
        .at(-1),
    ).toBe('42.5');
    expect(
      lines
        .find((l) => l.startsWith(without))
        ?.split(',')
        .at(-1),
    ).toBe('');
    expect(
      lines
        .find((l) => l.startsWith(idle))
        ?.split(',')
        .at(-1),
    ).toBe('');
  });

  it('names the bad parameter', async () => {
    for (const [query, field] of [
      ['from=yesterday', '/query/from'],
      ['sort=cop', '/query/sort'],
      ['minCoverage=101', '/query/minCoverage'],
      ['limit=1001', '/query/limit'],
      ['cursor=nonsense', '/query/cursor'],
      ['boundary=H5', '/query/boundary'],
    ] as const) {
      const response = await get(`/portfolio/performance?${query}`);
      expectProblem(response, 400, 'validation_failed');
      expect(
        response.json().errors.map((e: { field: string }) => e.field),
        query,
      ).toContain(field);
    }
  });
});

describe('GET /portfolio/insight', () => {
  it('gives energy per home, sorted, with distributions and CSV', async () => {
    const response = await get(`/portfolio/insight?${WINDOW}&sort=heat&order=asc`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.items.map((r: { reference: string }) => r.reference)).toEqual([
      'PF-C',
      'PF-B',
      'PF-A',
      'PF-G',
    ]);
    expect(body.items[0]).toEqual({
      homeId: homes.c,
      reference: 'PF-C',
      technology: 'air_source_heat_pump',
      electricityKwh: 24,
      heatKwh: 96,
      gasKwh: null,
      pvKwh: null,
    });
    expect(body.summary).toMatchObject({
      homes: 4,
      heat: { min: 96, q1: 114, median: 132, q3: 150, max: 168 },
      gas: null,
      pv: null,
    });
    const csv = await get(`/portfolio/insight?${WINDOW}`, tenant.admin.token, { accept: 'text/csv' });
    expect(csv.body.split('\r\n')[0]).toBe('homeId,reference,technology,electricityKwh,heatKwh,gasKwh,pvKwh');
    expect(csv.body.trimEnd().split('\r\n')).toHaveLength(5);
  });
});
