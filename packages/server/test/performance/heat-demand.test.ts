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
  type Reading,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

/**
 * Heat demand against the design's annual figure, degree-day normalised, worked by hand. 14 local
 * days of November 2026 (GMT: local days are UTC days), hourly readings at half past: the heat
 * meter rises 1 kWh an hour (24 kWh a day); the outdoor sensor reads 5.5 °C on even days
 * (HDD 15.5 − 5.5 = 10) and 10.5 °C on odd ones (HDD 5). The 14th day has outdoor readings in only
 * 12 of its 24 hours: no degree-day figure, so its heat is left out too.
 *
 * Days used: 13 (7 × HDD 10 + 6 × HDD 5 = 100 K·day), heat 13 × 24 = 312 kWh: 3.12 kWh per degree
 * day; × 2462 (the default reference year) = 7681.44 kWh/year against the order's 9800: 0.784.
 */
let t: TestApp;
let tenant: Tenant;
let homeId: string;
let noSensorHomeId: string;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2026, 10, 2);
const DAYS = 14;
const TO = FROM + DAYS * DAY;

const hourly = { method: 'push', intervalSeconds: 3600 };
const METERS = [
  { serial: 'HM-D', kind: 'heat_meter', reading: hourly },
  { serial: 'EM-D', kind: 'electricity_meter', measures: 'heat_pump', reading: hourly },
  { serial: 'TO-D', kind: 'temperature_sensor', location: 'outdoor', reading: hourly },
];

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'HeatDemand');
  const home = await homeWithChannels(t.app, tenant.admin.token, 'DEMAND-1', { meters: METERS });
  homeId = home.homeId;
  const heat = home.channel('heat_meter', 'heat_energy').id;
  const electricity = home.channel('electricity_meter', 'electricity_energy').id;
  const outdoor = home.channel('temperature_sensor', 'outdoor_temperature').id;
  const readings: Reading[] = [];
  // From the hour before the window: the first day does not end a gap.
  for (let hour = FROM - HOUR, k = 0; hour < TO; hour += HOUR, k++) {
    const time = iso(hour + 30 * 60_000);
    readings.push({ channelId: heat, time, value: 1000 + k });
    readings.push({ channelId: electricity, time, value: 300 + k / 3 });
    const day = Math.floor((hour - FROM) / DAY);
    const hourOfDay = (hour - FROM - day * DAY) / HOUR;
    // Two readings an hour, 0.1 °C either side of the day's mean: the mean is exact, and the sensor is
    // not one the stuck_sensor rule flags (its hours would leave the degree days).
    if (hour >= FROM && (day < DAYS - 1 || hourOfDay < 12))
      for (const [minute, wander] of [
        [15, 0.1],
        [45, -0.1],
      ] as const)
        readings.push({
          channelId: outdoor,
          time: iso(hour + minute * 60_000),
          value: (day % 2 === 0 ? 5.5 : 10.5) + wander,
        });
  }
  await pushAll(t.app, tenant.admin.token, readings);
  noSensorHomeId = (
    await homeWithChannels(t.app, tenant.admin.token, 'DEMAND-2', { meters: METERS.slice(0, 2) })
  ).homeId;
});
afterAll(() => t?.close());

const get = (params: Record<string, string>, id = homeId) =>
  call(t.app, 'GET', `/homes/${id}/performance?${new URLSearchParams(params)}`, tenant.admin.token);
const window = { from: iso(FROM), to: iso(TO), period: 'all' };

describe('GET /homes/{id}/performance: heat demand against design, degree-day normalised', () => {
  it('annualises the measured heat per degree day to the reference year', async () => {
    const response = await get(window);
    expect(response.statusCode, response.body).toBe(200);
    const design = response.json().window.design;
    expect(design).toMatchObject({
      annualHeatDemandKwh: 9800,
      degreeDays: 100,
      degreeDayDays: 13,
      heatPerDegreeDayKwh: 3.12,
      annualDegreeDays: 2462,
      normalisedAnnualHeatKwh: 7681.44,
      heatDemandRatio: 0.784,
      degreeDaysSource: 'outdoor_sensor',
    });
    expect(design.assumptions.join(' ')).toMatch(/heat per degree day × 2462 K·day/);
  });

  it('takes the reference year’s degree days from annualDegreeDays', async () => {
    const design = (await get({ ...window, annualDegreeDays: '2000' })).json().window.design;
    // 3.12 × 2000 = 6240; 6240 / 9800 = 0.6367.
    expect(design.normalisedAnnualHeatKwh).toBe(6240);
    expect(design.heatDemandRatio).toBe(0.637);
    expect(design.annualDegreeDays).toBe(2000);
  });

  it('states no annual figure from too few degree days, and says why', async () => {
    // Three days: 10 + 5 + 10 = 25 K·day, below the 100 needed.
    const body = (await get({ from: iso(FROM), to: iso(FROM + 3 * DAY) })).json();
    expect(body.window.design).toMatchObject({
      normalisedAnnualHeatKwh: null,
      heatDemandRatio: null,
      degreeDays: 25,
      degreeDayDays: 3,
    });
    const reason = body.window.unavailable.find(
      (u: { field: string }) => u.field === 'design.normalisedAnnualHeatKwh',
    );
    expect(reason.reason).toMatch(/at least 100 heating degree days.*25 over 3 days/);
  });

  it('states no annual figure without an outdoor sensor', async () => {
    const body = (await get(window, noSensorHomeId)).json();
    expect(body.window.design.normalisedAnnualHeatKwh).toBeNull();
    expect(body.window.unavailable).toContainEqual({
      field: 'design.normalisedAnnualHeatKwh',
      reason: expect.stringMatching(/no outdoor temperature sensor/),
    });
  });

  it('refuses an annualDegreeDays out of range', async () => {
    const body = expectProblem(await get({ ...window, annualDegreeDays: '50' }), 400, 'validation_failed');
    expect(JSON.stringify(body)).toContain('annualDegreeDays');
  });
});
