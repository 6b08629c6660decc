import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { BASIC_TRUSTED, bearer, startTestApp, type TestApp } from '../harness/index.js';

/**
 * The web console's built-in public OAuth client `console`: its refresh token travels only in the
 * HttpOnly cookie hearth_console_refresh (Path=/oauth, SameSite=Strict), never in JSON, and its
 * token and revoke requests must come from the server's own origin.
 */
const COOKIE = 'hearth_console_refresh';
const HOST = 'hearth.test';
const SELF = `http://${HOST}`;
const BASIC_CONSOLE = `Basic ${Buffer.from('console:').toString('base64')}`;
const REFRESH_TTL = 600;

interface Cookie {
  value: string;
  attributes: Record<string, string | true>;
}

/** The answer's Set-Cookie for the console's refresh cookie, parsed; undefined if none. */
function consoleCookie(response: LightMyRequestResponse): Cookie | undefined {
  const header = response.headers['set-cookie'];
  const all = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const mine = all.filter((line) => line.startsWith(`${COOKIE}=`));
  expect(mine.length).toBeLessThanOrEqual(1);
  const line = mine[0];
  if (line === undefined) return undefined;
  const [pair = '', ...rest] = line.split(';').map((part) => part.trim());
  const attributes: Record<string, string | true> = {};
  for (const part of rest) {
    const [key = '', value] = part.split('=');
    attributes[key.toLowerCase()] = value ?? true;
  }
  return { value: pair.slice(COOKIE.length + 1), attributes };
}

interface Form {
  params: Record<string, string>;
  authorization?: string;
  cookie?: string;
  headers?: Record<string, string>;
}

const post = (app: FastifyInstance, url: string, form: Form): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url,
    headers: {
      host: HOST,
      'content-type': 'application/x-www-form-urlencoded',
      ...(form.authorization ? { authorization: form.authorization } : {}),
      ...(form.cookie ? { cookie: `${COOKIE}=${form.cookie}` } : {}),
      ...form.headers,
    },
    payload: new URLSearchParams(form.params).toString(),
  });

const PASSWORD = { grant_type: 'password', username: 'operator', password: 'operator-test-password-1' };

async function consoleLogin(app: FastifyInstance): Promise<{ access: string; refresh: string }> {
  const response = await post(app, '/oauth/token', {
    params: { ...PASSWORD, client_id: 'console' },
    headers: { origin: SELF },
  });
  expect(response.statusCode, response.body).toBe(200);
  const cookie = consoleCookie(response);
  if (!cookie) throw new Error('no refresh cookie');
  return { access: response.json().access_token, refresh: cookie.value };
}

const consoleRefresh = (app: FastifyInstance, cookie?: string, headers: Record<string, string> = {}) =>
  post(app, '/oauth/token', {
    params: { grant_type: 'refresh_token', client_id: 'console' },
    ...(cookie ? { cookie } : {}),
    headers: { origin: SELF, ...headers },
  });

const me = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'GET', url: '/api/v/1/users/me', headers: { host: HOST, ...bearer(token) } });

function expectOAuthError(response: LightMyRequestResponse, error: string, mentions?: string): void {
  expect(response.statusCode, response.body).toBe(400);
  expect(response.json()).toEqual({ error, error_description: expect.any(String) });
  if (mentions) expect(response.json().error_description).toContain(mentions);
}

function expectCleared(response: LightMyRequestResponse): void {
  const cookie = consoleCookie(response);
  expect(cookie?.value).toBe('');
  expect(cookie?.attributes['max-age']).toBe('0');
  expect(cookie?.attributes.path).toBe('/oauth');
}

