import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoFleet,
  orderFor,
  type SimReading,
  serialOf,
  simulateHome,
} from '../../../simulator/src/index.js';
import {
  call,
  createTenant,
  expectProblem,
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
 * One simulated air source home through October 2026 (Europe/London: 1 October 00:00 BST to
 * 1 November 00:00 GMT, 745 hours), 15-minute readings, with its heat meter offline for two days
 * (the 10th and 11th, UTC). The home's reference and address carry markup, which the HTML report
 * must show as text. A flat electricity tariff makes the cost.
 */
const START = Date.parse('2026-09-30T23:00:00Z');
const END = Date.parse('2026-11-01T00:00:00Z');
const GAP_FROM = Date.UTC(2026, 9, 10);
const GAP_TO = Date.UTC(2026, 9, 12);
const REFERENCE = '<script>alert("x")</script> & Co';
const STREET = '1 <b>Bold</b> Street';

let t: TestApp;
let tenant: Tenant;
let homeId: string;
let heatMeterSerial: string;

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Reports');
  const tariff = await call(t.app, 'POST', '/tariffs', tenant.admin.token, {
    name: 'Flat',
    fuel: 'electricity',
    standingCharge: 50,
    unitRate: 25,
    isDefault: true,
  });
  expect(tariff.statusCode, tariff.body).toBe(201);

  const [spec] = demoFleet({ start: START, homes: 1, intervalSeconds: 900, faults: false, prefix: 'RPT' });
  if (!spec) throw new Error('no simulated home');
  const order = {
    ...orderFor(spec, { commissioningDate: '2026-10-01', delivery: 'push' }),
    reference: REFERENCE,
    property: { addressLines: [STREET], town: 'Llanberis', postcode: 'LL55 4UR', country: 'GB' },
    occupant: { name: 'Olive Occupant', email: 'olive@example.com' },
  };
  const draft = await call(t.app, 'POST', '/orders', tenant.admin.token, order);
  expect(draft.statusCode, draft.body).toBe(201);
  const submitted = await call(t.app, 'POST', `/orders/${draft.json().id}/submission`, tenant.admin.token);
  expect(submitted.statusCode, submitted.body).toBe(201);
  homeId = submitted.json().homeId;
  heatMeterSerial = serialOf(spec.reference, 'heat_meter');
  const meters = (await call(t.app, 'GET', `/homes/${homeId}/meters`, tenant.admin.token)).json().items as {
    serial: string;
    channels: { id: string; key: string }[];
  }[];
  const channelOf = (r: SimReading) =>
    meters
      .find((m) => m.serial === serialOf(spec.reference, r.meter))
      ?.channels.find((c) => c.key === r.channel)?.id;
  const sim = simulateHome(spec, { start: START });
  let batch: Reading[] = [];
  for (const r of sim.advance(END)) {
    if (r.meter === 'heat_meter' && r.t >= GAP_FROM && r.t < GAP_TO) continue;
    batch.push({ channelId: channelOf(r) as string, time: iso(r.t), value: r.value });
    if (batch.length === 10_000) {
      await pushAll(t.app, tenant.admin.token, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await pushAll(t.app, tenant.admin.token, batch);
}, timeout(60_000));
afterAll(() => t?.close());

const report = (params: Record<string, string>, accept?: string, id = homeId) =>
  call(
    t.app,
    'GET',
    `/homes/${id}/reports/monthly?${new URLSearchParams(params)}`,
    tenant.admin.token,
    undefined,
    accept === undefined ? {} : { accept },
  );

describe('GET /homes/{id}/reports/monthly', () => {
  it('is the month’s performance and insight exactly as their own routes state them, with per-meter data quality', async () => {
    const response = await report({ month: '2026-10' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json();
    expect(body).toMatchObject({
      kind: 'monthly',
      month: '2026-10',
      from: '2026-09-30T23:00:00.000Z',
      to: '2026-11-01T00:00:00.000Z',
      timeZone: 'Europe/London',
      complete: true,
      home: {
        id: homeId,
        reference: REFERENCE,
        address: { addressLines: [STREET], town: 'Llanberis', postcode: 'LL55 4UR', country: 'GB' },
      },
      installation: { commissioningDate: '2026-10-01' },
    });
    // Never the occupant.
    expect(response.body).not.toContain('Olive');
    const window = { from: body.from, to: body.to };
    const performance = await call(
      t.app,
      'GET',
      `/homes/${homeId}/performance?${new URLSearchParams({ ...window, period: 'week' })}`,
      tenant.admin.token,
    );
    expect(body.performance).toEqual(performance.json());
    const insight = await call(
      t.app,
      'GET',
      `/homes/${homeId}/insight?${new URLSearchParams({ ...window, period: 'all' })}`,
      tenant.admin.token,
    );
    expect(body.insight).toEqual(insight.json());
    // Real figures: a month of heating with every figure stated.
    expect(body.performance.window.spf).toBeGreaterThan(2);
    expect(body.performance.periods.length).toBe(5); // ISO weeks touching October 2026 (from Thursday 1st)
    expect(body.insight.window.cost.total).toBeGreaterThan(0);
    expect(body.insight.window.degreeDays.value).toBeGreaterThan(0);

    // The heat meter's two missing days: one 48-hour gap; the other meters are complete.
    const heatMeter = body.dataQuality.meters.find((m: { serial: string }) => m.serial === heatMeterSerial);
    expect(heatMeter).toMatchObject({
      hours: 745,
      hoursWithData: 745 - 48,
      percent: Math.round((1000 * (745 - 48)) / 745) / 10,
      gapCount: 1,
      gapHours: 48,
      minGapHours: 1,
      gaps: [{ from: iso(GAP_FROM), to: iso(GAP_TO), hours: 48 }],
    });
    for (const m of body.dataQuality.meters.filter((m: { serial: string }) => m.serial !== heatMeterSerial))
      expect(m, m.serial).toMatchObject({ hours: 745, hoursWithData: 745, gapCount: 0, gaps: [] });
  });

  it('prints the same figures as a self-contained A4 HTML page, escaping every user-provided string', async () => {
    const json = (await report({ month: '2026-10' })).json();
    const response = await report({ month: '2026-10' }, 'text/html');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(response.headers.vary).toMatch(/Accept/);
    const page = response.body;
    // Self-contained and printable: no scripts, no external assets.
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('@media print');
    expect(page).toContain('size: A4');
    expect(page).not.toMatch(/<script|<link|<img|src=|https?:\/\//i);
    // The reference and address as text, never markup; and never the occupant.
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(page).toContain('1 &lt;b&gt;Bold&lt;/b&gt; Street');
    expect(page).not.toContain('<b>Bold');
    expect(page).not.toContain('Olive');
    expect(page).toContain('October 2026');

    // The figures the JSON gives, as the JSON gives them.
    const w = json.performance.window;
    const i = json.insight.window;
    const figures = [
      w.spf,
      w.heatKwh,
      w.electricityKwh,
      w.coverage.percent,
      w.carnotPercent,
      w.flowTemperatureWeightedC,
      w.startsPerHour,
      w.starts,
      w.design.spfRatio,
      i.electricityKwh,
      i.cost.total,
      i.carbonKg,
      i.degreeDays.value,
      json.insight.periods[0].expectedKwh,
      // A week's COP is refused where its coverage is low (the heat meter's gap): stated by its reason.
      ...json.performance.periods.flatMap(
        (p: { heatKwh: number; electricityKwh: number; cop: number | null }) =>
          p.cop === null ? [p.heatKwh, p.electricityKwh] : [p.heatKwh, p.electricityKwh, p.cop],
      ),
      ...json.dataQuality.meters.map((m: { percent: number }) => m.percent),
    ];
    figures.forEach((value, k) => {
      expect(value, `figure ${k}`).not.toBeNull();
      expect(page, `figure ${k}`).toContain(String(value));
    });
    expect(page).toContain(json.performance.boundary.level);
    expect(json.performance.periods[1].quality.reasons[0].code).toBe('low_coverage');
    expect(page).toContain('low_coverage');
    for (const m of json.dataQuality.meters) expect(page).toContain(m.serial);
    expect(page).toContain('<td>1 Oct 2026</td><td>5 Oct 2026</td>'); // weeks in local dates
    expect(page).toContain('10 Oct 2026 01:00 to 12 Oct 2026 01:00 (48 h)'); // the gap, BST
    expect(page).toContain('docs/performance.md');
    // Where the degree days came from (this home has an outdoor sensor).
    expect(json.insight.degreeDaysSource).toBe('outdoor_sensor');
    expect(page).toContain("days measured; from the home's outdoor sensor");
    // The page was asked for after the JSON: its own generation time, in the same form.
    const generated = /Generated (\S+) \(/.exec(page)?.[1] ?? '';
    expect(generated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(generated)).toBeGreaterThanOrEqual(Date.parse(json.generatedAt));
  });

  it('answers JSON without Accept, for */* and when JSON is preferred; 406 for a type it cannot give', async () => {
    for (const accept of [
      undefined,
      '*/*',
      'application/*',
      'text/html;q=0.5, application/json',
      'application/json',
    ])
      expect((await report({ month: '2026-10' }, accept)).headers['content-type'], accept).toMatch(
        /^application\/json/,
      );
    for (const accept of ['text/*', 'text/html, application/json;q=0.9', 'application/xhtml+xml, text/html'])
      expect((await report({ month: '2026-10' }, accept)).headers['content-type'], accept).toMatch(
        /^text\/html/,
      );
    const refused = expectProblem(
      await report({ month: '2026-10' }, 'application/pdf'),
      406,
      'not_acceptable',
    );
    expect(refused.detail).toMatch(/application\/json or text\/html/);
  });

  it('defaults to the current local month, to date', async () => {
    const body = (await report({})).json();
    expect(body.month).toBe(DateTime.now().setZone('Europe/London').toFormat('yyyy-MM'));
    expect(body.complete).toBe(false);
    expect(Date.parse(body.generatedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses a malformed month, a month not begun and one before the home was monitored, naming month', async () => {
    for (const month of ['2026-13', '26-10', '2026-1', 'october']) {
      const problem = expectProblem(await report({ month }), 400, 'validation_failed');
      expect((problem.errors as { field: string }[])[0]?.field, month).toBe('/query/month');
    }
    const future = expectProblem(await report({ month: '2099-01' }), 400, 'validation_failed');
    expect(future.errors).toEqual([{ field: '/query/month', message: 'is in the future' }]);
    const before = expectProblem(await report({ month: '2026-09' }), 400, 'validation_failed');
    expect(before.errors).toEqual([{ field: '/query/month', message: 'is before the home was monitored' }]);
    expect(before.detail).toMatch(/2026-10-01/);
    expectProblem(await report({ month: '2026-10', period: 'month' }), 400, 'validation_failed');
  });

  it('is 404 for a home of another agent', async () => {
    const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
    const other = await createTenant(t.app, operator, 'Reports other');
    const response = await call(
      t.app,
      'GET',
      `/homes/${homeId}/reports/monthly?month=2026-10`,
      other.admin.token,
    );
    expectProblem(response, 404, 'not_found');
  });
});
