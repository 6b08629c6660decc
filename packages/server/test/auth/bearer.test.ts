import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASIC_TRUSTED,
  dialect,
  expectProblem,
  login,
  OPERATOR,
  startTestApp,
  type TestApp,
} from '../harness/index.js';

// RFC 6750: bearer tokens on everything under /api.

const ME = '/api/v/1/users/me';
const CHALLENGE = 'Bearer realm="hearth"';

const get = (app: FastifyInstance, authorization?: string, method: 'GET' | 'HEAD' = 'GET') =>
  app.inject({ method, url: ME, headers: authorization === undefined ? {} : { authorization } });

/** RFC 6750 §3.1: 401 with error="invalid_token" in the challenge, and a description a client may show. */
function expectInvalidToken(response: LightMyRequestResponse): void {
  expectProblem(response, 401, 'invalid_token');
  const challenge = String(response.headers['www-authenticate']);
  expect(challenge).toMatch(/^Bearer realm="hearth", error="invalid_token"/);
  // §3: error_description may hold only %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash).
  const description = /error_description="([^"]*)"/.exec(challenge)?.[1];
  if (description !== undefined) expect(description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/);
}

describe(`bearer authentication, RFC 6750 (${dialect})`, () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '0' });
    token = (await login(t.app)).access_token;
  });
  afterAll(async () => t.close());

  it('accepts a valid token', async () => {
    const response = await get(t.app, `Bearer ${token}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().username).toBe(OPERATOR.username);
  });

  it('takes the scheme name case-insensitively (RFC 9110 §11.1)', async () => {
    expect((await get(t.app, `bearer ${token}`)).statusCode).toBe(200);
    expect((await get(t.app, `BEARER ${token}`)).statusCode).toBe(200);
  });

  it('answers a request without Authorization with 401 and the bare challenge (§3.1)', async () => {
    const response = await get(t.app);
    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['www-authenticate']).toBe(CHALLENGE);
  });

  it('answers HEAD without a token the same way, without a body', async () => {
    const response = await get(t.app, undefined, 'HEAD');
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(CHALLENGE);
    expect(response.body).toBe('');
  });

  it('treats another scheme (Basic) on an API route as no token at all', async () => {
    const response = await get(t.app, BASIC_TRUSTED);
    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['www-authenticate']).toBe(CHALLENGE);
  });

  it('answers a garbage token with 401 error="invalid_token"', async () => {
    expectInvalidToken(await get(t.app, 'Bearer garbage'));
  });

  it('answers a well-formed but unknown token with 401 error="invalid_token"', async () => {
    expectInvalidToken(await get(t.app, 'Bearer 5bbfe978-c4a2-34d2-9de6-d0610ba7eaf1'));
  });

  it('answers a token one character off with 401 error="invalid_token"', async () => {
    const last = token.at(-1) === '0' ? '1' : '0';
    expectInvalidToken(await get(t.app, `Bearer ${token.slice(0, -1)}${last}`));
  });

  it('refuses a refresh token used as an access token', async () => {
    const { refresh_token } = await login(t.app);
    expectInvalidToken(await get(t.app, `Bearer ${refresh_token}`));
  });

  it('answers "Bearer" without a token with 400 error="invalid_request" (§3.1)', async () => {
    const response = await get(t.app, 'Bearer');
    expectProblem(response, 400, 'bad_request');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="hearth", error="invalid_request"/);
  });

  it('answers a malformed Bearer header (two tokens) with 400 error="invalid_request"', async () => {
    const response = await get(t.app, `Bearer ${token} ${token}`);
    expectProblem(response, 400, 'bad_request');
    expect(response.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('does not take a token from the query string (§2.3 is not offered)', async () => {
    const response = await t.app.inject({ method: 'GET', url: `${ME}?access_token=${token}` });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(CHALLENGE);
  });

  it('refuses a revoked token', async () => {
    const { access_token } = await login(t.app);
    expect((await get(t.app, `Bearer ${access_token}`)).statusCode).toBe(200);
    const revoked = await t.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${access_token}`,
    });
    expect(revoked.statusCode).toBe(200);
    expectInvalidToken(await get(t.app, `Bearer ${access_token}`));
  });

  it('never stores a token in plain text, only its SHA-256', async () => {
    const { access_token, refresh_token } = await login(t.app);
    if (!refresh_token) throw new Error('no refresh token');
    const rows = await t.app.ctx.database.db.selectFrom('oauth_tokens').selectAll().execute();
    const dump = JSON.stringify(rows);
    for (const raw of [access_token, refresh_token]) {
      expect(rows.some((r) => r.token_hash === raw)).toBe(false);
      expect(dump).not.toContain(raw);
      expect(dump).not.toContain(raw.replaceAll('-', ''));
      const hash = createHash('sha256').update(raw).digest('hex');
      expect(rows.filter((r) => r.token_hash === hash)).toHaveLength(1);
    }
  });

  it('leaves the OpenAPI document public', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v/1/openapi.json' });
    expect(response.statusCode).toBe(200);
  });
});

describe(`bearer authentication of a disabled account (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '0' });
  });
  afterAll(async () => t.close());

  it('refuses the token of an account disabled after it logged in', async () => {
    const { access_token } = await login(t.app);
    expect((await get(t.app, `Bearer ${access_token}`)).statusCode).toBe(200);
    await t.app.ctx.database.db
      .updateTable('users')
      .set({ status: 'disabled' })
      .where('username', '=', OPERATOR.username)
      .execute();
    expectInvalidToken(await get(t.app, `Bearer ${access_token}`));
  });
});

describe(`bearer authentication with a long token cache (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '60' });
  });
  afterAll(async () => t.close());

  it('reads the account again once the cached checks are dropped', async () => {
    const { access_token } = await login(t.app);
    expect((await get(t.app, `Bearer ${access_token}`)).statusCode).toBe(200); // cached for 60 s
    await t.app.ctx.database.db
      .updateTable('users')
      .set({ status: 'disabled' })
      .where('username', '=', OPERATOR.username)
      .execute();
    t.app.ctx.services.auth.forgetCachedScopes();
    expectInvalidToken(await get(t.app, `Bearer ${access_token}`));
  });
});

describe(`access token expiry (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    // A one-second token with the default token cache: the cache must not outlive the token.
    t = await startTestApp({ HEARTH_ACCESS_TOKEN_TTL: '1' });
  });
  afterAll(async () => t.close());

  it('refuses an expired access token with 401 invalid_token; the refresh token still renews it', async () => {
    const tokens = await login(t.app);
    expect(tokens.expires_in).toBe(1);
    expect((await get(t.app, `Bearer ${tokens.access_token}`)).statusCode).toBe(200);
    await sleep(1200);
    expectInvalidToken(await get(t.app, `Bearer ${tokens.access_token}`));

    const renewed = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=refresh_token&refresh_token=${tokens.refresh_token}`,
    });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect((await get(t.app, `Bearer ${renewed.json().access_token}`)).statusCode).toBe(200);
  });
});
