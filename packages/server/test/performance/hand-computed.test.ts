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
 * A home metered at every SEPEMO boundary, fed 48 hours of 15-minute readings whose every figure is
 * computed by hand below. 24–26 October 2026 (UTC) spans the end of British Summer Time (25th,
 * 01:00 UTC), so the local day of the 25th has 25 hours.
 */
let t: TestApp;
let tenant: Tenant;
let homeId: string;
let bareHomeId: string;
const HOUR = 3_600_000;
const STEP = 15 * 60_000;
const FROM = Date.UTC(2026, 9, 24);
const HOURS = 48;
const TO = FROM + HOURS * HOUR;

// Register rises per 15 minutes, kWh.
const RISE = { heat: 1, compressor: 0.2, heatPump: 0.25, backup: 0.05, immersion: 0.025, pump: 0.0125 };
const FLOW_C = 35;
const OUTDOOR_C = 5;

const meter = (serial: string, measures: string) => ({
  serial,
  kind: 'electricity_meter',
  measures,
  reading: { method: 'push', intervalSeconds: 900 },
});

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Performance');
  const home = await homeWithChannels(t.app, tenant.admin.token, 'PERF-1', {
    meters: [
      { serial: 'HM-1', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 900 } },
      meter('EM-COMP', 'compressor'),
      meter('EM-HP', 'heat_pump'),
      meter('EM-BU', 'backup_heater'),
      meter('EM-IMM', 'immersion_heater'),
      meter('EM-PUMP', 'circulation_pump'),
      meter('EM-HOUSE', 'whole_house'),
      { serial: 'TO-1', kind: 'temperature_sensor', location: 'outdoor' },
    ],
  });
  homeId = home.homeId;
  const bySerial = (serial: string, key: string) => {
    const found = home.channels.find((c) => c.key === key && serialOf(c.meterId) === serial);
    if (!found) throw new Error(`no ${serial} ${key}`);
    return found.id;
  };
  const meters = (await call(t.app, 'GET', `/homes/${homeId}/meters`, tenant.admin.token)).json().items as {
    id: string;
    serial: string;
  }[];
  const serialOf = (meterId: string) => meters.find((m) => m.id === meterId)?.serial;
  const registers: [string, number][] = [
    [bySerial('HM-1', 'heat_energy'), RISE.heat],
    [bySerial('EM-COMP', 'electricity_energy'), RISE.compressor],
    [bySerial('EM-HP', 'electricity_energy'), RISE.heatPump],
    [bySerial('EM-BU', 'electricity_energy'), RISE.backup],
    [bySerial('EM-IMM', 'electricity_energy'), RISE.immersion],
    [bySerial('EM-PUMP', 'electricity_energy'), RISE.pump],
    [bySerial('EM-HOUSE', 'electricity_energy'), 5],
  ];
  const readings: Reading[] = [];
  // A baseline reading 15 minutes before the window, then one every 15 minutes within it.
  for (let k = -1; k < HOURS * 4; k++) {
    const time = iso(FROM + k * STEP);
    for (const [channelId, rise] of registers)
      readings.push({ channelId, time, value: 500 + rise * (k + 1) });
    // The temperatures wander by ±0.1 °C, two readings each way an hour, so each hour's mean is
    // exactly FLOW_C / OUTDOOR_C: a sensor that never changes is a stuck one to the fault rules, and
    // its hours would leave the Carnot figure (docs/performance.md, "Data-quality alarms").
    const wander = k % 2 === 0 ? 0.1 : -0.1;
    readings.push({ channelId: bySerial('HM-1', 'flow_temperature'), time, value: FLOW_C + wander });
    readings.push({ channelId: bySerial('TO-1', 'outdoor_temperature'), time, value: OUTDOOR_C + wander });
    // The compressor runs for half an hour every hour: on, on, off, off.
    const on = ((k % 4) + 4) % 4 < 2;
    readings.push({ channelId: bySerial('EM-COMP', 'electricity_power'), time, value: on ? 1500 : 20 });
  }
  await pushAll(t.app, tenant.admin.token, readings);
  // A home whose only electricity meter is the whole house's: no boundary.
  bareHomeId = (
    await homeWithChannels(t.app, tenant.admin.token, 'PERF-2', {
      meters: [
        { serial: 'HM-2', kind: 'heat_meter' },
        { serial: 'EM-2', kind: 'electricity_meter', measures: 'whole_house' },
      ],
    })
  ).homeId;
});
afterAll(() => t?.close());

const get = (params: Record<string, string>, id = homeId, headers: Record<string, string> = {}) =>
  call(
    t.app,
    'GET',
    `/homes/${id}/performance?${new URLSearchParams(params)}`,
    tenant.admin.token,
    undefined,
    headers,
  );

