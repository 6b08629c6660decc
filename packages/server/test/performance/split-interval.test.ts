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
  variedFleet,
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
 * The split at five-minute readings against the simulator's truth (docs/performance.md, "The
 * reading interval decides the accuracy"): a valve change inside an interval puts the rest of that
 * interval in the mode at its start, and as a reheat runs harder than the space heating around it the
 * errors at its start and end do not cancel: hot water heat reads low. January of the demo's first
 * home (an 8 kW unit, 150 l cylinder: seen 2.5 % low) and of the varied fleet's worst of 40 homes at
 * five minutes (HOME-027 of seed 1: a 12 kW ground source unit on a 150 l cylinder at 55 °C, so its
 * reheats last minutes: seen 12.3 % low). The bound stated in the docs is 13 % low, COP within 4 %.
 */
const START = Date.UTC(2026, 0, 1);
const END = Date.UTC(2026, 1, 1);
const DAY = 86_400_000;
const CHANNELS: ChannelKey[] = ['heat_energy', 'electricity_energy', 'hot_water_mode'];

let t: TestApp;
let tenant: Tenant;
const homes: { spec: HomeSpec; homeId: string; truth: Truth }[] = [];

async function simulateAndLoad(spec: HomeSpec) {
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
  const batch: Reading[] = [];
  for (let until = START; until < END; ) {
    until = Math.min(END, until + 7 * DAY);
    for (const r of sim.advance(until)) {
      if (CHANNELS.includes(r.channel))
        batch.push({ channelId: channelOf(r) as string, time: iso(r.t), value: r.value });
    }
  }
  for (let i = 0; i < batch.length; i += 10_000)
    await pushAll(t.app, tenant.admin.token, batch.slice(i, i + 10_000));
  return { spec, homeId, truth: sim.truth() };
}

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Split at five minutes');
  const [demo] = demoFleet({ start: START, homes: 1, intervalSeconds: 300, faults: false, prefix: 'SPLIT5' });
  const worst = variedFleet({ count: 27, seed: 1 }).find((h) => h.reference === 'HOME-027');
  for (const spec of [demo, worst]) homes.push(await simulateAndLoad(spec as HomeSpec));
}, timeout(120_000));
afterAll(() => t?.close());

const signedError = (measured: number, truth: number) => (measured - truth) / truth;

describe('the split at five-minute readings', () => {
  it('reads hot water heat low by at most 13 %, its COP within 4 %, space heating within 2 %', async () => {
    const seen: Record<string, number>[] = [];
    for (const home of homes) {
      const response = await call(
        t.app,
        'GET',
        `/homes/${home.homeId}/performance?${new URLSearchParams({ from: iso(START), to: iso(END), period: 'month' })}`,
        tenant.admin.token,
      );
      expect(response.statusCode, response.body).toBe(200);
      const { split } = response.json().window;
      const { truth } = home;
      const spaceHeat = truth.spaceHeatingKwh + truth.defrostKwh;
      const errors = {
        waterHeat: signedError(split.hotWater.heatKwh, truth.hotWaterKwh),
        waterCop: signedError(split.hotWater.cop, truth.hotWaterKwh / truth.hotWaterElectricityKwh),
        spaceHeat: signedError(split.spaceHeating.heatKwh, spaceHeat),
      };
      seen.push(errors);
      expect(split.coveragePercent).toBe(100);
      // Always low: the heat of a reheat's first minutes goes to space heating.
      expect(errors.waterHeat).toBeLessThan(0);
      expect(errors.waterHeat).toBeGreaterThan(-0.13);
      expect(Math.abs(errors.waterCop)).toBeLessThan(0.04);
      expect(Math.abs(errors.spaceHeat)).toBeLessThan(0.02);
    }
    // The demo's home as documented (2.5 % low), the varied worst case near the bound (12.3 % low).
    expect(seen[0]?.waterHeat).toBeCloseTo(-0.025, 2);
    expect(seen[1]?.waterHeat).toBeLessThan(-0.1);
  });
});
