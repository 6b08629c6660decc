import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTenant,
  expectProblem,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  pushAll,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

let t: TestApp;
let tenant: Tenant;
let homeId: string;
let energy: string;
let flow: string;
const HOUR = 3_600_000;
// 24 to 27 October 2026 (UTC), across the end of British Summer Time on the 25th at 01:00 UTC.
const FROM = Date.UTC(2026, 9, 24, 0, 0);
const HOURS = 72;

beforeAll(async () => {
  t = await startTestApp({ HEARTH_TELEMETRY_MAX_POINTS: '500' });
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Query');
  const home = await homeWithChannels(t.app, tenant.admin.token, 'QUERY-1');
  homeId = home.homeId;
  energy = home.channel('heat_meter', 'heat_energy').id;
  flow = home.channel('heat_meter', 'flow_temperature').id;
  // One reading every 15 minutes: the register rises 0.25 kWh each, the flow temperature is the hour of day.
  const readings = [];
  for (let k = 0; k < HOURS * 4; k++) {
    const time = FROM + k * 15 * 60_000;
    readings.push({ channelId: energy, time: iso(time), value: 1000 + 0.25 * (k + 1) });
    readings.push({ channelId: flow, time: iso(time), value: new Date(time).getUTCHours() });
  }
  await pushAll(t.app, tenant.admin.token, readings);
});
afterAll(() => t?.close());

const query = (params: Record<string, string>, headers: Record<string, string> = {}) =>
  call(
    t.app,
    'GET',
    `/homes/${homeId}/telemetry?${new URLSearchParams(params)}`,
    tenant.admin.token,
    undefined,
    headers,
  );

