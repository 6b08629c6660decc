import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASIC_TRUSTED,
  bearer,
  createTestDatabase,
  dialect,
  login,
  SEED_TYPO_BASIC,
  startTestApp,
  type TestApp,
  type TestDatabase,
} from '../harness/index.js';

// RFC 6749 §6 (refresh, rotated on use, replay revokes the family) and RFC 7009 (revocation).

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OTHER_BASIC = `Basic ${Buffer.from('other:other-secret').toString('base64')}`;
const TWO_CLIENTS = JSON.stringify([
  { id: 'trusted', secret: 'secret', grants: ['password', 'refresh_token'] },
  { id: 'other', secret: 'other-secret', grants: ['password', 'refresh_token'] },
  { id: 'no-refresh', secret: 'nr-secret', grants: ['password'] },
]);

const post = (
  app: FastifyInstance,
  url: string,
  params: Record<string, string>,
  authorization: string | null = BASIC_TRUSTED,
): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    payload: new URLSearchParams(params).toString(),
  });

const refresh = (
  app: FastifyInstance,
  refreshToken: string,
  extra: Record<string, string> = {},
  authorization: string | null = BASIC_TRUSTED,
) =>
  post(
    app,
    '/oauth/token',
    { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
    authorization,
  );

const revoke = (
  app: FastifyInstance,
  params: Record<string, string>,
  authorization: string | null = BASIC_TRUSTED,
) => post(app, '/oauth/revoke', params, authorization);

const me = (app: FastifyInstance, accessToken: string) =>
  app.inject({ method: 'GET', url: '/api/v/1/users/me', headers: bearer(accessToken) });

/** The token is refused on the API the way RFC 6750 §3.1 says: 401, error="invalid_token". */
async function expectRefused(app: FastifyInstance, accessToken: string): Promise<void> {
  const response = await me(app, accessToken);
  expect(response.statusCode, response.body).toBe(401);
  expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  expect(response.json().code).toBe('invalid_token');
}

async function expectAccepted(app: FastifyInstance, accessToken: string): Promise<void> {
  const response = await me(app, accessToken);
  expect(response.statusCode, response.body).toBe(200);
}

function expectOAuthError(response: LightMyRequestResponse, status: number, error: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.json()).toEqual({ error, error_description: expect.any(String) });
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers.pragma).toBe('no-cache');
}

interface Pair {
  access_token: string;
  refresh_token: string;
}

async function loginPair(app: FastifyInstance): Promise<Pair> {
  const tokens = await login(app);
  if (!tokens.refresh_token) throw new Error('login gave no refresh token');
  return { access_token: tokens.access_token, refresh_token: tokens.refresh_token };
}

