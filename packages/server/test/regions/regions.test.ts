import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  completeOrder,
  createTenant,
  dialect,
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

const HOUR = 3_600_000;

let t: TestApp;
let operator: string;

beforeAll(async () => {
  t = await startTestApp();
  operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
});
afterAll(() => t?.close());

/** PUT a CSV series as the operator (or whoever's token is given). */
const putCsv = (path: string, csv: string, token = operator) =>
  call(t.app, 'PUT', path, token, csv, { 'content-type': 'text/csv' });

/** A heat pump home without an outdoor sensor (heat and electricity meters read hourly), in a region. */
const NO_OUTDOOR_SENSOR = {
  meters: [
    {
      serial: 'EM-R',
      kind: 'electricity_meter',
      measures: 'heat_pump',
      reading: { method: 'push', intervalSeconds: 3600 },
    },
    { serial: 'HM-R', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 3600 } },
  ],
};

const property = (region?: string) => ({
  addressLines: ['1 High Street'],
  town: 'Llanberis',
  postcode: 'LL55 4UR',
  country: 'GB',
  ...(region ? { region } : {}),
});

async function homeIn(tenant: Tenant, reference: string, region?: string, overrides = NO_OUTDOOR_SENSOR) {
  return homeWithChannels(t.app, tenant.admin.token, reference, { ...overrides, property: property(region) });
}

