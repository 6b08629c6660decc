import { HearthClient } from '@hearth/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startServer } from '../../client/test/support.js';
import { createTenant, dialect, login, OPERATOR, type Tenant } from '../../server/test/harness/index.js';
import { timeout } from '../../server/test/harness/timeouts.js';
import {
  demoFleet,
  feed,
  gatewayClient,
  gatewayCredentials,
  httpSink,
  provisionHome,
  runDemo,
  simulateHome,
} from '../../simulator/src/index.js';
import {
  buildConsole,
  DIST_DIR,
  expectAccessible,
  haveChromium,
  launch,
  newContext,
  screenshots,
} from './support/browser.js';

// The console's server side runs on both engines in the server suite; the browser tests drive the
// same API, so they run once, on SQLite, to keep CI short.
const run = haveChromium && dialect === 'sqlite' ? describe : describe.skip;

const ACCESS_TOKEN_TTL = 8;
const DAY = 86_400_000;
const HOMES = 7;
let server: LiveServer;
let browser: Browser;
let tenant: Tenant;
let admin: HearthClient;
let otherHomeId: string;
let viewer: { username: string; password: string };

async function logIn(page: Page, who: { username: string; password: string }): Promise<void> {
  await page.goto(`${server.url}/homes`);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** A page at rest asks the server nothing: no reload loop behind the screen. */
async function expectQuiet(page: Page): Promise<void> {
  await page.waitForTimeout(500);
  const before = server.requests.length;
  await page.waitForTimeout(1500);
  expect(server.seenSince(before).filter((r) => r.includes('/api/'))).toEqual([]);
}

/** Rows of a table's body (the header row left out). */
const bodyRows = (page: Page, table: string) => page.getByRole('region', { name: table }).locator('tbody tr');

run('the web console in a real browser', () => {
  beforeAll(async () => {
    buildConsole();
    server = await startServer({
      HEARTH_CONSOLE_DIR: DIST_DIR,
      HEARTH_ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL),
      HEARTH_RATE_LIMIT: '0',
    });
    const operator = (await login(server.test.app, OPERATOR.username, OPERATOR.password)).access_token;
    tenant = await createTenant(server.test.app, operator, 'Console Homes');
    // Tokens last 8 s here: everything that uses the operator's or the admin's token comes first.
    const user = await tenant.addUser('viewer');
    viewer = { username: user.username, password: user.password };

    const operatorAgain = (await login(server.test.app, OPERATOR.username, OPERATOR.password)).access_token;
    const other = await createTenant(server.test.app, operatorAgain, 'Someone Else');
    const theirs = runDemo({
      baseUrl: server.url,
      username: other.admin.username,
      password: other.admin.password,
      homes: 1,
      days: 1,
      prefix: 'OTHER',
      live: false,
    });
    otherHomeId = (await theirs.ready).homes[0]?.homeId as string;
    await theirs.stop();
    const { username, password } = tenant.admin;
    // Six simulated homes with three days of one-minute history, ordered and fed through the API.
    const demo = runDemo({
      baseUrl: server.url,
      username,
      password,
      homes: 6,
      days: 3,
      prefix: 'WEB',
      live: false,
    });
    const summary = await demo.ready;
    await demo.stop();
    admin = new HearthClient({ baseUrl: server.url });
    await admin.login({ username, password });
    // A seventh home whose gateway fell silent half a day ago: a communication alarm, for certain.
    const start = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
    const spec = demoFleet({ start, homes: 7, prefix: 'WEB', faults: false })[6];
    if (!spec) throw new Error('no seventh home');
    const silent = {
      ...spec,
      faults: [{ kind: 'communication_loss' as const, start: Date.now() - DAY / 2, durationMs: 365 * DAY }],
    };
    const home = await provisionHome(admin, silent, {
      commissioningDate: new Date(start).toISOString().slice(0, 10),
      delivery: 'push',
    });
    const sink = httpSink(await gatewayClient(server.url, await gatewayCredentials(admin, home.homeId)));
    await feed(simulateHome(silent, { start: home.start }), home.channels, sink, Date.now());
    await sink.close();
    for (const h of [...summary.homes, home]) await admin.alarms.evaluate(h.homeId);
    browser = await launch();
  }, timeout(240_000));

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'logs in with the password grant, lists the fleet, and a reload keeps the session without storing a token',
    async () => {
      const { context, page, errors } = await newContext(browser);
      await page.goto(`${server.url}/`);
      await expect.poll(() => page.getByRole('button', { name: 'Log in' }).isVisible()).toBe(true);
      await expectAccessible(page, 'login');
      await screenshots(page, 'login');

      // A wrong password: the server's words, and the username stays typed in.
      await page.getByLabel('Username').fill(tenant.admin.username);
      await page.getByLabel('Password').fill('not the password at all');
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toContain('The username or password is wrong');
      expect(await page.getByLabel('Username').inputValue()).toBe(tenant.admin.username);

      await page.getByLabel('Password').fill(tenant.admin.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const name of ['Homes', 'Alarms', 'Portfolio']) await nav.getByRole('link', { name }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/homes');
      await expect.poll(() => bodyRows(page, 'Homes').count()).toBe(HOMES);
      await expect.poll(() => bodyRows(page, 'Homes').first().textContent()).toContain('WEB-001');
      await expectAccessible(page, 'fleet');
      await screenshots(page, 'fleet');

      // Nothing a script could steal: no token in web storage, the refresh cookie is HttpOnly.
      const stored = await page.evaluate(
        '({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })',
      );
      expect(stored).toEqual({ local: 0, session: 0, cookie: '' });
      const cookies = await context.cookies();
      const refresh = cookies.find((c) => c.name === 'hearth_console_refresh');
      expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/oauth' });

      await page.reload();
      await expect.poll(() => bodyRows(page, 'Homes').count()).toBe(HOMES);
      expect(await page.getByLabel('Password').count()).toBe(0);
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(90_000),
  );

  it(
    'searches and filters the fleet on the server, and sorts by a column',
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, tenant.admin);
      await page.getByLabel('Search', { exact: true }).fill('WEB-002');
      await page.getByLabel('Search', { exact: true }).press('Enter');
      await expect.poll(() => bodyRows(page, 'Homes').count()).toBe(1);
      expect(await bodyRows(page, 'Homes').first().textContent()).toContain('WEB-002');
      expect(new URL(page.url()).searchParams.get('q')).toBe('WEB-002');

      // Homes with an active alarm: the same homes the API names for that filter.
      await page.goto(`${server.url}/homes?alarms=yes`);
      const expected = await admin.fleet.page({ hasActiveAlarms: true, limit: 50 });
      await expect.poll(() => bodyRows(page, 'Homes').count()).toBe(expected.items.length);
      expect(await page.getByLabel('With active alarms').isChecked()).toBe(true);

      await page.goto(`${server.url}/homes`);
      await page.getByLabel('Technology').selectOption('ground_source_heat_pump');
      const ground = await admin.fleet.page({ technology: 'ground_source_heat_pump', limit: 50 });
      await expect.poll(() => bodyRows(page, 'Homes').count()).toBe(ground.items.length);

      await page.goto(`${server.url}/homes`);
      await page.getByRole('button', { name: 'SPF, 30 days' }).click();
      await expect
        .poll(() => page.getByRole('columnheader', { name: 'SPF, 30 days' }).getAttribute('aria-sort'))
        .toBe('ascending');
      const sorted = await admin.fleet.page({ sort: 'spf', limit: 50 });
      await expect
        .poll(() => bodyRows(page, 'Homes').first().textContent())
        .toContain(sorted.items[0]?.reference as string);
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    "a home's charts render a day and a year from server-reduced series, with a table as their text alternative",
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, tenant.admin);
      await page.getByRole('link', { name: 'WEB-001' }).click();
      await page.getByRole('heading', { name: 'WEB-001', level: 1 }).waitFor();
      const temperatures = page.getByRole('figure').filter({ hasText: 'Temperatures (°C)' });
      await temperatures.locator('canvas').first().waitFor();
      const label = await temperatures.locator('canvas').first().getAttribute('aria-label');
      expect(label).toMatch(/Flow from \d+(\.\d)? °C to \d+(\.\d)? °C/);
      await temperatures.getByRole('button', { name: 'Show as table' }).click();
      expect(await temperatures.locator('tbody tr').count()).toBeGreaterThan(100);
      await temperatures.getByRole('button', { name: 'Show chart' }).click();

      const before = server.requests.length;
      await page.getByRole('button', { name: 'Year' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe('1y');
      await temperatures.locator('canvas').first().waitFor();
      const asked = server.seenSince(before).filter((r) => r.includes('/telemetry?'));
      expect(asked.some((r) => r.includes('points=800') && r.endsWith(' 200'))).toBe(true);
      await page.getByRole('heading', { name: 'Efficiency' }).waitFor();
      await page.getByRole('heading', { name: 'Energy, cost and carbon by month' }).waitFor();
      await expectQuiet(page);
      await expectAccessible(page, 'home');
      await screenshots(page, 'home');
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    'acknowledges and clears an alarm from the inbox, and the API shows both',
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, tenant.admin);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarms' }).click();
      const active = await admin.alarms.listPage({ state: 'active', limit: 100 });
      expect(active.items.length).toBeGreaterThan(0);
      await expect.poll(() => bodyRows(page, 'Alarms').count()).toBe(active.items.length);
      await expectAccessible(page, 'alarms');
      await screenshots(page, 'alarms');

      const first = bodyRows(page, 'Alarms').first();
      const reference = (await first.getByRole('link').textContent()) as string;
      const alarm = active.items.find((a) => a.homeReference === reference) ?? active.items[0];
      await first.getByRole('button', { name: 'Acknowledge' }).click();
      await first.getByLabel(/Note/).fill('engineer booked for Tuesday');
      await first.getByRole('button', { name: 'Confirm acknowledge' }).click();
      await expect.poll(() => first.textContent()).toContain('Acknowledged');
      const acknowledged = await admin.alarms.get(alarm?.id as string);
      expect(acknowledged.alarm).toMatchObject({ acknowledged: true, note: 'engineer booked for Tuesday' });

      await first.getByRole('button', { name: 'Clear' }).click();
      await first.getByLabel(/Note/).fill('fixed on site');
      await first.getByRole('button', { name: 'Confirm clear' }).click();
      await expect.poll(() => bodyRows(page, 'Alarms').count()).toBe(active.items.length - 1);
      const cleared = await admin.alarms.get(alarm?.id as string);
      expect(cleared.alarm).toMatchObject({ state: 'cleared', note: 'fixed on site' });
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    'renders the portfolio with its quartiles, distribution chart and CSV download',
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, tenant.admin);
      await page.getByRole('link', { name: 'Portfolio' }).click();
      await page.getByRole('heading', { name: 'Performance league table' }).waitFor();
      // The homes have three days of data: a week's window with SPFs from 40 % coverage.
      await page.getByLabel('Window').selectOption('7d');
      await page.getByLabel('SPF needs data for').selectOption('25');
      expect(new URL(page.url()).search).toBe('?window=7d&coverage=25');
      const table = await admin.portfolio.performance({
        from: new Date(Date.now() - 7 * DAY).toISOString(),
        minCoverage: 25,
        limit: 1000,
      });
      expect(table.items.filter((r) => r.spf !== null).length).toBeGreaterThan(3);
      await expect.poll(() => bodyRows(page, 'Performance league table').count()).toBe(table.items.length);
      await page
        .getByRole('figure')
        .filter({ hasText: 'How many homes reach each SPF' })
        .locator('canvas')
        .waitFor();
      await page
        .getByRole('figure')
        .filter({ hasText: 'SPF against flow temperature' })
        .locator('canvas')
        .waitFor();
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download performance CSV' }).click();
      const file = await (await download).createReadStream();
      let text = '';
      for await (const chunk of file) text += chunk;
      expect(text.split('\r\n')[0]).toContain('reference');
      expect(text).toContain('WEB-001');
      await expectQuiet(page);
      await expectAccessible(page, 'portfolio');
      await screenshots(page, 'portfolio');
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    "shows a home's monthly report and prints it",
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, tenant.admin);
      await page.goto(`${server.url}/homes/WEB-001`);
      await page.getByRole('link', { name: 'Monthly report' }).click();
      await page.getByRole('heading', { name: /Monthly report: WEB-001/ }).waitFor();
      await page.getByRole('heading', { name: 'Data quality' }).waitFor();
      const report = await admin.reports.monthly(
        (await admin.homes.listPage({ q: 'WEB-001' })).items[0]?.id as string,
        new Date().toISOString().slice(0, 7),
        { period: 'day' },
      );
      const spf = report.performance.window.spf;
      // As the console writes figures: up to two decimals, no trailing zeros (3.1, not 3.10).
      const shown = spf?.toLocaleString('en-GB', { maximumFractionDigits: 2 });
      if (shown !== undefined)
        expect(await page.getByRole('main').textContent()).toContain(`SPF)${shown}design`);
      await expectAccessible(page, 'report');
      await screenshots(page, 'report');
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    'refreshes an expired access token silently',
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, tenant.admin);
      await expect.poll(() => bodyRows(page, 'Homes').count()).toBe(HOMES);
      await page.waitForTimeout((ACCESS_TOKEN_TTL + 1) * 1000);
      const before = server.requests.length;
      await page.getByRole('link', { name: 'Portfolio' }).click();
      await page.getByRole('heading', { name: 'Performance league table' }).waitFor();
      expect(server.seenSince(before)).toContain('POST /oauth/token 200');
      expect(await page.getByLabel('Password').count()).toBe(0);
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    "shows 'not found' for another agent's home and for an unknown reference",
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, tenant.admin);
      await page.goto(`${server.url}/homes/${otherHomeId}`);
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
      expect(await page.getByRole('main').textContent()).not.toContain('OTHER-001');
      await page.goto(`${server.url}/homes/OTHER-001`);
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
      await expectAccessible(page, 'not found');
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    'a viewer sees the alarms but no acknowledge or clear control',
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, viewer);
      await page.goto(`${server.url}/alarms?state=all`);
      await expect.poll(() => bodyRows(page, 'Alarms').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Clear' }).count()).toBe(0);
      expect(await page.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    'logout ends the session on the server: a reload shows the login form',
    async () => {
      const { context, page, errors } = await newContext(browser);
      await logIn(page, tenant.admin);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain('You have logged out');
      expect((await context.cookies()).find((c) => c.name === 'hearth_console_refresh')).toBeUndefined();
      await page.reload();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      expect(errors).toEqual([]);
      await context.close();
    },
    timeout(60_000),
  );

  it(
    'a retired API version shows the user an upgrade message',
    async () => {
      const retired = await startServer({
        HEARTH_CONSOLE_DIR: DIST_DIR,
        HEARTH_API_VERSIONS: '1=retired,2=current',
      });
      try {
        const { context, page } = await newContext(browser);
        await page.goto(`${retired.url}/homes`);
        await page.getByLabel('Username').fill(OPERATOR.username);
        await page.getByLabel('Password').fill(OPERATOR.password);
        await page.getByRole('button', { name: 'Log in' }).click();
        const alert = page.getByRole('alert');
        await expect.poll(() => alert.textContent()).toContain('This console needs an upgrade');
        expect(await alert.getByRole('button', { name: 'Reload the console' }).count()).toBe(1);
        await screenshots(page, 'upgrade');
        await context.close();
      } finally {
        await retired.close();
      }
    },
    timeout(60_000),
  );
});