async function refreshPair(app: FastifyInstance, refreshToken: string): Promise<Pair> {
  const response = await refresh(app, refreshToken);
  if (response.statusCode !== 200) throw new Error(`refresh failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

describe(`refresh_token grant, RFC 6749 §6 (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    // No token cache: every check below reads the database.
    t = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '0', HEARTH_OAUTH_CLIENTS: TWO_CLIENTS });
  });
  afterAll(async () => t.close());

  it('returns a new access and refresh token pair, never cached', async () => {
    const first = await loginPair(t.app);
    const response = await refresh(t.app, first.refresh_token);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    const second = response.json();
    expect(second).toEqual({
      token_type: 'Bearer',
      access_token: expect.stringMatching(UUID_SHAPE),
      expires_in: t.config.accessTokenTtl,
      refresh_token: expect.stringMatching(UUID_SHAPE),
      scope: 'api',
    });
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expectAccepted(t.app, second.access_token);
    // Rotation retires the refresh token, not the access token minted with it.
    await expectAccepted(t.app, first.access_token);
  });

  it('accepts a JSON body', async () => {
    const first = await loginPair(t.app);
    const response = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/json' },
      payload: { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    });
    expect(response.statusCode, response.body).toBe(200);
  });

  it('refuses the old refresh token once it has been used (invalid_grant)', async () => {
    const first = await loginPair(t.app);
    await refreshPair(t.app, first.refresh_token);
    expectOAuthError(await refresh(t.app, first.refresh_token), 400, 'invalid_grant');
  });

  it('revokes the whole family when a used refresh token is replayed', async () => {
    const first = await loginPair(t.app);
    const second = await refreshPair(t.app, first.refresh_token);
    const third = await refreshPair(t.app, second.refresh_token);
    await expectAccepted(t.app, third.access_token);

    expectOAuthError(await refresh(t.app, first.refresh_token), 400, 'invalid_grant');

    // Someone else may hold the stolen token: everything minted from that login is dead.
    await expectRefused(t.app, third.access_token);
    await expectRefused(t.app, second.access_token);
    await expectRefused(t.app, first.access_token);
    expectOAuthError(await refresh(t.app, third.refresh_token), 400, 'invalid_grant');
  });

  it('leaves other logins of the same user alone when one family is revoked', async () => {
    const victim = await loginPair(t.app);
    const bystander = await loginPair(t.app);
    await refreshPair(t.app, victim.refresh_token);
    await refresh(t.app, victim.refresh_token); // replay
    await expectRefused(t.app, victim.access_token);
    await expectAccepted(t.app, bystander.access_token);
    expect((await refresh(t.app, bystander.refresh_token)).statusCode).toBe(200);
  });

  it('gives only one of two simultaneous uses of a refresh token a new pair', async () => {
    const first = await loginPair(t.app);
    const answers = await Promise.all([
      refresh(t.app, first.refresh_token),
      refresh(t.app, first.refresh_token),
    ]);
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([200, 400]);
    // The loser looks like a replay: the family, including the winner's new pair, is revoked.
    const winner = answers.find((a) => a.statusCode === 200)?.json() as Pair;
    await expectRefused(t.app, winner.access_token);
  });

  it('refuses a refresh token issued to another client, without burning it', async () => {
    const first = await loginPair(t.app);
    expectOAuthError(await refresh(t.app, first.refresh_token, {}, OTHER_BASIC), 400, 'invalid_grant');
    // The rightful client can still use it.
    expect((await refresh(t.app, first.refresh_token)).statusCode).toBe(200);
  });

  it('refuses an unknown refresh token and an access token sent as a refresh token', async () => {
    const first = await loginPair(t.app);
    expectOAuthError(await refresh(t.app, '00000000-0000-0000-0000-000000000000'), 400, 'invalid_grant');
    expectOAuthError(await refresh(t.app, first.access_token), 400, 'invalid_grant');
    await expectAccepted(t.app, first.access_token);
  });

  it('answers invalid_request without refresh_token', async () => {
    const response = await post(t.app, '/oauth/token', { grant_type: 'refresh_token' });
    expectOAuthError(response, 400, 'invalid_request');
    expect(response.json().error_description).toMatch(/refresh_token/);
  });

  it('answers invalid_client for the seed typo header, and keeps the refresh token usable', async () => {
    const first = await loginPair(t.app);
    const response = await refresh(t.app, first.refresh_token, {}, SEED_TYPO_BASIC);
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers['www-authenticate']).toMatch(/^Basic /);
    expect((await refresh(t.app, first.refresh_token)).statusCode).toBe(200);
  });

  it('answers unauthorized_client to a client without the refresh_token grant', async () => {
    const first = await loginPair(t.app);
    const noRefresh = `Basic ${Buffer.from('no-refresh:nr-secret').toString('base64')}`;
    expectOAuthError(await refresh(t.app, first.refresh_token, {}, noRefresh), 400, 'unauthorized_client');
  });

  it('refuses an expired refresh token', async () => {
    const first = await loginPair(t.app);
    const hash = createHash('sha256').update(first.refresh_token).digest('hex');
    await t.app.ctx.database.db
      .updateTable('oauth_tokens')
      .set({ expires_at: Date.now() - 1000 })
      .where('token_hash', '=', hash)
      .execute();
    expectOAuthError(await refresh(t.app, first.refresh_token), 400, 'invalid_grant');
  });

  describe('scope', () => {
    it('grants the same scope when the request repeats it', async () => {
      const first = await loginPair(t.app);
      const response = await refresh(t.app, first.refresh_token, { scope: 'api' });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().scope).toBe('api');
    });

    it('refuses to widen the scope (invalid_scope), and the refresh token stays usable', async () => {
      const first = await loginPair(t.app);
      expectOAuthError(
        await refresh(t.app, first.refresh_token, { scope: 'api admin' }),
        400,
        'invalid_scope',
      );
      expectOAuthError(await refresh(t.app, first.refresh_token, { scope: 'admin' }), 400, 'invalid_scope');
      const response = await refresh(t.app, first.refresh_token);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().scope).toBe('api');
    });

    it('narrows the access token only: the new refresh token keeps the scope originally granted', async () => {
      // Only "api" exists today, so a login granted a wider scope is simulated in the table.
      const first = await loginPair(t.app);
      const hash = createHash('sha256').update(first.refresh_token).digest('hex');
      await t.app.ctx.database.db
        .updateTable('oauth_tokens')
        .set({ scope: 'api reports' })
        .where('token_hash', '=', hash)
        .execute();

      const narrowed = await refresh(t.app, first.refresh_token, { scope: 'api' });
      expect(narrowed.statusCode, narrowed.body).toBe(200);
      expect(narrowed.json().scope).toBe('api');

      // §6: "the refresh token scope MUST be identical to that of the refresh token included".
      const again = await refresh(t.app, narrowed.json().refresh_token);
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json().scope).toBe('api reports');
    });
  });
});

