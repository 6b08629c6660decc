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

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Insight');
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
const METERS = {
  meters: [
    {
      serial: 'EM-I',
      kind: 'electricity_meter',
      measures: 'heat_pump',
      reading: { method: 'push', intervalSeconds: 3600 },
    },
    { serial: 'HM-I', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 3600 } },
    {
      serial: 'TO-I',
      kind: 'temperature_sensor',
      location: 'outdoor',
      reading: { method: 'push', intervalSeconds: 3600 },
    },
  ],
};

// Europe/London: 24 October 2026 is a 24-hour day (BST), 25 October a 25-hour day (back to GMT at 02:00 BST).
const OCT_24_LOCAL = Date.parse('2026-10-23T23:00:00Z');
const OCT_26_LOCAL = Date.parse('2026-10-26T00:00:00Z');
const localHour = (t: number) =>
  Number(new Date(t).toLocaleString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hour12: false }));

/**
 * An electricity register read at half past every UTC hour: 2 kWh in hours starting before 07:00
 * local, 1 kWh otherwise; heat three times that; the outdoor sensor at 5.5 °C on the 24th and
 * 10.5 °C on the 25th. A baseline reading the hour before the window starts each register.
 */
async function seedHome(reference: string) {
  const { homeId, channel } = await homeWithChannels(t.app, tenant.admin.token, reference, METERS);
  const electricity = channel('electricity_meter', 'electricity_energy').id;
  const heat = channel('heat_meter', 'heat_energy').id;
  const outdoor = channel('temperature_sensor', 'outdoor_temperature').id;
  const readings = [];
  let kwh = 1000;
  for (let hour = OCT_24_LOCAL - HOUR; hour < OCT_26_LOCAL; hour += HOUR) {
    if (hour >= OCT_24_LOCAL) kwh += localHour(hour) < 7 ? 2 : 1;
    const at = iso(hour + 30 * 60_000);
    readings.push({ channelId: electricity, time: at, value: kwh });
    readings.push({ channelId: heat, time: at, value: kwh * 3 });
    // Two readings an hour, 0.1 °C either side of the day's mean: the mean is exact, and the sensor is
    // not one the stuck_sensor rule flags (its hours would leave the degree days).
    if (hour >= OCT_24_LOCAL)
      for (const [minute, wander] of [
        [15, 0.1],
        [45, -0.1],
      ] as const)
        readings.push({
          channelId: outdoor,
          time: iso(hour + minute * 60_000),
          value: (hour < Date.parse('2026-10-24T23:00:00Z') ? 5.5 : 10.5) + wander,
        });
  }
  await pushAll(t.app, tenant.admin.token, readings);
  return homeId;
}

