import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);
export const WEB_DIR = path.resolve(import.meta.dirname, '../..');
export const DIST_DIR = path.join(WEB_DIR, 'dist');
export const SCREENSHOT_DIR = path.join(WEB_DIR, 'test-results', 'screenshots');

/** Debian's Chromium (installed by .ci/run with apt): Playwright's own downloads are unreachable here. */
export const CHROMIUM = process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium';
/** Without Chromium the browser tests are skipped on a developer's machine, never in CI. */
export const haveChromium = existsSync(CHROMIUM) || process.env.CI === 'true';

/** Builds the console from its sources, so the tests check what the code says now. */
export function buildConsole(): void {
  execFileSync(
    process.execPath,
    [
      path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'),
      'build',
      WEB_DIR,
      '--logLevel',
      'error',
    ],
    {
      stdio: 'inherit',
    },
  );
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The closed network here refuses Chromium's background connections; root needs --no-sandbox.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * A browser context at desktop size that fails the test on any Content-Security-Policy violation
 * or uncaught page error: the console must run under its strict CSP.
 */
export async function newContext(
  browser: Browser,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, locale: 'en-GB' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) errors.push(`CSP: ${text}`);
  });
  return { context, page, errors };
}

/** A screenshot at desktop and at phone width (390 px), as artifacts under packages/web/test-results. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(250);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-phone.png`), fullPage: true });
  // Nothing may stick out sideways at phone width but the tables' own scroll regions.
  const overflow = (await page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  )) as number;
  expect(overflow, `${name}: the page scrolls sideways at 390 px`).toBeLessThanOrEqual(1);
  await page.setViewportSize(before);
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core over the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, view: string): Promise<void> {
  // evaluate() runs through the DevTools protocol, so the page's CSP (no inline script) stays on.
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations)",
  )) as AxeViolation[];
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')})`,
    );
  expect(serious, `accessibility of ${view}`).toEqual([]);
}
