import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTenant,
  iso,
  login,
  OPERATOR,
  push,
  pushAll,
  type Reading,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

/**
 * The split into space heating, hot water and running-only, computed by hand. A heat pump home
 * (heat meter with a hot_water_mode flag, heat pump electricity meter), read every 15 minutes over
 * one UTC day in March (GMT, so the local day is the UTC day). Each 15-minute interval is in one
 * mode, and a register reading carries the rise of the interval that ends at it:
 *
 * | interval starts | mode          | heat kWh | electricity kWh | flag |
 * | --------------- | ------------- | -------- | --------------- | ---- |
 * | … – 06:15       | space heating | 1.0      | 0.25 (COP 4)    | 0    |
 * | 06:30 – 09:00   | hot water     | 1.2      | 0.4 (COP 3)     | 1    |
 * | 09:15 – 10:45   | space heating | 1.0      | 0.25            | 0    |
 * | 11:00 – 13:45   | idle          | 0        | 0.005 (20 W)    | 0    |
 * | 14:00 – …       | space heating | 1.0      | 0.25            | 0    |
 *
 * The window's readings (00:00 … 23:45) carry the intervals starting 23:45 the day before … 23:30:
 * 73 of space heating, 11 of hot water (06:30 … 09:00), 12 idle (11:00 … 13:45).
 */
let t: TestApp;
let tenant: Tenant;
const HOUR = 3_600_000;
const STEP = 15 * 60_000;
const FROM = Date.UTC(2026, 2, 2);
const TO = FROM + 24 * HOUR;

type Mode = 'space' | 'water' | 'idle';
/** The mode of the interval starting at FROM + i × 15 minutes. */
function modeOf(i: number): Mode {
  if (i >= 26 && i <= 36) return 'water';
  if (i >= 44 && i <= 55) return 'idle';
  return 'space';
}
const RISE: Record<Mode, { heat: number; electricity: number }> = {
  space: { heat: 1, electricity: 0.25 },
  water: { heat: 1.2, electricity: 0.4 },
  idle: { heat: 0, electricity: 0.005 },
};

// By hand: heat 73 × 1 + 11 × 1.2 = 86.2; electricity 73 × 0.25 + 11 × 0.4 + 12 × 0.005 = 18.25 + 4.4 + 0.06 = 22.71.
const HEAT = 86.2;
const ELECTRICITY = 22.71;
// Space heating: the flag reads 0 in the idle intervals too, so their standby goes to space heating.
const SPACE = { heat: 73, electricity: 18.31 };
const WATER = { heat: 13.2, electricity: 4.4 };
// Running: the hours in which the heat meter registered heat. Hour h carries the intervals starting
// h−1:45, h:00, h:15, h:30: hours 12 and 13 carry only idle intervals (11:45 … 13:30, 8 of them);
// 11 carries 10:45 and 14 carries 14:00 … 14:30, so they ran. 22 hours, 22.71 − 8 × 0.005 = 22.67 kWh.
const RUNNING = { heat: 86.2, electricity: 22.67, hours: 22 };

interface HomeChannels {
  homeId: string;
  heat: string;
  electricity: string;
  flag: string | null;
}

async function makeHome(reference: string, withFlag: boolean): Promise<HomeChannels> {
  const reading = { method: 'push', intervalSeconds: 900 };
  const order = {
    reference,
    property: { addressLines: ['1 Split Street'], town: 'Llanberis', postcode: 'LL55 4UR', country: 'GB' },
    installation: {
      technology: 'air_source_heat_pump',
      manufacturer: 'Vaillant',
      model: 'aroTHERM plus 7kW',
      ratedCapacityKw: 7,
      commissioningDate: '2026-01-01',
      designFlowTemperatureC: 45,
      designSpf: 3.5,
    },
    meters: [
      {
        serial: `${reference}-HM`,
        kind: 'heat_meter',
        reading,
        channels: [
          { key: 'heat_energy' },
          { key: 'flow_temperature' },
          ...(withFlag ? [{ key: 'hot_water_mode', quantity: 'state', kind: 'instantaneous' }] : []),
        ],
      },
      { serial: `${reference}-EM`, kind: 'electricity_meter', measures: 'heat_pump', reading },
    ],
    services: { amr: { intervalSeconds: 900 }, performance: {} },
  };
  const draft = await call(t.app, 'POST', '/orders', tenant.admin.token, order);
  expect(draft.statusCode, draft.body).toBe(201);
  const submitted = await call(t.app, 'POST', `/orders/${draft.json().id}/submission`, tenant.admin.token);
  expect(submitted.statusCode, submitted.body).toBe(201);
  const homeId = submitted.json().homeId as string;
  const meters = (await call(t.app, 'GET', `/homes/${homeId}/meters`, tenant.admin.token)).json().items as {
    serial: string;
    channels: { id: string; key: string; quantity: string; unit: string }[];
  }[];
  const channel = (suffix: string, key: string) =>
    meters.find((m) => m.serial === `${reference}-${suffix}`)?.channels.find((c) => c.key === key);
  const flag = channel('HM', 'hot_water_mode');
  if (withFlag) expect(flag).toMatchObject({ quantity: 'state', unit: '1' });
  return {
    homeId,
    heat: channel('HM', 'heat_energy')?.id as string,
    electricity: channel('EM', 'electricity_energy')?.id as string,
    flag: flag?.id ?? null,
  };
}