const window = { from: iso(FROM), to: iso(TO) };
// 192 readings in the window, each adding one rise.
const N = HOURS * 4;
const Q_METER = N * RISE.heat; // 192
const E = {
  compressor: N * RISE.compressor, // 38.4
  heatPump: N * RISE.heatPump, // 48
  backup: N * RISE.backup, // 9.6
  immersion: N * RISE.immersion, // 4.8
  pump: N * RISE.pump, // 2.4
};

describe('GET /homes/{id}/performance: hand-computed figures', () => {
  it('states each SEPEMO boundary from the meters it sums', async () => {
    const cases = {
      // H1, H2: the inline backup heater's heat (= its electricity) is taken out of the meter's heat.
      H1: { heat: Q_METER - E.backup, electricity: E.compressor, meters: ['EM-COMP', 'EM-BU'] },
      H2: { heat: Q_METER - E.backup, electricity: E.heatPump, meters: ['EM-HP', 'EM-BU'] },
      // H3: plus the backup and immersion heaters; the immersion's heat (after the heat meter) adds.
      H3: {
        heat: Q_METER + E.immersion,
        electricity: E.heatPump + E.backup + E.immersion,
        meters: ['EM-HP', 'EM-BU', 'EM-IMM'],
      },
      // H4: plus the circulation pumps.
      H4: {
        heat: Q_METER + E.immersion,
        electricity: E.heatPump + E.backup + E.immersion + E.pump,
        meters: ['EM-HP', 'EM-BU', 'EM-IMM', 'EM-PUMP'],
      },
    };
    for (const [level, expected] of Object.entries(cases)) {
      const response = await get({ ...window, period: 'all', boundary: level });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body.boundary.level).toBe(level);
      expect(body.boundary.supported).toEqual(['H1', 'H2', 'H3', 'H4']);
      expect(body.boundary.heatMeters).toEqual(['HM-1']);
      expect([...body.boundary.electricityMeters].sort()).toEqual([...expected.meters].sort());
      expect(body.window.heatKwh).toBeCloseTo(expected.heat, 6);
      expect(body.window.electricityKwh).toBeCloseTo(expected.electricity, 6);
      expect(body.window.spf).toBeCloseTo(expected.heat / expected.electricity, 3);
      expect(body.window.quality).toEqual({ ok: true, reasons: [], leftOut: [] });
    }
    // By hand: H1 182.4 / 38.4 = 4.75; H2 182.4 / 48 = 3.8; H3 196.8 / 62.4; H4 196.8 / 64.8.
    const h1 = (await get({ ...window, boundary: 'H1' })).json();
    expect(h1.window.spf).toBe(4.75);
    const h2 = (await get({ ...window, boundary: 'H2' })).json();
    expect(h2.window.spf).toBe(3.8);
  });

  it('defaults to the widest boundary and full coverage', async () => {
    const body = (await get({ ...window, period: 'all' })).json();
    expect(body.boundary.level).toBe('H4');
    expect(body.window.coverage).toEqual({ percent: 100, hoursWithData: 48, hours: 48 });
    expect(body.timeZone).toBe('Europe/London');
    expect(body.minCoveragePercent).toBe(90);
  });

  it('gives COP per local day as Σheat / Σelectricity, with a 25-hour day when the clocks go back', async () => {
    const body = (await get({ ...window, period: 'day', boundary: 'H2' })).json();
    // Local 24 October (BST) ends at 23:00 UTC; 25 October has 25 hours and ends at 00:00 UTC on the 26th.
    expect(body.periods.map((p: { start: string; end: string }) => [p.start, p.end])).toEqual([
      ['2026-10-24T00:00:00.000Z', '2026-10-24T23:00:00.000Z'],
      ['2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z'],
    ]);
    const [first, second] = body.periods;
    expect(first.coverage).toEqual({ percent: 100, hoursWithData: 23, hours: 23 });
    expect(second.coverage).toEqual({ percent: 100, hoursWithData: 25, hours: 25 });
    // 4 kWh of heat less 0.2 kWh of backup heat an hour, against 1 kWh of heat pump electricity.
    expect(first.heatKwh).toBeCloseTo(23 * 3.8, 6);
    expect(second.heatKwh).toBeCloseTo(25 * 3.8, 6);
    expect(first.electricityKwh).toBeCloseTo(23, 6);
    expect(second.electricityKwh).toBeCloseTo(25, 6);
    expect(first.cop).toBe(3.8);
    expect(second.cop).toBe(3.8);
  });

  it('computes % of Carnot, the heat-weighted flow temperature and compressor starts', async () => {
    const body = (await get({ ...window, boundary: 'H2' })).json();
    // Practical Carnot COP, condensing at flow + 2 K and evaporating at outdoor − 6 K:
    // (35 + 2 + 273.15) / ((35 + 2) − (5 − 6)) = 310.15 / 38 = 8.1618; running COP 3.8; 3.8 / 8.1618 = 46.56 %.
    const carnot = (FLOW_C + 2 + 273.15) / (FLOW_C + 2 - (OUTDOOR_C - 6));
    expect(body.window.carnotPercent).toBeCloseTo((100 * 3.8) / carnot, 1);
    expect(body.window.carnotConvention).toMatchObject({
      condensingOffsetK: 2,
      evaporatingOffsetK: -6,
      over: 'running_hours',
      weighting: 'heat',
    });
    expect(body.window.carnotHours).toBe(48);
    expect(body.window.flowTemperatureWeightedC).toBe(35);
    // On, on, off, off every hour: 48 starts but the first reading has no predecessor; 96 readings on × 15 min.
    expect(body.window.startThresholdW).toBe(175); // 25 W per rated kW (7 kW)
    expect(body.window.starts).toBe(47);
    expect(body.window.runningHours).toBe(24);
    expect(body.window.startsPerHour).toBeCloseTo(47 / 24, 3);
    // Per running hour (startsPerHour is its deprecated alias) and per hour of data: 192 readings × 15 min.
    expect(body.window.startsPerRunningHour).toBe(body.window.startsPerHour);
    expect(body.window.powerReadingHours).toBe(48);
    expect(body.window.startsPerHourOfData).toBeCloseTo(47 / 48, 3);
    expect(body.window.defrostKwh).toBeNull();
    expect(body.window.unavailable).toContainEqual(expect.objectContaining({ field: 'defrostKwh' }));
  });

  it('counts starts against a start threshold the caller gives', async () => {
    // Standby draws 20 W: at 10 W every reading is "running", so the compressor never starts after the first.
    const low = (await get({ ...window, boundary: 'H2', startThresholdW: '10' })).json();
    expect(low.window.startThresholdW).toBe(10);
    expect(low.window.starts).toBe(0);
    expect(low.window.runningHours).toBe(48);
    // Above the 1500 W it runs at, it never runs at all.
    const high = (await get({ ...window, boundary: 'H2', startThresholdW: '2000' })).json();
    expect(high.window.starts).toBe(0);
    expect(high.window.startsPerHour).toBeNull();
    const refused = await get({ ...window, startThresholdW: '0' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().detail).toMatch(/startThresholdW/);
  });

  it('compares with the design, stating the W/K assumption', async () => {
    const body = (await get({ ...window, boundary: 'H2' })).json();
    // completeOrder: designSpf 3.5, designHeatLossW 5200, no W/K: 5200 / (21 − (−3)) = 216.7 W/K.
    expect(body.window.design).toMatchObject({
      spf: 3.5,
      scop: null,
      spfRatio: Math.round((3.8 / 3.5) * 1000) / 1000,
      spfRatioAgainst: 'designSpf',
      heatLossWPerK: 216.7,
      measuredHeatLossWPerK: null,
    });
    expect(body.window.design.assumptions.join(' ')).toMatch(/designHeatLossW \/ \(21 − \(-3\)\)/);
  });

  it('clips periods to the window, and withholds a COP or SPF whose coverage is too low', async () => {
    const longer = { from: iso(FROM), to: iso(TO + 2 * HOUR) };
    const body = (await get({ ...longer, period: 'week', boundary: 'H2' })).json();
    // 24 October 2026 is a Saturday: the ISO week ends at local midnight on Monday 26th.
    expect(body.periods).toHaveLength(2);
    expect(body.periods[1]).toMatchObject({
      start: '2026-10-26T00:00:00.000Z',
      end: '2026-10-26T02:00:00.000Z',
      heatKwh: 0,
      cop: null,
      coverage: { percent: 0, hoursWithData: 0, hours: 2 },
    });
    expect(body.periods[1].quality.reasons.map((r: { code: string }) => r.code)).toEqual([
      'low_coverage',
      'no_electricity',
    ]);
    // 48 of 50 hours: 96 % passes the default 90 % but not 97 %.
    expect(body.window.coverage).toEqual({ percent: 96, hoursWithData: 48, hours: 50 });
    expect(body.window.spf).toBe(3.8);
    const strict = (await get({ ...longer, boundary: 'H2', minCoverage: '97' })).json();
    expect(strict.window.spf).toBeNull();
    expect(strict.window.quality.ok).toBe(false);
    expect(strict.window.quality.reasons[0]).toMatchObject({ code: 'low_coverage' });
    expect(strict.window.quality.reasons[0].message).toMatch(/96% .* 97%/);
  });

  it('refuses an SPF on less than a day of data', async () => {
    const body = (await get({ from: iso(FROM), to: iso(FROM + 6 * HOUR) })).json();
    expect(body.window.coverage.percent).toBe(100);
    expect(body.window.spf).toBeNull();
    expect(body.window.quality.reasons.map((r: { code: string }) => r.code)).toEqual(['too_little_data']);
    expect(body.periods[0].cop).not.toBeNull();
  });

  it('answers the periods as CSV', async () => {
    const response = await get({ ...window, period: 'day', boundary: 'H2' }, homeId, { accept: 'text/csv' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.body.split('\r\n')).toEqual([
      'start,end,heatKwh,electricityKwh,cop,coveragePercent,hoursWithData,hours,qualityOk,qualityReasons,' +
        'spaceHeatingHeatKwh,spaceHeatingElectricityKwh,spaceHeatingCop,hotWaterHeatKwh,hotWaterElectricityKwh,' +
        'hotWaterCop,runningHeatKwh,runningElectricityKwh,runningCop,runningHours,splitCoveragePercent',
      // No hot_water_mode channel: no space heating / hot water; heat every hour, so every hour ran.
      '2026-10-24T00:00:00.000Z,2026-10-24T23:00:00.000Z,87.4,23,3.8,100,23,23,true,,,,,,,,87.4,23,3.8,23,',
      '2026-10-24T23:00:00.000Z,2026-10-26T00:00:00.000Z,95,25,3.8,100,25,25,true,,,,,,,,95,25,3.8,25,',
      '',
    ]);
  });

  it('states no boundary when only the whole house is metered', async () => {
    const response = await get({}, bareHomeId);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.boundary).toBeNull();
    expect(body.window.spf).toBeNull();
    expect(body.window.quality.reasons.map((r: { code: string }) => r.code)).toEqual(['no_boundary']);
    expect(body.periods.length).toBeGreaterThan(0);
  });

  it('refuses bad parameters with a 400 naming the parameter', async () => {
    const cases: [Record<string, string>, string, string?][] = [
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-13-01T00:00:00Z' }, 'to'],
      [{ period: 'fortnight' }, 'period'],
      [{ boundary: 'H5' }, 'boundary'],
      [{ minCoverage: '101' }, 'minCoverage'],
      [{ minCoverage: 'lots' }, 'minCoverage'],
      [{ from: iso(TO), to: iso(FROM) }, 'from'],
      [{ from: '2000-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from'],
      [{ colour: 'red' }, 'colour'],
    ];
    for (const [params, field] of cases) {
      const body = expectProblem(await get(params), 400, 'validation_failed');
      expect(JSON.stringify(body), JSON.stringify(params)).toContain(field);
    }
    // A boundary the meters cannot state: 400 naming it and what they support.
    const body = expectProblem(await get({ boundary: 'H2' }, bareHomeId), 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: '/query/boundary', message: expect.any(String) }]);
    expect(body.detail).toMatch(/whole_house/);
  });

  it('counts coverage from when the home could have readings: a home commissioned today is fully covered', async () => {
    const now = Date.now();
    const today = new Date(now).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
    const home = await homeWithChannels(t.app, tenant.admin.token, 'PERF-NEW', {
      installation: {
        technology: 'air_source_heat_pump',
        manufacturer: 'Vaillant',
        model: 'aroTHERM plus 7kW',
        ratedCapacityKw: 7,
        commissioningDate: today,
        designFlowTemperatureC: 45,
        designSpf: 3.5,
      },
      meters: [
        { serial: 'HM-N', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 900 } },
        meter('EM-N', 'heat_pump'),
      ],
    });
    // Local midnight of today, then a reading every 15 minutes up to now.
    let midnight = Math.floor(now / 86_400_000) * 86_400_000 - 2 * HOUR;
    while (new Date(midnight).toLocaleDateString('en-CA', { timeZone: 'Europe/London' }) !== today)
      midnight += HOUR;
    const heat = home.channel('heat_meter', 'heat_energy').id;
    const electricity = home.channel('electricity_meter', 'electricity_energy').id;
    const readings: Reading[] = [];
    for (let time = midnight, k = 0; time <= now; time += STEP, k++) {
      readings.push({ channelId: heat, time: iso(time), value: 100 + k });
      readings.push({ channelId: electricity, time: iso(time), value: 10 + k / 4 });
    }
    await pushAll(t.app, tenant.admin.token, readings);
    const answer = (await get({}, home.homeId)).json();
    // The default window is 30 days, but only today's hours so far count.
    const hours = Math.ceil((now - midnight) / HOUR);
    expect(answer.window.coverage.hours).toBe(hours);
    expect(answer.window.coverage.hoursWithData).toBe(hours);
    expect(answer.window.coverage.percent).toBe(100);
  });
});
