import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BASIC_TRUSTED, dialect } from '../../server/test/harness/index.js';
import {
  MemoryTokenStore,
  NotLoggedInError,
  OAuthError,
  RateLimitError,
  type TokenSet,
  type TokenStore,
} from '../src/index.js';
import { clientFor, type LiveServer, OPERATOR, startServer } from './support.js';

let server: LiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A store that records every token set written to it. */
function recordingStore(): TokenStore & { written: TokenSet[] } {
  const inner = new MemoryTokenStore();
  const written: TokenSet[] = [];
  return {
    written,
    get: () => inner.get(),
    set: (tokens) => {
      written.push(tokens);
      inner.set(tokens);
    },
    clear: () => inner.clear(),
  };
}

const oauthOnly = (lines: string[]) => lines.filter((l) => l.startsWith('POST /oauth'));

describe(`login, refresh and logout against a real server (${dialect})`, () => {
  it('logs in with the password grant (client trusted/secret by HTTP Basic) and keeps the tokens in the store', async () => {
    server = await startServer();
    const store = recordingStore();
    const client = clientFor(server, { tokenStore: store });
    const tokens = await client.login(OPERATOR);
    expect(tokens.accessToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThan(tokens.issuedAt);
    expect(store.written).toEqual([tokens]);
    expect((await client.me()).username).toBe(OPERATOR.username);
  });

  it('refreshes the access token before it expires (rotation), with one refresh for concurrent calls', async () => {
    server = await startServer({ HEARTH_ACCESS_TOKEN_TTL: '3' });
    const store = recordingStore();
    const client = clientFor(server, { tokenStore: store });
    const first = await client.login(OPERATOR);
    // Into the last half of the token's life: due for refresh, not yet expired.
    await sleep(first.expiresAt - (first.expiresAt - first.issuedAt) / 2 - Date.now() + 100);
    const mark = server.requests.length;
    const answers = await Promise.all([client.me(), client.me(), client.me()]);
    expect(answers.map((u) => u.username)).toEqual([OPERATOR.username, OPERATOR.username, OPERATOR.username]);
    const seen = server.seenSince(mark);
    expect(seen[0]).toBe('POST /oauth/token 200');
    expect(oauthOnly(seen)).toHaveLength(1);
    expect(seen.filter((l) => l.endsWith(' 401'))).toEqual([]);
    expect(seen.filter((l) => l === 'GET /api/v/1/users/me 200')).toHaveLength(3);

    const second = store.written[1];
    expect(store.written).toHaveLength(2);
    expect(second?.accessToken).not.toBe(first.accessToken);
    expect(second?.refreshToken).not.toBe(first.refreshToken);
  });

  it('refreshes once and re-sends when the server refuses a token it considers revoked', async () => {
    server = await startServer();
    const store = new MemoryTokenStore();
    const client = clientFor(server, { tokenStore: store });
    const tokens = await client.login(OPERATOR);
    // The access token alone is revoked (as after a server-side revocation); the refresh token still works.
    const revoked = await fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.accessToken, token_type_hint: 'access_token' }),
    });
    expect(revoked.status).toBe(200);
    const mark = server.requests.length;
    expect((await client.me()).username).toBe(OPERATOR.username);
    expect(server.seenSince(mark)).toEqual([
      'GET /api/v/1/users/me 401',
      'POST /oauth/token 200',
      'GET /api/v/1/users/me 200',
    ]);
  });

  it('logout revokes the refresh and the access token: both are refused afterwards', async () => {
    server = await startServer();
    const store = new MemoryTokenStore();
    const client = clientFor(server, { tokenStore: store });
    const tokens = await client.login(OPERATOR);
    const mark = server.requests.length;
    await client.logout();
    expect(server.seenSince(mark)).toEqual(['POST /oauth/revoke 200', 'POST /oauth/revoke 200']);
    expect(store.get()).toBeUndefined();

    const me = await fetch(`${server.url}/api/v/1/users/me`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(me.status).toBe(401);
    const refresh = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken ?? '' }),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');

    await expect(client.me()).rejects.toBeInstanceOf(NotLoggedInError);
  });

  it('a refused refresh token ends the login: NotLoggedInError, tokens forgotten', async () => {
    server = await startServer({ HEARTH_ACCESS_TOKEN_TTL: '1' });
    const store = new MemoryTokenStore();
    const client = clientFor(server, { tokenStore: store });
    const tokens = await client.login(OPERATOR);
    // Someone else logs this session out (revoking the refresh token ends the whole login).
    await clientFor(server, { tokenStore: new MemoryTokenStore(tokens) }).logout();
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotLoggedInError);
    expect((error as NotLoggedInError).code).toBe('not_logged_in');
    expect(store.get()).toBeUndefined();
  });

  it('wrong credentials raise OAuthError with the RFC 6749 code, status and request id', async () => {
    server = await startServer();
    const wrongPassword = await clientFor(server)
      .login({ username: OPERATOR.username, password: 'not the password' })
      .catch((e: unknown) => e);
    expect(wrongPassword).toBeInstanceOf(OAuthError);
    expect((wrongPassword as OAuthError).error).toBe('invalid_grant');
    expect((wrongPassword as OAuthError).code).toBe('invalid_grant');
    expect((wrongPassword as OAuthError).status).toBe(400);
    expect((wrongPassword as OAuthError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((wrongPassword as OAuthError).message).toBe('The username or password is wrong');

    const wrongClient = await clientFor(server, { clientSecret: 'nope' })
      .login(OPERATOR)
      .catch((e: unknown) => e);
    expect(wrongClient).toBeInstanceOf(OAuthError);
    expect((wrongClient as OAuthError).error).toBe('invalid_client');
    expect((wrongClient as OAuthError).status).toBe(401);
  });

  it('429: waits the Retry-After the server gives before retrying, then raises RateLimitError', async () => {
    server = await startServer();
    const wrong = { username: OPERATOR.username, password: 'guess' };
    // Five failed logins from one address empty the account's bucket for this address.
    for (let i = 0; i < 5; i++) {
      await expect(clientFor(server).login(wrong)).rejects.toBeInstanceOf(OAuthError);
    }
    const waits: number[] = [];
    const patient = clientFor(server, {
      maxRetries: 1,
      maxRetryAfterSeconds: 3600,
      // Records the wait instead of sleeping through it.
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const mark = server.requests.length;
    const error = await patient.login(wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const limited = error as RateLimitError;
    expect(limited.status).toBe(429);
    expect(limited.code).toBe('slow_down');
    expect(limited.retryAfter).toBeGreaterThan(0);
    expect(limited.headers.get('retry-after')).toBe(String(limited.retryAfter));
    expect(server.seenSince(mark)).toEqual(['POST /oauth/token 429', 'POST /oauth/token 429']);
    expect(waits).toHaveLength(1);
    // The one wait is the server's Retry-After of the first answer (the throttle's wait only shrinks).
    expect(waits[0]).toBeGreaterThanOrEqual((limited.retryAfter ?? 0) * 1000);

    // A Retry-After longer than the client is configured to wait raises at once.
    const impatient = clientFor(server, { maxRetryAfterSeconds: 1 });
    const before = server.requests.length;
    await expect(impatient.login(wrong)).rejects.toBeInstanceOf(RateLimitError);
    expect(server.seenSince(before)).toEqual(['POST /oauth/token 429']);
  });
});