/** Readings at FROM + k × 15 minutes, k = −5 … 95 (a baseline before the hour before the window). */
function readingsOf(home: HomeChannels, flagUntil = Number.POSITIVE_INFINITY): Reading[] {
  const readings: Reading[] = [];
  let heat = 1000;
  let electricity = 300;
  for (let k = -5; k < 96; k++) {
    const time = FROM + k * STEP;
    if (k > -5) {
      // The reading at k carries the interval that started at k − 1.
      heat += RISE[modeOf(k - 1)].heat;
      electricity += RISE[modeOf(k - 1)].electricity;
    }
    readings.push({ channelId: home.heat, time: iso(time), value: Math.round(heat * 1000) / 1000 });
    readings.push({
      channelId: home.electricity,
      time: iso(time),
      value: Math.round(electricity * 1000) / 1000,
    });
    if (home.flag && time < flagUntil)
      readings.push({ channelId: home.flag, time: iso(time), value: modeOf(k) === 'water' ? 1 : 0 });
  }
  return readings;
}

let full: HomeChannels;
let bare: HomeChannels;
let partial: HomeChannels;

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Split');
  full = await makeHome('SPLIT-1', true);
  bare = await makeHome('SPLIT-2', false);
  partial = await makeHome('SPLIT-3', true);
  await pushAll(t.app, tenant.admin.token, readingsOf(full));
  await pushAll(t.app, tenant.admin.token, readingsOf(bare));
  // No flag readings from 20:00: hours 20–23 have data but no flag.
  await pushAll(t.app, tenant.admin.token, readingsOf(partial, FROM + 20 * HOUR));
});
afterAll(() => t?.close());

const performance = (homeId: string, params: Record<string, string> = {}, headers = {}) =>
  call(
    t.app,
    'GET',
    `/homes/${homeId}/performance?${new URLSearchParams({ from: iso(FROM), to: iso(TO), period: 'day', ...params })}`,
    tenant.admin.token,
    undefined,
    headers,
  );

