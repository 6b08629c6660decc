import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { login, startTestApp, type TestApp } from '../harness/index.js';

/**
 * CORS over real HTTP on loopback: a browser app on an allowed origin can preflight and call the
 * API and read the headers the SDK needs; other origins get no CORS headers (the browser then
 * blocks the response); without HEARTH_CORS_ORIGINS nothing changes.
 */
const APP = 'https://app.example.com';

async function listening(overrides: Record<string, string>): Promise<{ t: TestApp; base: string }> {
  const t = await startTestApp(overrides);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return { t, base: `http://127.0.0.1:${port}` };
}

const preflight = (base: string, path: string, origin: string, method = 'PUT') =>
  fetch(`${base}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type,if-match',
    },
  });

describe('CORS configured for one origin, with v0 moved to v1', () => {
  let t: TestApp;
  let base: string;
  let token: string;
  beforeAll(async () => {
    ({ t, base } = await listening({
      HEARTH_CORS_ORIGINS: `${APP}, http://localhost:5173`,
      HEARTH_API_VERSIONS: '0=moved:1,1=current',
    }));
    token = (await login(t.app)).access_token;
  });
  afterAll(() => t?.close());

  it('a preflight from the allowed origin is answered 204 with the methods and headers the SDK sends', async () => {
    const response = await preflight(base, '/api/v/1/agents/0190a000-0000-7000-8000-000000000000', APP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['authorization', 'content-type', 'if-match']) expect(allowed).toContain(header);
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('a call from the allowed origin carries its origin back, and exposes ETag, Location and X-Request-Id', async () => {
    const response = await fetch(`${base}/api/v/1/agents`, {
      headers: { origin: APP, authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('vary')?.toLowerCase()).toContain('origin');
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const header of ['etag', 'location', 'x-request-id', 'retry-after', 'link', 'x-ratelimit-remaining'])
      expect(exposed).toContain(header);
    // The caller's allowance is readable too (HEARTH_RATE_LIMIT, on by default).
    expect(Number(response.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
  });

  it('errors and version moves carry CORS headers too, so a browser app can read them', async () => {
    const unauthorised = await fetch(`${base}/api/v/1/agents`, { headers: { origin: APP } });
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('access-control-allow-origin')).toBe(APP);
    const moved = await fetch(`${base}/api/v/0/agents`, {
      headers: { origin: APP, authorization: `Bearer ${token}` },
      redirect: 'manual',
    });
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toMatch(/\/api\/v\/1\/agents$/);
    expect(moved.headers.get('access-control-allow-origin')).toBe(APP);
    // Browsers do not follow a redirected preflight: the old version's preflight is answered.
    const movedPreflight = await preflight(base, '/api/v/0/agents', APP, 'POST');
    expect(movedPreflight.status).toBe(204);
    expect(movedPreflight.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('another origin gets no CORS headers: the browser refuses it the answer', async () => {
    const call = await fetch(`${base}/api/v/1/agents`, {
      headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` },
    });
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await preflight(base, '/api/v/1/agents', 'https://evil.example');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS off (the default)', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    ({ t, base } = await listening({}));
  });
  afterAll(() => t?.close());

  it('no CORS headers on calls or preflights', async () => {
    const call = await fetch(`${base}/api/v/1/agents`, { headers: { origin: APP } });
    expect(call.status).toBe(401);
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await preflight(base, '/api/v/1/agents', APP);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('HEARTH_CORS_ORIGINS', () => {
  it('* allows any origin; a list is kept as given', () => {
    expect(loadConfig({ HEARTH_CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(
      loadConfig({ HEARTH_CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it('an entry that is not an origin is refused at start, named', () => {
    for (const wrong of ['https://a.example/', 'a.example', 'https://a.example/app', 'ftp://a.example']) {
      let error: unknown;
      try {
        loadConfig({ HEARTH_CORS_ORIGINS: `https://ok.example,${wrong}` });
      } catch (err) {
        error = err;
      }
      expect(error, wrong).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`${wrong} is not an origin`);
    }
  });
});