describe(`regional series: PUT and GET /regions/{id}/… (${dialect})`, () => {
  it('loads daily weather all or nothing, listing every bad line, and gives it back as JSON and CSV', async () => {
    const bad = [
      'date,mean_c',
      '2026-01-05,5.5',
      '2026-02-30,4',
      '2026-01-06,warm',
      '2026-01-05,6',
      '2026-01-07,3,extra',
      '2026-01-08,-75',
    ].join('\n');
    const refused = await putCsv('/regions/test-weather/weather', bad);
    const problem = expectProblem(refused, 400, 'validation_failed');
    expect(problem.errors).toEqual([
      { field: 'line 3', message: '2026-02-30 is not a date (YYYY-MM-DD)' },
      { field: 'line 4', message: 'warm is not a mean temperature in °C between -60 and 60' },
      { field: 'line 5', message: '2026-01-05 is given more than once' },
      { field: 'line 6', message: 'has more than two columns' },
      { field: 'line 7', message: '-75 is not a mean temperature in °C between -60 and 60' },
    ]);
    // Nothing stored: the region does not exist.
    expectProblem(await call(t.app, 'GET', '/regions/test-weather/weather', operator), 404, 'not_found');
    expect(
      expectProblem(
        await putCsv('/regions/test-weather/weather', 'day,temp\n2026-01-05,5'),
        400,
        'validation_failed',
      ).errors,
    ).toEqual([{ field: 'line 1', message: 'the header must be date,mean_c' }]);

    const stored = await putCsv(
      '/regions/test-weather/weather',
      'date,mean_c\r\n2026-01-06,10.5\r\n2026-01-05,5.5\r\n2026-01-07,16\r\n',
    );
    expect(stored.statusCode, stored.body).toBe(200);
    expect(stored.json()).toEqual({
      region: 'test-weather',
      stored: 3,
      first: '2026-01-05',
      last: '2026-01-07',
    });
    // A date again takes the new mean; the others stay.
    const again = await putCsv('/regions/test-weather/weather', 'date,mean_c\n2026-01-07,17\n');
    expect(again.json()).toMatchObject({ stored: 1, first: '2026-01-07', last: '2026-01-07' });

    const viewer = await createTenant(t.app, operator, 'Weather readers').then((x) => x.addUser('viewer'));
    const json = await call(
      t.app,
      'GET',
      '/regions/test-weather/weather?from=2026-01-05&to=2026-01-07',
      viewer.token,
    );
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json()).toEqual({
      region: 'test-weather',
      items: [
        { date: '2026-01-05', meanC: 5.5, degreeDays: 10 },
        { date: '2026-01-06', meanC: 10.5, degreeDays: 5 },
      ],
    });
    const csv = await call(t.app, 'GET', '/regions/test-weather/weather', viewer.token, undefined, {
      accept: 'text/csv',
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toBe('date,mean_c\r\n2026-01-05,5.5\r\n2026-01-06,10.5\r\n2026-01-07,17\r\n');

    // Only the operator loads series; JSON is not a series.
    expectProblem(
      await putCsv('/regions/test-weather/weather', 'date,mean_c\n', viewer.token),
      403,
      'forbidden',
    );
    expectProblem(
      await call(t.app, 'PUT', '/regions/test-weather/weather', operator, { date: '2026-01-05' }),
      415,
      'unsupported_media_type',
    );
  });

  it('loads half-hourly carbon intensity all or nothing, and gives it back as JSON and CSV', async () => {
    const bad =
      'time,g_per_kwh\n2026-01-05T00:00:00Z,100\n2026-01-05T00:10:00Z,90\n2026-01-05 01:00,80\n2026-01-05T01:30:00Z,-4\n';
    const problem = expectProblem(
      await putCsv('/regions/test-carbon/carbon-intensity', bad),
      400,
      'validation_failed',
    );
    expect(problem.errors).toEqual([
      { field: 'line 3', message: '2026-01-05T00:10:00Z is not the start of a half hour' },
      { field: 'line 4', message: '2026-01-05 01:00 is not an RFC 3339 time with a zone' },
      { field: 'line 5', message: '-4 is not a gCO2e/kWh between 0 and 2000' },
    ]);
    expectProblem(
      await call(t.app, 'GET', '/regions/test-carbon/carbon-intensity', operator),
      404,
      'not_found',
    );

    const csv =
      'time,g_per_kwh\n2026-01-05T00:30:00Z,300\n2026-01-05T00:00:00+00:00,100\n2026-01-05T01:00:00Z,200\n';
    const stored = await putCsv('/regions/test-carbon/carbon-intensity', csv);
    expect(stored.statusCode, stored.body).toBe(200);
    expect(stored.json()).toEqual({
      region: 'test-carbon',
      stored: 3,
      first: '2026-01-05T00:00:00.000Z',
      last: '2026-01-05T01:00:00.000Z',
    });
    const json = await call(
      t.app,
      'GET',
      '/regions/test-carbon/carbon-intensity?from=2026-01-05T00:30:00Z&to=2026-01-05T02:00:00Z',
      operator,
    );
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json()).toEqual({
      region: 'test-carbon',
      items: [
        { time: '2026-01-05T00:30:00.000Z', gPerKwh: 300 },
        { time: '2026-01-05T01:00:00.000Z', gPerKwh: 200 },
      ],
    });
    const asCsv = await call(t.app, 'GET', '/regions/test-carbon/carbon-intensity', operator, undefined, {
      accept: 'text/csv',
    });
    expect(asCsv.body).toBe(
      'time,g_per_kwh\r\n2026-01-05T00:00:00.000Z,100\r\n2026-01-05T00:30:00.000Z,300\r\n2026-01-05T01:00:00.000Z,200\r\n',
    );
    expectProblem(
      await call(
        t.app,
        'GET',
        '/regions/test-carbon/carbon-intensity?from=2026-01-05T02:00:00Z&to=2026-01-05T01:00:00Z',
        operator,
      ),
      400,
      'validation_failed',
    );
  });

  it('lists the regions with what is loaded, the platform default among them', async () => {
    await putCsv('/regions/test-list/weather', 'date,mean_c\n2026-01-01,4\n2026-01-03,6\n');
    await putCsv('/regions/test-list/carbon-intensity', 'time,g_per_kwh\n2026-01-01T00:00:00Z,150\n');
    const admin = (await createTenant(t.app, operator, 'Region listers')).admin;
    const list = await call(t.app, 'GET', '/regions', admin.token);
    expect(list.statusCode, list.body).toBe(200);
    const items = list.json().items as Array<{ name: string }>;
    expect(items.find((r) => r.name === 'test-list')).toEqual({
      name: 'test-list',
      isDefault: false,
      weather: { first: '2026-01-01', last: '2026-01-03', days: 2 },
      carbonIntensity: { first: '2026-01-01T00:00:00.000Z', last: '2026-01-01T00:00:00.000Z', halfHours: 1 },
    });
    expect(items.find((r) => r.name === 'GB')).toMatchObject({ name: 'GB', isDefault: true });
    // The default region is known before anything is loaded for it.
    const gb = await call(t.app, 'GET', '/regions/GB/weather?from=1990-01-01&to=1990-01-02', admin.token);
    expect(gb.statusCode, gb.body).toBe(200);
    expect(gb.json()).toEqual({ region: 'GB', items: [] });
  });
});