describe('GET /homes/{id}/performance: the split, computed by hand', () => {
  it('splits space heating and hot water exactly, whole hours from the rollups and mixed hours reading by reading', async () => {
    const response = await performance(full.homeId);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.window.heatKwh).toBeCloseTo(HEAT, 6);
    expect(body.window.electricityKwh).toBeCloseTo(ELECTRICITY, 6);
    expect(body.window.spf).toBe(Math.round((HEAT / ELECTRICITY) * 1000) / 1000); // 3.796
    const { split } = body.window;
    expect(split.spaceHeating.heatKwh).toBeCloseTo(SPACE.heat, 6);
    expect(split.spaceHeating.electricityKwh).toBeCloseTo(SPACE.electricity, 6);
    expect(split.spaceHeating.cop).toBe(3.987); // 73 / 18.31 = 3.98689
    expect(split.hotWater.heatKwh).toBeCloseTo(WATER.heat, 6);
    expect(split.hotWater.electricityKwh).toBeCloseTo(WATER.electricity, 6);
    expect(split.hotWater.cop).toBe(3); // 13.2 / 4.4
    // Every hour has flag readings: the split adds up to the whole.
    expect(split.coveragePercent).toBe(100);
    // Flags by hour: 0–5 and 11–23 read 0 throughout, as did the hour before (19 hours); 8 reads 1, as
    // 7 did; 6 and 9 change inside, 7 and 10 follow a change: 4 mixed hours.
    expect(split.method).toContain('19 hours read 0 and 1 read 1');
    expect(split.method).toContain('4 hours with a change');
    expect(split.method).toContain('0 hours with data had no flag reading');
    expect(body.window.unavailable.filter((u: { field: string }) => u.field.startsWith('split'))).toEqual([]);
    // One local day: the period is the window.
    expect(body.periods).toHaveLength(1);
    expect(body.periods[0].split).toEqual(split);
  });

  it('states running-only COP without the idle hours’ standby', async () => {
    const { running } = (await performance(full.homeId)).json().window.split;
    expect(running.hours).toBe(RUNNING.hours);
    expect(running.heatKwh).toBeCloseTo(RUNNING.heat, 6);
    expect(running.electricityKwh).toBeCloseTo(RUNNING.electricity, 6);
    // 86.2 / 22.67 = 3.80238 against the SPF's 86.2 / 22.71 = 3.79568.
    expect(running.cop).toBe(3.802);
  });

  it('attributes hours without flag readings to neither, and says how much is attributed', async () => {
    const { split } = (await performance(partial.homeId)).json().window;
    // Hours 20–23 carry 16 space heating intervals (19:45 … 23:30): 16 kWh of heat, 4 kWh of electricity.
    expect(split.spaceHeating.heatKwh).toBeCloseTo(SPACE.heat - 16, 6);
    expect(split.spaceHeating.electricityKwh).toBeCloseTo(SPACE.electricity - 4, 6);
    expect(split.hotWater.heatKwh).toBeCloseTo(WATER.heat, 6);
    // (14.31 + 4.4) / 22.71 = 82.39 %.
    expect(split.coveragePercent).toBe(82.4);
    expect(split.method).toContain('4 hours with data had no flag reading');
    // Running does not need the flag.
    expect(split.running.hours).toBe(RUNNING.hours);
  });

  it('gives no space heating or hot water without a hot_water_mode channel, and says why', async () => {
    const body = (await performance(bare.homeId)).json();
    const { split } = body.window;
    expect(split.spaceHeating).toBeNull();
    expect(split.hotWater).toBeNull();
    expect(split.coveragePercent).toBeNull();
    expect(split.running).toEqual({ heatKwh: 86.2, electricityKwh: 22.67, cop: 3.802, hours: 22 });
    const reason = "no hot_water_mode channel (the heat pump's hot water flag) is metered";
    for (const field of ['split.spaceHeating', 'split.hotWater', 'split.coveragePercent'])
      expect(body.window.unavailable).toContainEqual({ field, reason });
    expect(split.method).toMatch(/^no hot_water_mode channel/);
  });

  it('withholds the split’s COPs with the period’s COP, for the same reasons', async () => {
    // 6 hours: below the 24 hours an SPF needs.
    const body = (await performance(full.homeId, { to: iso(FROM + 6 * HOUR) })).json();
    expect(body.window.spf).toBeNull();
    const { split } = body.window;
    expect(split.spaceHeating).toMatchObject({ heatKwh: 24, cop: null });
    expect(split.running.cop).toBeNull();
    expect(body.window.unavailable).toContainEqual({
      field: 'split.running.cop',
      reason: '6 hours with data: an SPF needs at least 24',
    });
    // The period (a day, clipped to 6 hours) states its COPs: no 24-hour minimum there.
    expect(body.periods[0].split.spaceHeating.cop).toBe(4);
  });

  it('appends the split to the CSV columns', async () => {
    const response = await performance(full.homeId, {}, { accept: 'text/csv' });
    expect(response.statusCode, response.body).toBe(200);
    const [header, row] = response.body.split('\r\n');
    expect(header).toBe(
      'start,end,heatKwh,electricityKwh,cop,coveragePercent,hoursWithData,hours,qualityOk,qualityReasons,' +
        'spaceHeatingHeatKwh,spaceHeatingElectricityKwh,spaceHeatingCop,hotWaterHeatKwh,hotWaterElectricityKwh,' +
        'hotWaterCop,runningHeatKwh,runningElectricityKwh,runningCop,runningHours,splitCoveragePercent',
    );
    expect(row).toBe(
      '2026-03-02T00:00:00.000Z,2026-03-03T00:00:00.000Z,86.2,22.71,3.796,100,24,24,true,,73,18.31,3.987,13.2,4.4,3,86.2,22.67,3.802,22,100',
    );
  });
});

describe('POST /telemetry: a state channel takes 0 or 1 only', () => {
  it('stores 0 and 1 and refuses anything else, naming the reason', async () => {
    const time = (minutes: number) => iso(FROM + 30 * HOUR + minutes * 60_000);
    const response = await push(t.app, tenant.admin.token, [
      { channelId: full.flag, time: time(0), value: 1 },
      { channelId: full.flag, time: time(1), value: 0 },
      { channelId: full.flag, time: time(2), value: 0.5 },
      { channelId: full.flag, time: time(3), value: 2 },
      { channelId: full.flag, time: time(4), value: -1 },
    ]);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ received: 5, stored: 2, duplicates: 0 });
    expect(body.refused).toEqual(
      [2, 3, 4].map((index) => ({
        index,
        channelId: full.flag,
        reason: 'value_out_of_range',
        detail: 'value must be 0 or 1: the channel is a state flag (quantity state)',
      })),
    );
  });

  it('refuses a state channel declared as a register, and a unit other than 1', async () => {
    const response = await call(t.app, 'POST', '/orders', tenant.admin.token, {
      reference: 'SPLIT-BAD',
      meters: [
        {
          serial: 'SPLIT-BAD-HM',
          kind: 'heat_meter',
          channels: [
            { key: 'heat_energy' },
            { key: 'hot_water_mode', quantity: 'state', kind: 'register' },
            { key: 'other_flag', quantity: 'state', kind: 'instantaneous', unit: '%' },
          ],
        },
      ],
    });
    // A draft may be incomplete; submitting it names every problem.
    expect(response.statusCode, response.body).toBe(201);
    const submitted = await call(
      t.app,
      'POST',
      `/orders/${response.json().id}/submission`,
      tenant.admin.token,
    );
    expect(submitted.statusCode, submitted.body).toBe(422);
    expect(submitted.json().errors).toEqual(
      expect.arrayContaining([
        {
          field: '/body/meters/0/channels/1/kind',
          message: 'only energy and volume can be cumulative registers',
        },
        { field: '/body/meters/0/channels/2/unit', message: 'must be 1 for state' },
      ]),
    );
  });
});
