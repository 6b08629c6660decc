import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
 * Issue #17, part 3: analytics leave out the data the fault rules flag as wrong. Two simulated air
 * source homes, 5-minute readings over the last 30 days up to now, judged by the real evaluator
 * (POST …/alarms/evaluate replays every hour boundary at the data's own times):
 *
 * - a heat meter that reads 10× for three days (its pulse value wrong: the simulator has no such
 *   fault, so the test scales heat_energy's rise and heat_power by 10 over those days before pushing;
 *   after them the register counts on from where it got to, as a real one would). The implausible_cop
 *   rule flags it; those hours leave the COP and SPF, and no day or window is `ok` on a COP the
 *   meter made up.
 * - an outdoor sensor stuck for 10 days (the simulator's stuck_sensor fault). The stuck_sensor rule
 *   flags it; the degree days take the region's daily means for those hours, and the heat-loss fit
 *   leaves those days out.
 *
 * Against the simulator's truth: its daily heat, electricity and mean outdoor temperature.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.now();
const TODAY = Math.floor(NOW / DAY) * DAY;
const START = TODAY - 30 * DAY;
/** The 10× heat meter: three whole days, ending 8 days before today. */
const TENFOLD_FROM = TODAY - 11 * DAY;
const TENFOLD_TO = TENFOLD_FROM + 3 * DAY;
/** The stuck outdoor sensor: 10 days from the coldest reading of the days 20 to 16 before today (beforeAll). */
let STUCK_FROM = 0;
let STUCK_TO = 0;
const REGION = 'dq-test';

interface Loaded {
  homeId: string;
  spec: HomeSpec;
  truth: Truth;
}

let t: TestApp;
let tenant: Tenant;
let operator: string;
let meterHome: Loaded;
let sensorHome: Loaded;

/** Readings of a heat meter reading 10× over [TENFOLD_FROM, TENFOLD_TO): its rise and power scaled. */
function tenfold() {
  let base: number | undefined;
  let lastTrue: number | undefined;
  return (r: SimReading): number => {
    if (r.meter !== 'heat_meter') return r.value;
    if (r.channel === 'heat_power') return r.t >= TENFOLD_FROM && r.t < TENFOLD_TO ? r.value * 10 : r.value;
    if (r.channel !== 'heat_energy') return r.value;
    if (r.t < TENFOLD_FROM) return r.value;
    base ??= lastTrue ?? r.value;
    // Within the fault the register rises 10× as fast; after it, it counts on from where it got to.
    if (r.t < TENFOLD_TO) {
      lastTrue = r.value;
      return base + 10 * (r.value - base);
    }
    const reached = base + 10 * ((lastTrue ?? base) - base);
    return reached + (r.value - (lastTrue ?? base));
  };
}

async function load(
  spec: HomeSpec,
  transform: (r: SimReading) => number = (r) => r.value,
  ratedCapacityKw?: number,
): Promise<Loaded> {
  const order = orderFor(spec, { commissioningDate: iso(START).slice(0, 10), delivery: 'push' }) as {
    property: Record<string, unknown>;
    installation: Record<string, unknown>;
  };
  order.property = { ...order.property, region: REGION };
  if (ratedCapacityKw !== undefined) order.installation = { ...order.installation, ratedCapacityKw };
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
  for (const r of sim.advance(NOW - 60_000)) {
    const channelId = channelOf(r);
    if (!channelId) continue;
    batch.push({ channelId, time: iso(r.t), value: transform(r) });
    if (batch.length === 10_000) {
      await pushAll(t.app, tenant.admin.token, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await pushAll(t.app, tenant.admin.token, batch);
  const judged = await call(t.app, 'POST', `/homes/${homeId}/alarms/evaluate`, tenant.admin.token);
  expect(judged.statusCode, judged.body).toBe(200);
  return { homeId, spec, truth: sim.truth() };
}

const get = (path: string, params: Record<string, string>) =>
  call(t.app, 'GET', `${path}?${new URLSearchParams(params)}`, tenant.admin.token);
const alarmsOf = async (homeId: string) =>
  (await call(t.app, 'GET', `/homes/${homeId}/alarms?limit=200`, tenant.admin.token)).json().items as {
    rule: string;
    raisedAt: string;
    clearedAt: string | null;
  }[];
const relativeError = (measured: number, truth: number) => Math.abs(measured - truth) / truth;
/** Truth over whole UTC days [from, to) (the agent's zone is London: UTC in winter, checked below). */
const truthDays = (truth: Truth, from: number, to: number) =>
  truth.days.filter((d) => d.date >= iso(from).slice(0, 10) && d.date < iso(to).slice(0, 10));

beforeAll(async () => {
  t = await startTestApp();
  operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Data quality');
  const [base] = demoFleet({ start: START, homes: 1, intervalSeconds: 300, faults: false, prefix: 'DQ' });
  const spec = base as HomeSpec;
  // The sensor freezes at its coldest, as the froze at −4.2 °C: its days then read far too cold.
  let coldest = { t: 0, value: Number.POSITIVE_INFINITY };
  for (const r of simulateHome(spec, { start: START }).advance(TODAY - 15 * DAY))
    if (r.channel === 'outdoor_temperature' && r.t >= TODAY - 20 * DAY && r.value < coldest.value)
      coldest = { t: r.t, value: r.value };
  STUCK_FROM = coldest.t;
  STUCK_TO = STUCK_FROM + 10 * DAY;
  // Ingest refuses a heat register rising faster than 4 × the rated output (telemetry/plausibility.ts):
  // the order states a 12 kW unit, so the 10× readings of this 4 kW one are stored as a real 10×
  // meter's would be on a unit running below a third of that.
  meterHome = await load({ ...spec, reference: 'DQ-METER' }, tenfold(), 12);
  sensorHome = await load({
    ...spec,
    reference: 'DQ-SENSOR',
    faults: [
      {
        kind: 'stuck_sensor',
        channel: 'outdoor_temperature',
        start: STUCK_FROM,
        durationMs: STUCK_TO - STUCK_FROM,
      },
    ],
  });
  // The region's daily weather: the simulator's own daily means (what a weather service would give).
  const csv = ['date,mean_c', ...sensorHome.truth.days.map((d) => `${d.date},${d.meanOutdoorC.toFixed(2)}`)];
  const put = await call(t.app, 'PUT', `/regions/${REGION}/weather`, operator, csv.join('\n'), {
    'content-type': 'text/csv',
  });
  expect(put.statusCode, put.body).toBe(200);
}, timeout(600_000));
afterAll(() => t?.close());

describe('a heat meter reading 10× for three days', () => {
  const window = { from: iso(TODAY - 14 * DAY), to: iso(TODAY) };

  it('raises implausible_cop, at the data’s time', async () => {
    const alarms = (await alarmsOf(meterHome.homeId)).filter((a) => a.rule === 'implausible_cop');
    expect(alarms.length).toBeGreaterThan(0);
    const raised = Date.parse(alarms[0]?.raisedAt as string);
    // Judged when the first 10× day has ended.
    expect(raised).toBeGreaterThanOrEqual(TENFOLD_FROM + DAY);
    expect(raised).toBeLessThan(TENFOLD_FROM + DAY + 2 * HOUR);
  });

  it('states no daily COP of those days as ok, and names the alarm or the bound', async () => {
    const response = await get(`/homes/${meterHome.homeId}/performance`, { ...window, period: 'day' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.timeZone).toBe('Europe/London');
    type Day = {
      start: string;
      cop: number | null;
      quality: { ok: boolean; reasons: { code: string; message: string }[]; leftOut: { rule: string }[] };
    };
    const days = (body.periods as Day[]).filter(
      (p) => Date.parse(p.start) >= TENFOLD_FROM && Date.parse(p.start) < TENFOLD_TO,
    );
    expect(days).toHaveLength(3);
    for (const day of days) {
      expect(day.quality.ok).toBe(false);
      expect(day.cop).toBeNull();
      const codes = day.quality.reasons.map((r) => r.code);
      // The first day is flagged by its own COP (the alarm is raised once it has ended); the next by the alarm.
      expect(codes.some((c) => c === 'implausible_cop' || c === 'low_coverage')).toBe(true);
      if (codes.includes('low_coverage'))
        expect(day.quality.leftOut.map((l) => l.rule)).toContain('implausible_cop');
    }
    // No day of the window is ok on a COP outside 0.75–7.5.
    for (const day of body.periods as Day[])
      if (day.quality.ok) {
        expect(day.cop).toBeGreaterThanOrEqual(0.75);
        expect(day.cop).toBeLessThanOrEqual(7.5);
      }
  });

  it('withholds the 14-day SPF with the reason naming the alarm, or states it within 3 % of the truth', async () => {
    const body = (await get(`/homes/${meterHome.homeId}/performance`, { ...window, period: 'all' })).json();
    const truth = truthDays(meterHome.truth, TODAY - 14 * DAY, TODAY);
    const trueSpf =
      truth.reduce((n, d) => n + d.heatKwh, 0) / truth.reduce((n, d) => n + d.electricityKwh, 0);
    expect(trueSpf).toBeGreaterThan(2);
    expect(trueSpf).toBeLessThan(4.5);
    const { quality } = body.window;
    expect(quality.leftOut).toContainEqual(
      expect.objectContaining({ rule: 'implausible_cop', channel: null, meterSerial: null }),
    );
    if (quality.ok) expect(relativeError(body.window.spf, trueSpf)).toBeLessThan(0.03);
    else {
      expect(body.window.spf).toBeNull();
      const messages = quality.reasons.map((r: { message: string }) => r.message).join(' ');
      expect(messages).toMatch(/implausible_cop alarm \(whole home\)/);
    }
  });

  it('with a lower minimum coverage, states the SPF of the days left in, within 2 % of their truth', async () => {
    // Left out by the alarm, from when its condition began (conditionSince: the first 10× day,
    // though it is raised the morning after) to when it cleared (once a plausible day has been
    // judged): the three 10× days and the day after them. The first day's own implausible COP
    // would leave it out too; it is already in the alarm's hours.
    const body = (
      await get(`/homes/${meterHome.homeId}/performance`, { ...window, period: 'all', minCoverage: '70' })
    ).json();
    expect(body.window.quality.ok).toBe(true);
    expect(body.window.coverage).toEqual({ percent: 71.4, hoursWithData: 240, hours: 336 });
    expect(body.window.quality.leftOut).toEqual([
      expect.objectContaining({
        alarmId: expect.any(String),
        rule: 'implausible_cop',
        channel: null,
        meterSerial: null,
        hours: 96,
      }),
    ]);
    const kept = truthDays(meterHome.truth, TODAY - 14 * DAY, TODAY).filter(
      (d) => d.date < iso(TENFOLD_FROM).slice(0, 10) || d.date >= iso(TENFOLD_TO + DAY).slice(0, 10),
    );
    const trueSpf = kept.reduce((n, d) => n + d.heatKwh, 0) / kept.reduce((n, d) => n + d.electricityKwh, 0);
    expect(relativeError(body.window.spf, trueSpf)).toBeLessThan(0.02);
  });

  it('leaves out every flagged hour: the SPF of the window without the 10× days is the truth’s', async () => {
    // From the day after the last 10× day the meter is right again: the SPF over the days the alarm
    // did not flag, with the coverage the alarm cost, stays within 1 % of the truth.
    const from = TENFOLD_TO + 2 * DAY;
    const body = (
      await get(`/homes/${meterHome.homeId}/performance`, { from: iso(from), to: iso(TODAY), period: 'all' })
    ).json();
    const truth = truthDays(meterHome.truth, from, TODAY);
    const trueSpf =
      truth.reduce((n, d) => n + d.heatKwh, 0) / truth.reduce((n, d) => n + d.electricityKwh, 0);
    expect(body.window.quality.ok).toBe(true);
    expect(relativeError(body.window.spf, trueSpf)).toBeLessThan(0.01);
  });
});

describe('an outdoor sensor stuck for 10 days', () => {
  const window = { from: iso(START + DAY), to: iso(TODAY) };

  it('raises stuck_sensor on the outdoor temperature', async () => {
    const alarms = (await alarmsOf(sensorHome.homeId)).filter((a) => a.rule === 'stuck_sensor');
    expect(alarms.length).toBeGreaterThan(0);
    expect(Date.parse(alarms[0]?.raisedAt as string)).toBeLessThan(STUCK_FROM + 8 * HOUR);
  });

  it('insight: the degree days take the region’s means for the stuck hours, within 2 % of the truth', async () => {
    const response = await get(`/homes/${sensorHome.homeId}/insight`, { ...window, period: 'all' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    const truth = truthDays(sensorHome.truth, START + DAY, TODAY);
    const hdd = truth.reduce((n, d) => n + Math.max(0, 15.5 - d.meanOutdoorC), 0);
    expect(body.degreeDaysSource).toBe('outdoor_sensor');
    expect(body.window.degreeDays.daysMeasured).toBe(truth.length);
    expect(relativeError(body.window.degreeDays.value, hdd)).toBeLessThan(0.02);
    // About 10 days less the hours before the rule saw it (it needs 6 unchanged hours).
    expect(body.window.outdoorQuality.suspectHours).toBeGreaterThan(9 * 24);
    expect(body.window.outdoorQuality.regionHours).toBe(body.window.outdoorQuality.suspectHours);
    expect(body.window.outdoorQuality.alarms).toEqual([
      `stuck_sensor alarm on outdoor_temperature of ${serialOf('DQ-SENSOR', 'outdoor_sensor')}`,
    ]);
  });

  it('performance: degree days as insight’s, and a heat loss fitted on the days the sensor was right', async () => {
    const response = await get(`/homes/${sensorHome.homeId}/performance`, { ...window, period: 'all' });
    expect(response.statusCode, response.body).toBe(200);
    const { design } = response.json().window;
    const truth = truthDays(sensorHome.truth, START + DAY, TODAY);
    const hdd = truth.reduce((n, d) => n + Math.max(0, 15.5 - d.meanOutdoorC), 0);
    expect(relativeError(design.degreeDays, hdd)).toBeLessThan(0.02);
    expect(design.outdoorSuspectHours).toBeGreaterThan(9 * 24);
    expect(design.outdoorRegionHours).toBe(design.outdoorSuspectHours);
    expect(design.assumptions.join(' ')).toMatch(/stuck_sensor alarm on outdoor_temperature/);
    // The days the alarm spans stay out of the fit: 29 days less 10 (the sensor froze late in the
    // evening before; the alarm starts when the rule saw 6 unchanged hours, after midnight).
    expect(design.heatLossDays).toBeLessThanOrEqual(19);
    expect(design.heatLossDays).toBeGreaterThanOrEqual(10);
    // An estimate (docs/performance.md): within 30 % of the simulated W/K, as over a healthy year.
    expect(relativeError(design.measuredHeatLossWPerK, sensorHome.spec.heatLossWPerK)).toBeLessThan(0.3);
  });
});