describe(`a home's region: degree days and carbon from its regional series (${dialect})`, () => {
  let tenant: Tenant;
  const NOV_5 = Date.parse('2026-11-05T00:00:00Z'); // Europe/London is on GMT in November

  beforeAll(async () => {
    tenant = await createTenant(t.app, operator, 'Regional homes');
    // 5 November 5.5 °C (HDD 10), 6 November 10.5 °C (5), 7 November 16 °C (0); 8 November not given.
    const weather = await putCsv(
      '/regions/test-north/weather',
      'date,mean_c\n2026-11-05,5.5\n2026-11-06,10.5\n2026-11-07,16\n',
    );
    expect(weather.statusCode, weather.body).toBe(200);
    // 00:00 at 100 g and 00:30 at 300 g; nothing from 01:00.
    const carbon = await putCsv(
      '/regions/test-north/carbon-intensity',
      'time,g_per_kwh\n2026-11-05T00:00:00Z,100\n2026-11-05T00:30:00Z,300\n',
    );
    expect(carbon.statusCode, carbon.body).toBe(200);
    // The agent's electricity carries 250 g/kWh: the half hours the series lacks are counted at it.
    const tariff = await call(t.app, 'POST', '/tariffs', tenant.admin.token, {
      name: 'Flat',
      fuel: 'electricity',
      standingCharge: 50,
      unitRate: 25,
      carbonFactor: 0.25,
      isDefault: true,
    });
    expect(tariff.statusCode, tariff.body).toBe(201);
  });

  const insight = (homeId: string, from: string, to: string, period = 'day') =>
    call(t.app, 'GET', `/homes/${homeId}/insight?period=${period}&from=${from}&to=${to}`, tenant.admin.token);

  it('states the region on the home, from its property, else the platform default', async () => {
    const { homeId } = await homeIn(tenant, 'REGION-HOME', 'test-north');
    const home = await call(t.app, 'GET', `/homes/${homeId}`, tenant.admin.token);
    expect(home.json()).toMatchObject({
      property: { region: 'test-north' },
      region: { name: 'test-north', source: 'home' },
    });
    const { homeId: plain } = await homeIn(tenant, 'REGION-NONE');
    const other = await call(t.app, 'GET', `/homes/${plain}`, tenant.admin.token);
    expect(other.json().region).toEqual({ name: 'GB', source: 'platform_default' });

    // PUT /homes/{id} with the property sets it (the property is replaced as a whole, If-Match honoured).
    const moved = await call(
      t.app,
      'PUT',
      `/homes/${plain}`,
      tenant.admin.token,
      { property: property('test-south') },
      {
        'if-match': other.headers.etag as string,
      },
    );
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().region).toEqual({ name: 'test-south', source: 'home' });
    const cleared = await call(t.app, 'PUT', `/homes/${plain}`, tenant.admin.token, { property: property() });
    expect(cleared.json().region).toEqual({ name: 'GB', source: 'platform_default' });
    const refused = await call(t.app, 'PUT', `/homes/${plain}`, tenant.admin.token, {
      property: property('north wales'),
    });
    expect(expectProblem(refused, 400, 'validation_failed').errors).toEqual([
      expect.objectContaining({ field: '/body/property/region' }),
    ]);
  });

  it("uses the agent's default region for homes that name none; the home's own region still wins", async () => {
    const agency = await createTenant(t.app, operator, 'Northern homes');
    const { homeId: plain } = await homeIn(agency, 'AGENT-REGION-NONE');
    const { homeId: own } = await homeIn(agency, 'AGENT-REGION-OWN', 'test-south');
    const regionOf = async (id: string) =>
      (await call(t.app, 'GET', `/homes/${id}`, agency.admin.token)).json().region;
    expect(await regionOf(plain)).toEqual({ name: 'GB', source: 'platform_default' });

    const agent = await call(t.app, 'GET', `/agents/${agency.agentId}`, operator);
    expect(agent.json().region).toBeNull();
    const set = await call(
      t.app,
      'PUT',
      `/agents/${agency.agentId}`,
      operator,
      { region: 'test-north' },
      {
        'if-match': agent.headers.etag as string,
      },
    );
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ region: 'test-north', name: agent.json().name });
    expect(await regionOf(plain)).toEqual({ name: 'test-north', source: 'agent_default' });
    expect(await regionOf(own)).toEqual({ name: 'test-south', source: 'home' });
    // Its insight takes test-north's degree days (loaded by an earlier test of this suite).
    const answer = (
      await call(
        t.app,
        'GET',
        `/homes/${plain}/insight?from=2026-11-05T00:00:00Z&to=2026-11-08T00:00:00Z&period=all`,
        agency.admin.token,
      )
    ).json();
    expect(answer).toMatchObject({ region: 'test-north', degreeDaysSource: 'region' });
    expect(answer.window.degreeDays).toEqual({ value: 15, daysMeasured: 3, days: 3 });
    // The change is audited with what it was.
    const audit = await call(
      t.app,
      'GET',
      `/audit-events?agentId=${agency.agentId}&action=agent.updated`,
      operator,
    );
    expect(audit.statusCode, audit.body).toBe(200);
    expect(
      audit.json().items.find((e: { target: { id: string } }) => e.target.id === agency.agentId)?.details,
    ).toEqual({ region: { from: null, to: 'test-north' } });

    // A bad name is refused and changes nothing; null goes back to the platform default.
    const refused = await call(t.app, 'PUT', `/agents/${agency.agentId}`, operator, {
      region: 'north wales',
    });
    expect(expectProblem(refused, 400, 'validation_failed').errors).toEqual([
      expect.objectContaining({ field: '/body/region' }),
    ]);
    expect(await regionOf(plain)).toEqual({ name: 'test-north', source: 'agent_default' });
    const cleared = await call(t.app, 'PUT', `/agents/${agency.agentId}`, operator, { region: null });
    expect(cleared.json().region).toBeNull();
    expect(await regionOf(plain)).toEqual({ name: 'GB', source: 'platform_default' });
    // Only the operator manages agents: the agent's own admin may not set it.
    expect(
      (await call(t.app, 'PUT', `/agents/${agency.agentId}`, agency.admin.token, { region: 'test-north' }))
        .statusCode,
    ).toBe(403);
  });

  it('gives a home without an outdoor sensor the degree days of its region, day by day', async () => {
    const { homeId } = await homeIn(tenant, 'REGION-HDD', 'test-north');
    const response = await insight(homeId, '2026-11-05T00:00:00Z', '2026-11-09T00:00:00Z');
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json();
    expect(answer).toMatchObject({
      region: 'test-north',
      degreeDaysSource: 'region',
      meters: { outdoor: null },
    });
    expect(answer.periods.map((p: { degreeDays: unknown }) => p.degreeDays)).toEqual([
      { value: 10, daysMeasured: 1, days: 1 },
      { value: 5, daysMeasured: 1, days: 1 },
      { value: 0, daysMeasured: 1, days: 1 },
      { value: 0, daysMeasured: 0, days: 1 }, // 8 November: not in the series
    ]);
    expect(answer.window.degreeDays).toEqual({ value: 15, daysMeasured: 3, days: 4 });
  });

  it('counts electricity carbon by the half-hourly series where loaded, the tariff factor elsewhere', async () => {
    const { homeId, channel } = await homeIn(tenant, 'REGION-CO2', 'test-north');
    const electricity = channel('electricity_meter', 'electricity_energy').id;
    // Read at half past: 2 kWh in the hour from 00:00 and 2 kWh in the hour from 01:00.
    await pushAll(t.app, tenant.admin.token, [
      { channelId: electricity, time: iso(NOV_5 - HOUR / 2), value: 100 },
      { channelId: electricity, time: iso(NOV_5 + HOUR / 2), value: 102 },
      { channelId: electricity, time: iso(NOV_5 + 1.5 * HOUR), value: 104 },
    ]);
    const response = await insight(homeId, '2026-11-05T00:00:00Z', '2026-11-05T02:00:00Z', 'all');
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json();
    // 00:00-01:00: 1 kWh × 0.100 + 1 kWh × 0.300 = 0.4 kg; 01:00-02:00: no series, 2 kWh × 0.25 = 0.5 kg.
    expect(answer.carbonSource).toBe('intensity_series');
    expect(answer.window).toMatchObject({ electricityKwh: 4, carbonKg: 0.9, carbonFallbackHalfHours: 2 });
    expect(answer.periods[0].carbonKg).toBe(0.9);

    // The same home and readings in a region without series: the factor throughout, and no degree days.
    const { homeId: south, channel: southChannel } = await homeIn(tenant, 'REGION-SOUTH', 'test-south');
    const southElectricity = southChannel('electricity_meter', 'electricity_energy').id;
    await pushAll(t.app, tenant.admin.token, [
      { channelId: southElectricity, time: iso(NOV_5 - HOUR / 2), value: 100 },
      { channelId: southElectricity, time: iso(NOV_5 + HOUR / 2), value: 102 },
      { channelId: southElectricity, time: iso(NOV_5 + 1.5 * HOUR), value: 104 },
    ]);
    const other = (await insight(south, '2026-11-05T00:00:00Z', '2026-11-05T02:00:00Z', 'all')).json();
    expect(other).toMatchObject({ region: 'test-south', carbonSource: 'factor', degreeDaysSource: null });
    expect(other.window).toMatchObject({ carbonKg: 1, carbonFallbackHalfHours: null, degreeDays: null });
    // The first home is as it was.
    expect(
      (await insight(homeId, '2026-11-05T00:00:00Z', '2026-11-05T02:00:00Z', 'all')).json().window.carbonKg,
    ).toBe(0.9);
  });

  it('keeps the outdoor sensor first: a home with one ignores its region', async () => {
    const { homeId } = await homeIn(tenant, 'REGION-SENSOR', 'test-north', {
      meters: [
        ...NO_OUTDOOR_SENSOR.meters,
        {
          serial: 'TO-R',
          kind: 'temperature_sensor',
          location: 'outdoor',
          reading: { method: 'push', intervalSeconds: 3600 },
        },
      ] as typeof NO_OUTDOOR_SENSOR.meters,
    });
    const answer = (await insight(homeId, '2026-11-05T00:00:00Z', '2026-11-06T00:00:00Z')).json();
    expect(answer).toMatchObject({ degreeDaysSource: 'outdoor_sensor', meters: { outdoor: 'TO-R' } });
    expect(answer.window.degreeDays).toEqual({ value: 0, daysMeasured: 0, days: 1 });
  });

  it("normalises a home's heat demand by its region's degree days when it has no outdoor sensor", async () => {
    // Ten days at 5.5 °C (100 K·day) and 24 kWh of heat a day.
    const days = Array.from({ length: 10 }, (_, i) => `2026-11-${10 + i},5.5`);
    expect(
      (await putCsv('/regions/test-demand/weather', `date,mean_c\n${days.join('\n')}\n`)).statusCode,
    ).toBe(200);
    const { homeId, channel } = await homeIn(tenant, 'REGION-DEMAND', 'test-demand');
    const heat = channel('heat_meter', 'heat_energy').id;
    const electricity = channel('electricity_meter', 'electricity_energy').id;
    const from = Date.parse('2026-11-10T00:00:00Z');
    const readings = [];
    for (let hour = from - HOUR, i = 0; hour < from + 10 * 24 * HOUR; hour += HOUR, i++) {
      readings.push({ channelId: heat, time: iso(hour + HOUR / 2), value: 5000 + i });
      readings.push({ channelId: electricity, time: iso(hour + HOUR / 2), value: 2000 + i / 3 });
    }
    await pushAll(t.app, tenant.admin.token, readings);
    const response = await call(
      t.app,
      'GET',
      `/homes/${homeId}/performance?from=2026-11-10T00:00:00Z&to=2026-11-20T00:00:00Z`,
      tenant.admin.token,
    );
    expect(response.statusCode, response.body).toBe(200);
    // 240 kWh / 100 K·day = 2.4 kWh per degree day × 2,462 = 5,908.8 kWh a year; against 9,800: 0.603.
    expect(response.json().window.design).toMatchObject({
      degreeDays: 100,
      degreeDayDays: 10,
      heatPerDegreeDayKwh: 2.4,
      normalisedAnnualHeatKwh: 5908.8,
      heatDemandRatio: 0.603,
      degreeDaysSource: 'region',
      region: 'test-demand',
    });
    // The same heat in a region without a weather series: no degree days, and the answer says so.
    const { homeId: bare, channel: bareChannel } = await homeIn(tenant, 'REGION-BARE', 'test-bare');
    await pushAll(
      t.app,
      tenant.admin.token,
      readings.map((r) => ({
        ...r,
        channelId:
          r.channelId === heat
            ? bareChannel('heat_meter', 'heat_energy').id
            : bareChannel('electricity_meter', 'electricity_energy').id,
      })),
    );
    const none = await call(
      t.app,
      'GET',
      `/homes/${bare}/performance?from=2026-11-10T00:00:00Z&to=2026-11-20T00:00:00Z`,
      tenant.admin.token,
    );
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json().window.design).toMatchObject({
      degreeDays: 0,
      normalisedAnnualHeatKwh: null,
      degreeDaysSource: null,
      region: 'test-bare',
    });
  });
});