describe('the console OAuth client', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      HEARTH_TOKEN_CACHE_SECONDS: '0',
      HEARTH_REFRESH_TOKEN_TTL: String(REFRESH_TTL),
      TRUST_PROXY: 'true',
    });
  });
  afterAll(() => t?.close());

  it('logs in without a secret and puts the refresh token in an HttpOnly, SameSite=Strict cookie on /oauth, not in the JSON', async () => {
    const response = await post(t.app, '/oauth/token', {
      params: { ...PASSWORD, client_id: 'console' },
      headers: { origin: SELF },
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      token_type: 'Bearer',
      access_token: expect.any(String),
      expires_in: expect.any(Number),
      scope: 'api',
    });
    expect(response.headers['cache-control']).toBe('no-store');
    const cookie = consoleCookie(response);
    expect(cookie?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(cookie?.attributes).toEqual({
      'max-age': String(REFRESH_TTL),
      path: '/oauth',
      httponly: true,
      samesite: 'Strict',
    });
    expect((await me(t.app, body.access_token)).statusCode).toBe(200);
  });

  it('accepts Basic console: and an empty client_secret as well, and refuses a secret', async () => {
    const basic = await post(t.app, '/oauth/token', { params: PASSWORD, authorization: BASIC_CONSOLE });
    expect(basic.statusCode, basic.body).toBe(200);
    expect(consoleCookie(basic)?.value).toBeTruthy();

    const empty = await post(t.app, '/oauth/token', {
      params: { ...PASSWORD, client_id: 'console', client_secret: '' },
    });
    expect(empty.statusCode, empty.body).toBe(200);

    const withSecret = await post(t.app, '/oauth/token', {
      params: { ...PASSWORD, client_id: 'console', client_secret: 'guess' },
    });
    expect(withSecret.statusCode).toBe(401);
    expect(withSecret.json().error).toBe('invalid_client');
    expect(consoleCookie(withSecret)).toBeUndefined();
  });

  it('marks the cookie Secure when the request came over HTTPS (through a trusted proxy)', async () => {
    const response = await post(t.app, '/oauth/token', {
      params: { ...PASSWORD, client_id: 'console' },
      headers: { 'x-forwarded-proto': 'https', origin: `https://${HOST}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(consoleCookie(response)?.attributes.secure).toBe(true);
  });

  it('refreshes from the cookie, rotating it; a replayed cookie is refused, cleared, and ends the login', async () => {
    const first = await consoleLogin(t.app);
    const rotated = await consoleRefresh(t.app, first.refresh);
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.json().refresh_token).toBeUndefined();
    const next = consoleCookie(rotated);
    expect(next?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(next?.value).not.toBe(first.refresh);
    expect(next?.attributes['max-age']).toBe(String(REFRESH_TTL));
    const access = rotated.json().access_token as string;
    expect((await me(t.app, access)).statusCode).toBe(200);

    const replay = await consoleRefresh(t.app, first.refresh);
    expectOAuthError(replay, 'invalid_grant');
    expectCleared(replay);
    // The replay revoked the whole family: the new access and refresh tokens too.
    expect((await me(t.app, access)).statusCode).toBe(401);
    const afterReplay = await consoleRefresh(t.app, next?.value);
    expectOAuthError(afterReplay, 'invalid_grant');
    expectCleared(afterReplay);
  });

  it('refuses a refresh with neither a refresh_token parameter nor the cookie, naming the cookie', async () => {
    const response = await consoleRefresh(t.app);
    expectOAuthError(response, 'invalid_request', COOKIE);
    expect(consoleCookie(response)).toBeUndefined();
  });

  it('refuses and clears a cookie that holds no valid refresh token', async () => {
    const response = await consoleRefresh(t.app, 'not-a-token');
    expectOAuthError(response, 'invalid_grant');
    expectCleared(response);
  });

  it("refuses another client's refresh token in the cookie", async () => {
    const trusted = await post(t.app, '/oauth/token', { params: PASSWORD, authorization: BASIC_TRUSTED });
    const response = await consoleRefresh(t.app, trusted.json().refresh_token);
    expectOAuthError(response, 'invalid_grant');
    expectCleared(response);
  });

  it('leaves other clients as they were: refresh_token in the JSON, no cookie set or read', async () => {
    const { refresh } = await consoleLogin(t.app);
    const login = await post(t.app, '/oauth/token', {
      params: PASSWORD,
      authorization: BASIC_TRUSTED,
      cookie: refresh,
    });
    expect(login.statusCode).toBe(200);
    expect(login.json().refresh_token).toMatch(/^[0-9a-f-]{36}$/);
    expect(login.headers['set-cookie']).toBeUndefined();

    const cookieOnly = await post(t.app, '/oauth/token', {
      params: { grant_type: 'refresh_token' },
      authorization: BASIC_TRUSTED,
      cookie: refresh,
    });
    expectOAuthError(cookieOnly, 'invalid_request', 'refresh_token parameter is required');
    expect(cookieOnly.headers['set-cookie']).toBeUndefined();

    // Nor is another origin refused for them: the check guards the cookie, which they never use.
    const crossOrigin = await post(t.app, '/oauth/token', {
      params: { grant_type: 'refresh_token', refresh_token: login.json().refresh_token },
      authorization: BASIC_TRUSTED,
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(crossOrigin.statusCode, crossOrigin.body).toBe(200);
    // The console's cookie still works: the trusted requests did not touch it.
    expect((await consoleRefresh(t.app, refresh)).statusCode).toBe(200);
  });

  it('logs out on revoke: the access token, the cookie refresh token and every access token of the login end; the cookie is cleared', async () => {
    const first = await consoleLogin(t.app);
    const rotated = await consoleRefresh(t.app, first.refresh);
    const access = rotated.json().access_token as string;
    const refresh = consoleCookie(rotated)?.value ?? '';
    expect((await me(t.app, first.access)).statusCode).toBe(200);

    const response = await post(t.app, '/oauth/revoke', {
      params: { token: access, client_id: 'console' },
      cookie: refresh,
      headers: { origin: SELF },
    });
    expect(response.statusCode, response.body).toBe(200);
    expectCleared(response);
    expect((await me(t.app, access)).statusCode).toBe(401);
    expect((await me(t.app, first.access)).statusCode).toBe(401);
    expectOAuthError(await consoleRefresh(t.app, refresh), 'invalid_grant');
  });

  it('revokes only the access token when no cookie comes with the revoke', async () => {
    const { access, refresh } = await consoleLogin(t.app);
    const response = await post(t.app, '/oauth/revoke', {
      params: { token: access },
      authorization: BASIC_CONSOLE,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect((await me(t.app, access)).statusCode).toBe(401);
    expect((await consoleRefresh(t.app, refresh)).statusCode).toBe(200);
  });

  describe('refuses cross-origin requests (CSRF)', () => {
    it('on the token endpoint, for each grant', async () => {
      const { refresh } = await consoleLogin(t.app);
      for (const origin of ['https://evil.example', `https://${HOST}`, `${SELF}:8443`, 'null']) {
        const login = await post(t.app, '/oauth/token', {
          params: { ...PASSWORD, client_id: 'console' },
          headers: { origin },
        });
        expectOAuthError(login, 'invalid_request', 'cross-origin request');
        expect(consoleCookie(login)).toBeUndefined();
        const refreshed = await consoleRefresh(t.app, refresh, { origin });
        expectOAuthError(refreshed, 'invalid_request', 'cross-origin request');
        expect(consoleCookie(refreshed)).toBeUndefined();
      }
      // The refused requests used nothing: the cookie still works.
      expect((await consoleRefresh(t.app, refresh)).statusCode).toBe(200);
    });

    it('on the revoke endpoint', async () => {
      const { access, refresh } = await consoleLogin(t.app);
      const response = await post(t.app, '/oauth/revoke', {
        params: { token: access, client_id: 'console' },
        cookie: refresh,
        headers: { origin: 'https://evil.example' },
      });
      expectOAuthError(response, 'invalid_request', 'cross-origin request');
      expect(response.headers['set-cookie']).toBeUndefined();
      expect((await me(t.app, access)).statusCode).toBe(200);
    });

    it('compares with the host a trusted proxy forwarded, and lets requests without Origin through', async () => {
      const forwarded = { 'x-forwarded-host': 'console.example', 'x-forwarded-proto': 'https' };
      const ok = await post(t.app, '/oauth/token', {
        params: { ...PASSWORD, client_id: 'console' },
        headers: { ...forwarded, origin: 'https://console.example' },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const direct = await post(t.app, '/oauth/token', {
        params: { ...PASSWORD, client_id: 'console' },
        headers: { ...forwarded, origin: SELF },
      });
      expectOAuthError(direct, 'invalid_request', 'cross-origin request');
      const noOrigin = await post(t.app, '/oauth/token', { params: { ...PASSWORD, client_id: 'console' } });
      expect(noOrigin.statusCode).toBe(200);
    });
  });
});

describe('configuring the console client', () => {
  it('refuses a configured client that takes the id console', () => {
    let error: unknown;
    try {
      loadConfig({
        HEARTH_DEMO: 'off',
        HEARTH_OAUTH_CLIENTS: '[{"id":"console","secret":"s3cret","grants":["password"]}]',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('HEARTH_OAUTH_CLIENTS');
    expect((error as Error).message).toContain('"console" is reserved for the built-in web console client');
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('keeps the console client whatever clients are configured', async () => {
    const t = await startTestApp({
      HEARTH_OAUTH_CLIENTS: '[{"id":"only","secret":"only-secret","grants":["password"]}]',
    });
    try {
      const response = await post(t.app, '/oauth/token', { params: { ...PASSWORD, client_id: 'console' } });
      expect(response.statusCode, response.body).toBe(200);
      expect(consoleCookie(response)?.value).toBeTruthy();
    } finally {
      await t.close();
    }
  });
});
