import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { CONSOLE_PAGES, CONSOLE_ROUTES } from '../../src/console/routes.js';
import { startTestApp, type TestApp } from '../harness/index.js';

/**
 * The built web console, served by the server itself at / over real HTTP: the client-side routes
 * answer index.html, hashed assets are cached for good, and every console answer carries the
 * headers that keep its pages from loading anything foreign or being framed.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head></html>';
const SCRIPT = 'console.log("hearth console");';
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg"/>';

async function listening(overrides: Record<string, string>): Promise<{ t: TestApp; base: string }> {
  const t = await startTestApp(overrides);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return { t, base: `http://127.0.0.1:${port}` };
}

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toBe(CSP);
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('the console, built', () => {
  let dist: string;
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    dist = mkdtempSync(path.join(tmpdir(), 'hearth-console-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), INDEX);
    writeFileSync(path.join(dist, 'assets', 'app-abc123.js'), SCRIPT);
    writeFileSync(path.join(dist, 'favicon.svg'), FAVICON);
    ({ t, base } = await listening({ HEARTH_CONSOLE_DIR: dist }));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('answers / and every client-side route with index.html, revalidated on each load', async () => {
    const paths = [
      '/',
      '/login',
      '/homes',
      '/homes/0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee/charts',
      '/alarms',
      '/alarms/42',
      '/portfolio',
      '/portfolio/insight',
      '/account',
      '/forgot-password',
      '/settings',
      '/settings/tariffs',
      '/people',
      '/people/7',
      '/orders',
      '/orders/new',
      '/agents',
      '/agents/9',
      '/regions',
    ];
    expect(paths.length + Object.keys(CONSOLE_PAGES).length).toBeGreaterThanOrEqual(CONSOLE_ROUTES.length);
    for (const route of paths) {
      const response = await fetch(`${base}${route}`);
      expect(response.status, route).toBe(200);
      expect(response.headers.get('content-type'), route).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control'), route).toBe('no-cache');
      expectSecurityHeaders(response);
      expect(await response.text(), route).toBe(INDEX);
    }
  });

  it('serves the pages emails link to with a no-JavaScript link to the plain form, token re-encoded', async () => {
    for (const [page, plain] of [
      [CONSOLE_PAGES.acceptInvitation, '/invitations/accept'],
      [CONSOLE_PAGES.resetPassword, '/password-resets/confirm'],
    ] as const) {
      const response = await fetch(`${base}${page}?token=${encodeURIComponent('ab"><script>x')}&other=1`);
      expect(response.status, page).toBe(200);
      // The token is in the URL: the page is never stored.
      expect(response.headers.get('cache-control'), page).toBe('no-store');
      expectSecurityHeaders(response);
      const html = await response.text();
      expect(html.startsWith(INDEX), page).toBe(true);
      expect(html).toContain(
        `<noscript><p>Without JavaScript, <a href="${plain}?token=ab%22%3E%3Cscript%3Ex">`,
      );
      expect(html).not.toContain('other=1');
    }
  });

  it('serves a revalidation of index.html as 304', async () => {
    const first = await fetch(`${base}/`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${base}/homes`, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
  });

  it('serves hashed assets for a year, immutable, with the security headers', async () => {
    const response = await fetch(`${base}/assets/app-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(response);
    expect(await response.text()).toBe(SCRIPT);
  });

  it('answers a missing asset 404, never index.html', async () => {
    for (const missing of ['/assets/missing.js', '/assets/../index.html', '/assets/app-abc123.js.map']) {
      const response = await fetch(`${base}${missing}`);
      expect(response.status, missing).toBe(404);
      expect(response.headers.get('content-type'), missing).toMatch(/^application\/problem\+json/);
      expect(await response.text(), missing).not.toContain('<!doctype html>');
    }
    // The folder itself is no file either: refused, not listed, not the app.
    const folder = await fetch(`${base}/assets/`);
    expect(folder.status).toBe(403);
    expect(folder.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('serves the favicon from the build', async () => {
    const response = await fetch(`${base}/favicon.svg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expectSecurityHeaders(response);
    expect(await response.text()).toBe(FAVICON);
  });

  it('leaves the API, its errors, the docs, health and the invitation page as they were', async () => {
    const unknown = await fetch(`${base}/api/v/1/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unknown.headers.get('content-security-policy')).toBeNull();
    expect(((await unknown.json()) as { code: string }).code).toBe('route_not_found');

    const elsewhere = await fetch(`${base}/nowhere`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const health = await fetch(`${base}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('content-security-policy')).toBeNull();

    const errors = await fetch(`${base}/errors`);
    expect(errors.status).toBe(200);
    expect(await errors.text()).toContain('Hearth API errors');

    const docs = await fetch(`${base}/docs/json`);
    expect(docs.status).toBe(200);

    const token = await fetch(`${base}/oauth/token`, { method: 'POST' });
    expect(token.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await token.json()) as { error: string }).error).toBe('invalid_request');

    // The invitation page keeps its own nonce-based policy.
    const accept = await fetch(`${base}/invitations/accept?token=x`);
    expect(accept.status).toBe(200);
    expect(accept.headers.get('content-security-policy')).toContain("script-src 'nonce-");
  });
});

describe('the console, not built yet', () => {
  let empty: string;
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    empty = mkdtempSync(path.join(tmpdir(), 'hearth-console-empty-'));
    ({ t, base } = await listening({ HEARTH_CONSOLE_DIR: empty }));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('answers 503 with a page that says how to build it, under the same headers', async () => {
    for (const route of ['/', '/homes/1']) {
      const response = await fetch(`${base}${route}`);
      expect(response.status, route).toBe(503);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expectSecurityHeaders(response);
      const page = await response.text();
      expect(page).toContain('The console is not built yet: run <code>npm run build:web</code>');
      expect(page).toContain('(npm install does it)');
      expect(page).not.toMatch(/<script|<style|style=/);
    }
  });

  it('sends the pages emails link to on to the plain forms meanwhile, with their token', async () => {
    const accept = await fetch(`${base}${CONSOLE_PAGES.acceptInvitation}?token=t1`, { redirect: 'manual' });
    expect(accept.status).toBe(302);
    expect(accept.headers.get('location')).toBe('/invitations/accept?token=t1');
    const reset = await fetch(`${base}${CONSOLE_PAGES.resetPassword}?token=t2`, { redirect: 'manual' });
    expect(reset.status).toBe(302);
    expect(reset.headers.get('location')).toBe('/password-resets/confirm?token=t2');
    // Followed, the plain form works without the console.
    expect((await fetch(`${base}${CONSOLE_PAGES.acceptInvitation}?token=t1`)).status).toBe(200);
  });

  it('answers an asset 404 and keeps the API working', async () => {
    expect((await fetch(`${base}/assets/app-abc123.js`)).status).toBe(404);
    expect((await fetch(`${base}/favicon.svg`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('picks up a build made while the server runs', async () => {
    writeFileSync(path.join(empty, 'index.html'), INDEX);
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX);
  });
});

describe('HEARTH_CONSOLE=off', () => {
  it('serves no console: / is the API 404 as before', async () => {
    const { t, base } = await listening({ HEARTH_CONSOLE: 'off' });
    try {
      const response = await fetch(`${base}/`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('content-security-policy')).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('finds the console beside the server package by default, and HEARTH_CONSOLE_DIR overrides it', () => {
    const base = { HEARTH_OPERATOR_PASSWORD: 'x', HEARTH_DEMO: 'off' };
    const fallback = loadConfig(base).console?.dir;
    expect(fallback).toBe(path.resolve(import.meta.dirname, '../../../web/dist'));
    expect(loadConfig({ ...base, HEARTH_CONSOLE_DIR: 'some/where' }).console?.dir).toBe(
      path.resolve('some/where'),
    );
    expect(loadConfig({ ...base, HEARTH_CONSOLE: 'off' }).console).toBeUndefined();
  });
});