describe(`a year of real weather: Llanberis 2024 (${dialect})`, () => {
  it("gives a home in the region 2024's degree days, as computed here from the half-hourly readings", async () => {
    // unix seconds, outdoor °C, RH, solar, price; half-hourly, no header. Read in place, never copied.
    const text = readFileSync('/work/shared/data/weather/llanberis2024.csv', 'utf8');
    const byDate = new Map<string, { sum: number; n: number }>();
    for (const line of text.split('\n')) {
      const [seconds, celsius] = line.split(',').map((s) => Number(s.trim()));
      if (!Number.isFinite(seconds) || !Number.isFinite(celsius)) continue;
      const date = DateTime.fromSeconds(seconds as number, { zone: 'Europe/London' }).toISODate() as string;
      const day = byDate.get(date) ?? { sum: 0, n: 0 };
      day.sum += celsius as number;
      day.n++;
      byDate.set(date, day);
    }
    const means = [...byDate].map(([date, d]) => [date, d.sum / d.n] as const);
    const expected = means
      .filter(([date]) => date.startsWith('2024-'))
      .reduce((total, [, mean]) => total + Math.max(0, 15.5 - mean), 0);
    expect(means.filter(([date]) => date.startsWith('2024-'))).toHaveLength(366);

    const csv = `date,mean_c\n${means.map(([date, mean]) => `${date},${mean}`).join('\n')}\n`;
    const stored = await putCsv('/regions/llanberis/weather', csv);
    expect(stored.statusCode, stored.body).toBe(200);
    expect(stored.json()).toMatchObject({ first: '2024-01-01', stored: means.length });

    const tenant = await createTenant(t.app, operator, 'Llanberis');
    // Commissioned at the start of 2024: insight counts nothing before a home's commissioning.
    const { homeId } = await homeWithChannels(t.app, tenant.admin.token, 'LLANBERIS-1', {
      ...NO_OUTDOOR_SENSOR,
      property: property('llanberis'),
      installation: { ...completeOrder('LLANBERIS-1').installation, commissioningDate: '2024-01-01' },
    });
    const response = await call(
      t.app,
      'GET',
      `/homes/${homeId}/insight?period=year&from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z`,
      tenant.admin.token,
    );
    expect(response.statusCode, response.body).toBe(200);
    const { periods, window } = response.json();
    expect(periods).toHaveLength(1);
    expect(window.degreeDays).toEqual({
      value: Math.round(expected * 100) / 100,
      daysMeasured: 366,
      days: 366,
    });
    // A Snowdonia valley: about 1,984 K·day, below the UK standard year's 2,462.
    expect(window.degreeDays.value).toBeGreaterThan(1900);
    expect(window.degreeDays.value).toBeLessThan(2100);
  });
});