describe('GET /homes/{id}/telemetry', () => {
  it('buckets days at local midnight in Europe/London: the day the clocks go back has 25 hours', async () => {
    const response = await query({
      channels: energy,
      from: iso(FROM),
      to: iso(FROM + HOURS * HOUR),
      resolution: 'day',
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ resolution: 'day', timeZone: 'Europe/London' });
    const points = body.channels[0].points as { time: string; value: number; count: number }[];
    // Local midnight: 23:00 UTC in summer time, 00:00 UTC after the change.
    expect(points.map((p) => p.time)).toEqual([
      '2026-10-23T23:00:00.000Z',
      '2026-10-24T23:00:00.000Z',
      '2026-10-26T00:00:00.000Z',
    ]);
    // 24 Oct local starts 23:00 UTC on the 23rd: the data (from 00:00 UTC) covers 23 hours of it.
    expect(points.map((p) => p.count)).toEqual([23 * 4, 25 * 4, 24 * 4]);
    // Consumption per day: 0.25 kWh per reading after the first (which has no predecessor).
    expect(points.map((p) => p.value)).toEqual([(23 * 4 - 1) * 0.25, 25, 24]);
  });

  it('answers hours, 15 minutes and months, and each aggregation', async () => {
    const hour = await query({
      channels: flow,
      from: iso(FROM),
      to: iso(FROM + 3 * HOUR),
      resolution: 'hour',
    });
    expect(hour.json().channels[0]).toMatchObject({ agg: 'avg', kind: 'instantaneous' });
    expect(hour.json().channels[0].points).toEqual([
      { time: iso(FROM), value: 0, count: 4 },
      { time: iso(FROM + HOUR), value: 1, count: 4 },
      { time: iso(FROM + 2 * HOUR), value: 2, count: 4 },
    ]);
    const quarter = await query({
      channels: energy,
      from: iso(FROM + 7 * 60_000),
      to: iso(FROM + HOUR),
      resolution: '15m',
      agg: 'last',
    });
    // `from` is rounded down to its bucket.
    expect(
      quarter.json().channels[0].points.map((p: { time: string; value: number }) => [p.time, p.value]),
    ).toEqual([
      [iso(FROM), 1000.25],
      [iso(FROM + 15 * 60_000), 1000.5],
      [iso(FROM + 30 * 60_000), 1000.75],
      [iso(FROM + 45 * 60_000), 1001],
    ]);
    const month = await query({
      channels: energy,
      from: iso(FROM),
      to: iso(FROM + HOURS * HOUR),
      resolution: 'month',
      agg: 'delta',
    });
    expect(month.json().channels[0].points).toEqual([
      { time: '2026-09-30T23:00:00.000Z', value: (HOURS * 4 - 1) * 0.25, count: HOURS * 4 },
    ]);
    for (const [agg, value] of [
      ['min', 0],
      ['max', 23],
      // Four readings of each hour 0..23: 4 × 276.
      ['sum', 1104],
    ] as const) {
      const day = await query({
        channels: flow,
        from: '2026-10-26T00:00:00Z',
        to: '2026-10-27T00:00:00Z',
        resolution: 'day',
        agg,
      });
      expect(day.json().channels[0].points[0].value, agg).toBe(value);
    }
  });

  it('exports CSV with Accept: text/csv', async () => {
    const response = await query(
      { channels: `${energy},${flow}`, from: iso(FROM), to: iso(FROM + 30 * 60_000) },
      { accept: 'text/csv' },
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const lines = response.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('channelId,key,unit,time,value');
    expect(lines.slice(1)).toEqual([
      `${energy},heat_energy,kWh,${iso(FROM)},1000.25`,
      `${energy},heat_energy,kWh,${iso(FROM + 15 * 60_000)},1000.5`,
      `${flow},flow_temperature,°C,${iso(FROM)},0`,
      `${flow},flow_temperature,°C,${iso(FROM + 15 * 60_000)},0`,
    ]);
  });

  it('refuses what it cannot answer with a 400 naming the problem', async () => {
    const bad = async (
      params: Record<string, string>,
      field: string | undefined,
      code = 'validation_failed',
    ) => {
      const problem = expectProblem(await query(params), 400, code);
      if (field) expect(JSON.stringify(problem.errors)).toContain(field);
      return problem;
    };
    await bad({ resolution: 'week' }, '/query/resolution');
    await bad({ agg: 'median', resolution: 'hour' }, '/query/agg');
    await bad({ from: 'yesterday' }, '/query/from');
    await bad({ from: iso(FROM + HOUR), to: iso(FROM) }, '/query/from');
    await bad({ agg: 'max' }, '/query/agg');
    await bad({ channels: flow, resolution: 'hour', agg: 'delta' }, '/query/agg');
    await bad({ channels: '01900000-0000-7000-8000-000000000000' }, '/query/channels');
    await bad({ bogus: '1' }, '/query/bogus');
    // More points than the limit (500 here): refused before any work, with the figures.
    const tooMany = await bad(
      { from: iso(FROM), to: iso(FROM + HOURS * HOUR), resolution: '5m' },
      undefined,
      'too_many_points',
    );
    expect(String(tooMany.detail)).toMatch(/limit of 500/);
    const rawTooMany = await bad(
      { from: iso(FROM), to: iso(FROM + HOURS * HOUR) },
      undefined,
      'too_many_points',
    );
    expect(String(rawTooMany.detail)).toMatch(/more readings than the limit of 500 points/);
    // A parameter given twice is ambiguous.
    const twice = await call(
      t.app,
      'GET',
      `/homes/${homeId}/telemetry?resolution=hour&resolution=day`,
      tenant.admin.token,
    );
    expectProblem(twice, 400, 'validation_failed');
  });

  it('answers empty series for channels without readings, and latest says null', async () => {
    const fresh = await homeWithChannels(t.app, tenant.admin.token, 'QUERY-2');
    const response = await call(
      t.app,
      'GET',
      `/homes/${fresh.homeId}/telemetry?resolution=hour`,
      tenant.admin.token,
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().channels.length).toBe(fresh.channels.length);
    expect(response.json().channels.every((c: { points: unknown[] }) => c.points.length === 0)).toBe(true);
    const latest = await call(t.app, 'GET', `/homes/${fresh.homeId}/telemetry/latest`, tenant.admin.token);
    expect(
      latest.json().channels.every((c: { time: null; value: null }) => c.time === null && c.value === null),
    ).toBe(true);
  });
});
