/**
 * `npm run bench:console`: what the web console costs a user (issue #15), on this machine, with the
 * server and the browser on it together.
 *
 * In one process: `buildApp` on a fresh SQLite data folder, listening on loopback with the built
 * console; an agent and its admin (the test helpers' createTenant); `--homes` homes ordered through
 * the API, each with a heat meter and an electricity meter and `--days` days of daily register
 * readings (so the fleet has an SPF per home); and one more home, YEAR-001, with a year of one-minute
 * readings of its eight channels (heat and electricity registers and power, flow, return, flow rate,
 * outdoor temperature: 4.2 million readings) pushed through `POST /telemetry`.
 *
 * Then Debian's Chromium (playwright-core) logs in through the console and, `--runs` times each:
 * - navigates to /homes and waits until the fleet table shows its first page of homes;
 * - navigates to /homes/YEAR-001?range=1y and waits until both charts (temperatures, power) are
 *   drawn from the server-reduced year; then again until every section is shown too (the year's
 *   SPF and COP per week, energy per month).
 * Each run is a full page load (the SPA boots, resumes its session from the cookie, asks the API):
 * the time a person waits after following a link. It reports p50 and worst, the bytes transferred
 * (bodies as sent, compressed or not), and the JavaScript shipped for the first view (gzip -9 of
 * the entry script and what it imports before the first render).
 *
 * Options: --homes 10000, --days 30, --runs 5, --year-days 365, --requests (list the year home
 * page's requests of its last load: when each started and ended, and its size).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startServer } from '../../packages/client/test/support.js';
import { login, OPERATOR } from '../../packages/server/test/harness/app.js';
import { createTenant } from '../../packages/server/test/harness/tenants.js';
import { buildConsole, DIST_DIR, launch } from '../../packages/web/test/support/browser.js';
import { CHANNEL_KEYS, DAY, HomeStream, MINUTE, pushBody } from './data.js';
import { machineInfo } from './machine.js';
import { seedDailyFleet } from './seed-fleet.js';

const API = '/api/v/1';
const BATCH = 10_000;
const { values: args } = parseArgs({
  options: {
    homes: { type: 'string', default: '10000' },
    days: { type: 'string', default: '30' },
    runs: { type: 'string', default: '5' },
    'year-days': { type: 'string', default: '365' },
    requests: { type: 'boolean', default: false },
  },
});
const HOMES = Number(args.homes);
const DAYS = Number(args.days);
const RUNS = Number(args.runs);
const YEAR_DAYS = Number(args['year-days']);
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

buildConsole();
// Fault evaluation is held back: the seeding's year of history would otherwise be judged during the
// measurements (a one-off after a backfill), and what is measured is what a person waits for.
const server = await startServer({
  HEARTH_CONSOLE_DIR: DIST_DIR,
  HEARTH_RATE_LIMIT: '0',
  HEARTH_FAULTS_STREAM_DELAY_SECONDS: '3600',
});
const { app } = server.test;
try {
  const operator = (await login(app, OPERATOR.username, OPERATOR.password)).access_token;
  const tenant = await createTenant(app, operator, 'Console bench');
  const auth = { authorization: `Bearer ${tenant.admin.token}` };
  const inject = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const response = await app.inject({
      method,
      url: `${API}${url}`,
      headers: { ...auth, ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}) },
      ...(payload !== undefined ? { payload: payload as string } : {}),
    });
    if (response.statusCode >= 300)
      throw new Error(`${method} ${url}: ${response.statusCode} ${response.body.slice(0, 300)}`);
    return response.json();
  };
  const order = async (reference: string, document: object) => {
    const draft = await inject('POST', '/orders', document);
    const submitted = await inject('POST', `/orders/${draft.id}/submission`);
    const meters = await inject('GET', `/homes/${submitted.homeId}/meters`);
    const byKey = new Map<string, string>();
    for (const m of meters.items) for (const c of m.channels) byKey.set(`${m.kind}/${c.key}`, c.id);
    return { homeId: submitted.homeId as string, byKey, reference };
  };

  // The fleet: homes with daily register readings, SPF 2.5–3.5 by home.
  const seeded = await seedDailyFleet(app, tenant.admin.token, { homes: HOMES, days: DAYS, prefix: 'CB' });
  console.log(
    `${HOMES} homes in ${seeded.homesSeconds} s, ${seeded.readings} daily readings in ${seeded.pushSeconds} s`,
  );

  // One home with a year of one-minute readings of eight channels.
  const yearStart = Math.floor((Date.now() - YEAR_DAYS * DAY) / MINUTE) * MINUTE;
  const year = await order('YEAR-001', {
    reference: 'YEAR-001',
    property: { addressLines: ['1 Year Street'], town: 'Llanberis', postcode: 'LL55 4UR', country: 'GB' },
    installation: {
      technology: 'air_source_heat_pump',
      manufacturer: 'Vaillant',
      model: 'aroTHERM plus 7kW',
      ratedCapacityKw: 7,
      commissioningDate: new Date(yearStart - DAY).toISOString().slice(0, 10),
      designFlowTemperatureC: 45,
      designSpf: 3.5,
      designHeatLossW: 5200,
    },
    meters: [
      { serial: 'HM-YEAR', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 60 } },
      {
        serial: 'EM-YEAR',
        kind: 'electricity_meter',
        measures: 'heat_pump',
        reading: { method: 'push', intervalSeconds: 60 },
      },
      {
        serial: 'TS-YEAR',
        kind: 'temperature_sensor',
        location: 'outdoor',
        reading: { method: 'push', intervalSeconds: 60 },
      },
    ],
    services: { amr: { intervalSeconds: 60 }, insight: {}, performance: {} },
  });
  const byKey = new Map([...year.byKey].map(([k, v]) => [k.split('/')[1] as string, v]));
  const channelIds = CHANNEL_KEYS.map((k) => byKey.get(k) as string);
  const stream = new HomeStream(1, yearStart);
  const yearStarted = performance.now();
  const minutes = Math.floor((Date.now() - MINUTE - yearStart) / MINUTE);
  const perBody = BATCH / CHANNEL_KEYS.length;
  for (let done = 0; done < minutes; done += perBody) {
    const answer = await inject(
      'POST',
      '/telemetry',
      pushBody(stream, channelIds, Math.min(perBody, minutes - done)),
    );
    if (answer.refused.length > 0) throw new Error(`refused: ${JSON.stringify(answer.refused[0])}`);
  }
  console.log(
    `YEAR-001: ${(minutes * CHANNEL_KEYS.length).toLocaleString()} readings in ${seconds(yearStarted)} s`,
  );

  // JavaScript for the first view: the entry script and the chunks it preloads, gzip -9.
  const html = readFileSync(path.join(DIST_DIR, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
  const jsGzip = scripts.reduce(
    (n, s) => n + gzipSync(readFileSync(path.join(DIST_DIR, s)), { level: 9 }).length,
    0,
  );
  const jsRaw = scripts.reduce((n, s) => n + readFileSync(path.join(DIST_DIR, s)).length, 0);

  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/homes`);
  await page.getByLabel('Username').fill(tenant.admin.username);
  await page.getByLabel('Password').fill(tenant.admin.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('tbody tr').first().waitFor({ timeout: 60_000 });

  let bytes = 0;
  // The last run's requests: when each started and ended after the navigation, and its size.
  let requests: string[] = [];
  page.on('requestfinished', async (request) => {
    const sizes = await request.sizes().catch(() => undefined);
    if (sizes) bytes += sizes.responseBodySize + sizes.responseHeadersSize;
    const t = request.timing();
    const path = request
      .url()
      .replace(server.url, '')
      .replace(/[0-9a-f-]{36}/g, '{id}');
    requests.push(
      `${Math.round(t.startTime - navigationStart)}–${Math.round(t.startTime + t.responseEnd - navigationStart)} ms ${sizes?.responseBodySize ?? '?'} B ${path.slice(0, 110)}`,
    );
  });
  let navigationStart = 0;
  const measure = async (url: string, ready: () => Promise<unknown>) => {
    const times: number[] = [];
    const transferred: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      await page.goto('about:blank');
      bytes = 0;
      requests = [];
      navigationStart = Date.now();
      const t0 = performance.now();
      await page.goto(url);
      await ready();
      const elapsed = performance.now() - t0;
      await page.waitForTimeout(300);
      // The first run warms the server's caches and the browser's: it is not counted.
      if (run > 0) {
        times.push(elapsed);
        transferred.push(bytes);
      }
    }
    return { p50: median(times), worst: Math.max(...times), bytes: median(transferred), requests };
  };
  const rowsShown = (n: number) =>
    (globalThis as unknown as { document: PageDocument }).document.querySelectorAll('tbody tr').length >= n;
  const fleet = await measure(`${server.url}/homes`, () =>
    page.waitForFunction(rowsShown, 50, { polling: 'raf', timeout: 60_000 }),
  );

  const yearUrl = `${server.url}/homes/YEAR-001?range=1y`;
  // Polled at every animation frame: a locator's waitFor polls ever more slowly (up to a second
  // apart), which would count its own polling as the page's time.
  // Runs in the page (through the DevTools protocol: the page's CSP allows no eval).
  interface PageDocument {
    querySelectorAll(
      selector: string,
    ): ArrayLike<{ textContent: string | null; querySelector(s: string): unknown }>;
  }
  const hasCanvases = (titles: string[]) => {
    const doc = (globalThis as unknown as { document: PageDocument }).document;
    const figures = Array.from(doc.querySelectorAll('figure'));
    return titles.every((t) => figures.some((f) => f.textContent?.includes(t) && f.querySelector('canvas')));
  };
  const canvasesIn = (titles: string[]) =>
    page.waitForFunction(hasCanvases, titles, { polling: 'raf', timeout: 60_000 });
  const charts = () => canvasesIn(['Temperatures (°C)', 'Heat output and electrical input (kW)']);
  const home = await measure(yearUrl, charts);
  // Everything on the page: the year's efficiency (SPF, COP per week) and monthly energy too.
  const whole = await measure(yearUrl, () =>
    canvasesIn([
      'Temperatures (°C)',
      'Heat output and electrical input (kW)',
      'COP per week',
      'Energy per month',
    ]),
  );
  if (args.requests) {
    console.log(
      '\nthe last load of the year home page, its requests (start–end after navigation, body bytes):',
    );
    for (const line of home.requests.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10)))
      console.log(`  ${line}`);
  }
  await browser.close();

  const machine = machineInfo(server.test.config.dataDir);
  const ms = (x: number) => `${Math.round(x)} ms`;
  const kb = (x: number) => `${(x / 1024).toFixed(0)} KB`;
  console.log(`\nmachine: ${JSON.stringify(machine)}`);
  console.log(
    `JavaScript for the first view: ${kb(jsGzip)} gzipped (${kb(jsRaw)} raw) in ${scripts.length} file(s)`,
  );
  console.log('| page | p50 | worst | transferred |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| fleet, ${HOMES.toLocaleString()} homes, first page of 50 | ${ms(fleet.p50)} | ${ms(fleet.worst)} | ${kb(fleet.bytes)} |`,
  );
  console.log(
    `| home, a year of one-minute data charted | ${ms(home.p50)} | ${ms(home.worst)} | ${kb(home.bytes)} |`,
  );
  console.log(
    `| home, the same year with every section shown | ${ms(whole.p50)} | ${ms(whole.worst)} | ${kb(whole.bytes)} |`,
  );
} finally {
  await server.close();
}