describe('GET /homes/{id}/insight', () => {
  it('gives energy, time-of-use cost with standing charges, carbon and degree days per local day across the October change', async () => {
    const homeId = await seedHome('INSIGHT-1');
    const tariff = await call(t.app, 'POST', '/tariffs', tenant.admin.token, {
      name: 'Cheap nights',
      fuel: 'electricity',
      standingCharge: 50,
      bands: [
        { from: '00:00', to: '07:00', rate: 10 },
        { from: '07:00', to: '24:00', rate: 30 },
      ],
      isDefault: true,
    });
    expect(tariff.statusCode, tariff.body).toBe(201);

    const response = await call(
      t.app,
      'GET',
      `/homes/${homeId}/insight?period=day&from=${iso(OCT_24_LOCAL)}&to=${iso(OCT_26_LOCAL)}`,
      tenant.admin.token,
    );
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json();
    expect(answer.meters).toEqual({
      electricity: ['EM-I'],
      heat: ['HM-I'],
      gas: [],
      pv: [],
      outdoor: 'TO-I',
    });
    expect(answer.periods).toHaveLength(2);
    const [day24, day25] = answer.periods;
    // 24th: 7 night hours × 2 kWh at 10p + 17 day hours × 1 kWh at 30p + 50p standing = 700p.
    expect(day24).toMatchObject({
      start: '2026-10-23T23:00:00.000Z',
      end: '2026-10-24T23:00:00.000Z',
      electricityKwh: 31,
      heatKwh: 93,
      gasKwh: null,
      pvKwh: null,
      cost: {
        electricity: { currency: 'GBP', energy: 6.5, standing: 0.5, total: 7, tariffs: [tariff.json().id] },
        gas: null,
        total: 7,
        currency: 'GBP',
      },
      degreeDays: { value: 10, daysMeasured: 1, days: 1 },
      expectedKwh: null,
      lastYear: null,
    });
    // 25th, 25 hours: 01:00 comes twice, so 8 night hours × 2 kWh → 160p + 510p + 50p = 720p.
    expect(day25).toMatchObject({
      start: '2026-10-24T23:00:00.000Z',
      end: '2026-10-26T00:00:00.000Z',
      electricityKwh: 33,
      cost: { electricity: { energy: 6.7, standing: 0.5, total: 7.2 }, total: 7.2 },
      degreeDays: { value: 5, daysMeasured: 1, days: 1 },
    });
    // Carbon at the tariff's default factor for electricity (0.207 kg/kWh): 64 kWh.
    expect(day24.carbonKg + day25.carbonKg).toBeCloseTo(64 * 0.207, 6);
    expect(answer.window).toMatchObject({
      electricityKwh: 64,
      heatKwh: 192,
      cost: { total: 14.2 },
      degreeDays: { value: 15, daysMeasured: 2, days: 2 },
      signature: null, // two days are too few for a line
    });

    const csv = await t.app.inject({
      method: 'GET',
      url: `/api/v/1/homes/${homeId}/insight?period=day&from=${iso(OCT_24_LOCAL)}&to=${iso(OCT_26_LOCAL)}`,
      headers: { authorization: `Bearer ${tenant.admin.token}`, accept: 'text/csv' },
    });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^start,end,electricityKwh,heatKwh,/);
    expect(lines[1]).toMatch(/^2026-10-23T23:00:00.000Z,2026-10-24T23:00:00.000Z,31,93,,,7,GBP,/);
    expect(lines).toHaveLength(3);
  });

  it('counts nothing before the home could have readings: no energy, standing charges or degree days before its commissioning day', async () => {
    // Commissioned on 1 October 2026 (the order's date, before the home was created): August and
    // September state nothing; October's standing charges start on the 1st.
    const homeId = await seedHome('INSIGHT-BEFORE');
    const response = await call(
      t.app,
      'GET',
      `/homes/${homeId}/insight?period=month&from=2026-07-31T23:00:00Z&to=2026-10-31T23:59:59Z`,
      tenant.admin.token,
    );
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json();
    expect(answer.monitoredFrom).toBe('2026-09-30T23:00:00.000Z'); // local midnight, BST
    expect(answer.periods.map((p: { start: string }) => p.start)).toEqual([
      '2026-07-31T23:00:00.000Z',
      '2026-08-31T23:00:00.000Z',
      '2026-09-30T23:00:00.000Z',
    ]);
    const [august, september, october] = answer.periods;
    for (const before of [august, september])
      expect(before).toMatchObject({
        electricityKwh: null,
        heatKwh: null,
        cost: { electricity: null, gas: null, total: null, currency: null },
        carbonKg: null,
        degreeDays: null,
        expectedKwh: null,
        lastYear: null,
      });
    // October: the 64 kWh of the 24th and 25th; the default tariff of the first test (50p a day)
    // over October's 31 days from the 1st: 31 × 0.50 = 15.50 of standing charges, 13.20 of energy.
    expect(october).toMatchObject({
      electricityKwh: 64,
      heatKwh: 192,
      cost: { electricity: { standing: 15.5, energy: 13.2, total: 28.7 }, total: 28.7 },
      degreeDays: { value: 15, daysMeasured: 2, days: 31 },
    });
    expect(answer.window).toMatchObject({
      electricityKwh: 64,
      cost: { total: 28.7 },
      degreeDays: { value: 15, daysMeasured: 2, days: 31 },
    });

    // A window wholly before it: every figure null, and still a 200 that says from when.
    const early = await call(
      t.app,
      'GET',
      `/homes/${homeId}/insight?period=month&from=2026-07-31T23:00:00Z&to=2026-08-31T23:00:00Z`,
      tenant.admin.token,
    );
    expect(early.statusCode, early.body).toBe(200);
    expect(early.json().window).toMatchObject({
      electricityKwh: null,
      cost: { total: null },
      carbonKg: null,
      degreeDays: null,
      signature: null,
    });
  });

  it('states no cost without a tariff, and refuses bad parameters with a 400 naming them', async () => {
    const other = await createTenant(
      t.app,
      (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token,
      'No tariff',
    );
    const { homeId } = await homeWithChannels(t.app, other.admin.token, 'INSIGHT-2', METERS);
    const ok = await call(t.app, 'GET', `/homes/${homeId}/insight?period=month`, other.admin.token);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().periods.length).toBeGreaterThanOrEqual(12);
    expect(ok.json().window.cost).toEqual({ electricity: null, gas: null, total: null, currency: null });

    for (const [query, field] of [
      ['period=fortnight', '/query/period'],
      ['from=yesterday', '/query/from'],
      [`from=${iso(OCT_26_LOCAL)}&to=${iso(OCT_24_LOCAL)}`, '/query/from'],
      ['colour=blue', '/query/colour'],
    ] as const) {
      const bad = await call(t.app, 'GET', `/homes/${homeId}/insight?${query}`, other.admin.token);
      expectProblem(bad, 400, 'validation_failed');
      expect(JSON.stringify(bad.json())).toContain(field);
    }
  });
});
