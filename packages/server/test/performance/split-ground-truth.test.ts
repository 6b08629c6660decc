import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChannelKey,
  demoFleet,
  type HomeSpec,
  orderFor,
  type SimReading,
  serialOf,
  simulateHome,
  type Truth,
} from '../../../simulator/src/index.js';
import {
  call,
  createTenant,
  iso,
  login,
  OPERATOR,
  pushAll,
  type Reading,
  startTestApp,
  type Tenant,
  type TestApp,
  timeout,
} from '../harness/index.js';

/**
 * The split against the simulator's truth: January of two air source homes of the demo fleet (one
 * with a 3 kW backup heater on a heat_pump_and_backup meter, whose weekly legionella cycle heats the
 * cylinder with it), read every minute, with the heat meter's hot_water_mode flag that `orderFor`
 * adds. One-minute readings because a valve change inside a reading interval puts part of that
 * interval in the wrong mode: at 5 minutes the hot water heat reads 2.5 % low here, and up to 12.3 % low
 * on other homes (split-interval.test.ts, docs/performance.md).
 *
 * What each figure must match: the heat meter counts forward heat only and the model's defrosts
 * happen with the valve on space heating, so space heating heat is spaceHeatingKwh + defrostKwh and
 * hot water heat is hotWaterKwh; electricity splits as spaceHeating/hotWaterElectricityKwh.
 */
const START = Date.UTC(2026, 0, 1);
const END = Date.UTC(2026, 1, 1);
const DAY = 86_400_000;
const CHANNELS: ChannelKey[] = ['heat_energy', 'electricity_energy', 'hot_water_mode'];

interface SimulatedHome {
  spec: HomeSpec;
  homeId: string;
  truth: Truth;
}

let t: TestApp;
let tenant: Tenant;
const homes: SimulatedHome[] = [];

async function simulateAndLoad(spec: HomeSpec): Promise<SimulatedHome> {
  const order = orderFor(spec, { commissioningDate: '2026-01-01', delivery: 'push' });
  const draft = await call(t.app, 'POST', '/orders', tenant.admin.token, order);
  expect(draft.statusCode, draft.body).toBe(201);
  const submitted = await call(t.app, 'POST', `/orders/${draft.json().id}/submission`, tenant.admin.token);
  expect(submitted.statusCode, submitted.body).toBe(201);
  const homeId = submitted.json().homeId as string;
  const meters = (await call(t.app, 'GET', `/homes/${homeId}/meters`, tenant.admin.token)).json().items as {
    serial: string;
    channels: { id: string; key: string }[];
  }[];
  const channelOf = (r: SimReading): string | undefined =>
    meters
      .find((m) => m.serial === serialOf(spec.reference, r.meter))
      ?.channels.find((c) => c.key === r.channel)?.id;
  const sim = simulateHome(spec, { start: START });
  let batch: Reading[] = [];
  for (let until = START; until < END; ) {
    until = Math.min(END, until + 7 * DAY);
    for (const r of sim.advance(until)) {
      if (!CHANNELS.includes(r.channel)) continue;
      batch.push({ channelId: channelOf(r) as string, time: iso(r.t), value: r.value });
      if (batch.length === 10_000) {
        await pushAll(t.app, tenant.admin.token, batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) await pushAll(t.app, tenant.admin.token, batch);
  return { spec, homeId, truth: sim.truth() };
}

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Split ground truth');
  const fleet = demoFleet({ start: START, homes: 2, intervalSeconds: 60, faults: false, prefix: 'SPLIT' });
  for (const spec of fleet) homes.push(await simulateAndLoad(spec));
}, timeout(120_000));
afterAll(() => t?.close());

const relativeError = (measured: number, truth: number) => Math.abs(measured - truth) / truth;

describe('the space heating / hot water / running split against the simulator’s ground truth', () => {
  it('splits a month’s heat and electricity within 0.1 %, and the running-only COP within 0.2 %', async () => {
    for (const home of homes) {
      const response = await call(
        t.app,
        'GET',
        `/homes/${home.homeId}/performance?${new URLSearchParams({ from: iso(START), to: iso(END), period: 'month' })}`,
        tenant.admin.token,
      );
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      const { truth } = home;
      const { split } = body.window;
      const spaceHeat = truth.spaceHeatingKwh + truth.defrostKwh;
      const errors = {
        spaceHeat: relativeError(split.spaceHeating.heatKwh, spaceHeat),
        waterHeat: relativeError(split.hotWater.heatKwh, truth.hotWaterKwh),
        spaceElectricity: relativeError(split.spaceHeating.electricityKwh, truth.spaceHeatingElectricityKwh),
        waterElectricity: relativeError(split.hotWater.electricityKwh, truth.hotWaterElectricityKwh),
        spaceCop: relativeError(split.spaceHeating.cop, spaceHeat / truth.spaceHeatingElectricityKwh),
        waterCop: relativeError(split.hotWater.cop, truth.hotWaterKwh / truth.hotWaterElectricityKwh),
        runningCop: relativeError(
          split.running.cop,
          (truth.runningHeatKwh + truth.defrostKwh) / truth.runningElectricityKwh,
        ),
      };
      // Every hour has flag readings: the split adds up to the whole.
      expect(split.coveragePercent).toBe(100);
      expect(split.spaceHeating.heatKwh + split.hotWater.heatKwh).toBeCloseTo(body.window.heatKwh, 2);
      // Seen: heat 0.004 % and 0.003 %, electricity 0.006 % at most, COPs 0.021 % at most: with
      // one-minute readings every valve change falls on a reading, so what is left is the registers'
      // 1 Wh rounding and the window's first reading (a baseline, its minutes uncounted).
      expect(errors.spaceHeat).toBeLessThan(0.001);
      expect(errors.waterHeat).toBeLessThan(0.001);
      expect(errors.spaceElectricity).toBeLessThan(0.001);
      expect(errors.waterElectricity).toBeLessThan(0.001);
      expect(errors.spaceCop).toBeLessThan(0.001);
      expect(errors.waterCop).toBeLessThan(0.001);
      // Seen 0.10 % and 0.13 %, low: a running hour also carries its idle minutes' standby (15 W),
      // which the truth's running minutes leave out (docs/performance.md).
      expect(errors.runningCop).toBeLessThan(0.002);
      expect(split.running.cop).toBeLessThan(
        (truth.runningHeatKwh + truth.defrostKwh) / truth.runningElectricityKwh,
      );
      // Running-only leaves idle standby out: at least the SPF.
      expect(split.running.cop).toBeGreaterThanOrEqual(body.window.spf);
      // The months add up to the window.
      const monthly = body.periods.reduce(
        (s: number, p: { split: { hotWater: { heatKwh: number } } }) => s + p.split.hotWater.heatKwh,
        0,
      );
      expect(monthly).toBeCloseTo(split.hotWater.heatKwh, 2);
    }
  });
});