describe(`POST /oauth/revoke, RFC 7009 (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '0', HEARTH_OAUTH_CLIENTS: TWO_CLIENTS });
  });
  afterAll(async () => t.close());

  it('revokes an access token: 200, and the token no longer works', async () => {
    const pair = await loginPair(t.app);
    await expectAccepted(t.app, pair.access_token);
    const response = await revoke(t.app, { token: pair.access_token });
    expect(response.statusCode, response.body).toBe(200);
    await expectRefused(t.app, pair.access_token);
    // Only that access token: the refresh token of the same login still gives a new pair.
    const renewed = await refreshPair(t.app, pair.refresh_token);
    await expectAccepted(t.app, renewed.access_token);
  });

  it('answers 200 for an unknown token (§2.2)', async () => {
    const response = await revoke(t.app, { token: 'c0ffee00-0000-4000-8000-000000000000' });
    expect(response.statusCode, response.body).toBe(200);
  });

  it('answers 200 for a token revoked already', async () => {
    const pair = await loginPair(t.app);
    expect((await revoke(t.app, { token: pair.access_token })).statusCode).toBe(200);
    expect((await revoke(t.app, { token: pair.access_token })).statusCode).toBe(200);
  });

  it('answers invalid_request without a token', async () => {
    expectOAuthError(await revoke(t.app, {}), 400, 'invalid_request');
    expectOAuthError(await revoke(t.app, { token: '' }), 400, 'invalid_request');
  });

  it('answers invalid_client (401, WWW-Authenticate: Basic) without client authentication, and revokes nothing', async () => {
    const pair = await loginPair(t.app);
    const response = await revoke(t.app, { token: pair.access_token }, null);
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers['www-authenticate']).toMatch(/^Basic realm="hearth"/);
    await expectAccepted(t.app, pair.access_token);
  });

  it('answers invalid_client for the seed typo header, and revokes nothing', async () => {
    const pair = await loginPair(t.app);
    expectOAuthError(
      await revoke(t.app, { token: pair.access_token }, SEED_TYPO_BASIC),
      401,
      'invalid_client',
    );
    await expectAccepted(t.app, pair.access_token);
  });

  it('accepts the client credentials in the body', async () => {
    const pair = await loginPair(t.app);
    const response = await revoke(
      t.app,
      { token: pair.access_token, client_id: 'trusted', client_secret: 'secret' },
      null,
    );
    expect(response.statusCode, response.body).toBe(200);
    await expectRefused(t.app, pair.access_token);
  });

  it('revokes a refresh token together with the access tokens of its login', async () => {
    const first = await loginPair(t.app);
    const second = await refreshPair(t.app, first.refresh_token);
    const response = await revoke(t.app, { token: second.refresh_token, token_type_hint: 'refresh_token' });
    expect(response.statusCode, response.body).toBe(200);
    await expectRefused(t.app, first.access_token);
    await expectRefused(t.app, second.access_token);
    expectOAuthError(await refresh(t.app, second.refresh_token), 400, 'invalid_grant');
  });

  it('revokes even when token_type_hint is wrong (§2.1: the hint is only a hint)', async () => {
    const pair = await loginPair(t.app);
    const response = await revoke(t.app, { token: pair.refresh_token, token_type_hint: 'access_token' });
    expect(response.statusCode, response.body).toBe(200);
    expectOAuthError(await refresh(t.app, pair.refresh_token), 400, 'invalid_grant');
    await expectRefused(t.app, pair.access_token);
  });

  it("refuses to revoke another client's token, which keeps working", async () => {
    const pair = await loginPair(t.app);
    const response = await revoke(t.app, { token: pair.access_token }, OTHER_BASIC);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
    await expectAccepted(t.app, pair.access_token);
  });
});

describe(`token cache and revocation on the same node (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    // A long cache: a token check may be reused for 60 s, but not after a revocation on this node.
    t = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '60' });
  });
  afterAll(async () => t.close());

  it('refuses a cached access token at once after /oauth/revoke', async () => {
    const pair = await loginPair(t.app);
    await expectAccepted(t.app, pair.access_token); // now cached
    expect((await revoke(t.app, { token: pair.access_token })).statusCode).toBe(200);
    await expectRefused(t.app, pair.access_token);
  });

  it('refuses cached access tokens at once after their refresh token is revoked', async () => {
    const pair = await loginPair(t.app);
    await expectAccepted(t.app, pair.access_token);
    expect((await revoke(t.app, { token: pair.refresh_token })).statusCode).toBe(200);
    await expectRefused(t.app, pair.access_token);
  });

  it('refuses cached access tokens at once after a refresh token replay', async () => {
    const first = await loginPair(t.app);
    const second = await refreshPair(t.app, first.refresh_token);
    await expectAccepted(t.app, second.access_token);
    await refresh(t.app, first.refresh_token); // replay
    await expectRefused(t.app, second.access_token);
  });
});

describe(`token cache and revocation on another node (${dialect})`, () => {
  let database: TestDatabase;
  let nodeA: TestApp;
  let nodeB: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    nodeA = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '1' }, database);
    nodeB = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '1' }, database);
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await database?.drop();
  });

  it('any node validates a token another node issued', async () => {
    const pair = await loginPair(nodeA.app);
    await expectAccepted(nodeB.app, pair.access_token);
  });

  it('a revocation on one node reaches the others within the cache lifetime', async () => {
    const pair = await loginPair(nodeB.app);
    await expectAccepted(nodeA.app, pair.access_token); // cached on A for up to 1 s
    expect((await revoke(nodeB.app, { token: pair.access_token })).statusCode).toBe(200);
    await expectRefused(nodeB.app, pair.access_token);
    await sleep(1200);
    await expectRefused(nodeA.app, pair.access_token);
  });
});
