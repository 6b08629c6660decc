import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { dialect } from '../../server/test/harness/index.js';
import { type FetchLike, MemoryTokenStore, NotLoggedInError, type TokenSet } from '../src/index.js';
import { clientFor, type LiveServer, OPERATOR, startServer } from './support.js';

const COOKIE = 'hearth_console_refresh';

let server: LiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface SentRequest {
  url: string;
  credentials: string | undefined;
  authorization: string | null;
  body: string | undefined;
}

/**
 * What a browser does for a page of the server's own origin, for the tests only (the SDK never
 * handles cookies): keeps the cookies the server sets (Path, Max-Age=0 deletes), sends them back
 * on matching paths when the request's credentials allow it, and names the page's origin.
 */
function browser(origin: string) {
  const jar = new Map<string, { value: string; path: string; attributes: string }>();
  const sent: SentRequest[] = [];
  const fetchLike: FetchLike = async (input, init) => {
    const url = new URL(input);
    const headers = new Headers(init.headers);
    sent.push({
      url: url.pathname,
      credentials: init.credentials,
      authorization: headers.get('authorization'),
      body: typeof init.body === 'string' ? init.body : undefined,
    });
    if (init.method !== 'GET' && init.method !== 'HEAD') headers.set('origin', origin);
    if (init.credentials === 'include' || init.credentials === 'same-origin' || !init.credentials) {
      const cookies = [...jar]
        .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(`${c.path}/`))
        .map(([name, c]) => `${name}=${c.value}`);
      if (cookies.length > 0) headers.set('cookie', cookies.join('; '));
    }
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...rest] = line.split(';').map((p) => p.trim());
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      const path = rest.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      if (rest.some((a) => /^max-age=0$/i.test(a))) jar.delete(name);
      else jar.set(name, { value, path, attributes: rest.join('; ') });
    }
    return response;
  };
  return { fetch: fetchLike, jar, sent };
}

function consoleClient(s: LiveServer, tab: ReturnType<typeof browser>, tokenStore = new MemoryTokenStore()) {
  return clientFor(s, { clientId: 'console', cookieSession: true, fetch: tab.fetch, tokenStore });
}

describe(`the console's cookie session against a real server (${dialect})`, () => {
  it('logs in with client_id=console in the body, keeps no refresh token, and the browser gets the HttpOnly cookie', async () => {
    server = await startServer();
    const tab = browser(server.url);
    const written: TokenSet[] = [];
    const store = new MemoryTokenStore();
    const client = consoleClient(server, tab, {
      get: () => store.get(),
      set: (tokens: TokenSet) => {
        written.push(tokens);
        store.set(tokens);
      },
      clear: () => store.clear(),
    } as MemoryTokenStore);
    const tokens = await client.login(OPERATOR);
    expect(tokens.accessToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens.refreshToken).toBeUndefined();
    expect(written).toEqual([tokens]);
    expect(JSON.stringify(written)).not.toContain(tab.jar.get(COOKIE)?.value ?? 'no cookie');

    const login = tab.sent.find((r) => r.url === '/oauth/token');
    expect(login?.credentials).toBe('include');
    expect(login?.authorization).toBeNull();
    expect(new URLSearchParams(login?.body).get('client_id')).toBe('console');
    expect(new URLSearchParams(login?.body).get('client_secret')).toBeNull();

    const cookie = tab.jar.get(COOKIE);
    expect(cookie?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(cookie?.path).toBe('/oauth');
    expect(cookie?.attributes).toContain('HttpOnly');
    expect(cookie?.attributes).toContain('SameSite=Strict');
    expect((await client.me()).username).toBe(OPERATOR.username);
    // API calls carry the bearer token, not the browser's credentials mode.
    expect(tab.sent.find((r) => r.url === '/api/v/1/users/me')?.credentials).toBeUndefined();
  });

  it('resumes the login in a new page from the cookie alone, and not without it', async () => {
    server = await startServer();
    const tab = browser(server.url);
    await consoleClient(server, tab).login(OPERATOR);

    const reloaded = consoleClient(server, tab);
    expect(await reloaded.resumeSession()).toBe(true);
    expect((await reloaded.me()).username).toBe(OPERATOR.username);
    const refresh = tab.sent.filter((r) => r.url === '/oauth/token').at(-1);
    expect(new URLSearchParams(refresh?.body).get('grant_type')).toBe('refresh_token');
    expect(new URLSearchParams(refresh?.body).has('refresh_token')).toBe(false);

    const stranger = consoleClient(server, browser(server.url));
    expect(await stranger.resumeSession()).toBe(false);
    await expect(stranger.me()).rejects.toBeInstanceOf(NotLoggedInError);
  });

  it('refreshes an expiring access token by itself, and once after a 401', async () => {
    server = await startServer({ HEARTH_ACCESS_TOKEN_TTL: '2' });
    const tab = browser(server.url);
    const client = consoleClient(server, tab);
    const first = await client.login(OPERATOR);
    await sleep(first.expiresAt - Date.now() + 100);
    const mark = server.requests.length;
    expect((await client.me()).username).toBe(OPERATOR.username);
    expect(server.seenSince(mark)).toEqual(['POST /oauth/token 200', 'GET /api/v/1/users/me 200']);

    // The server stops accepting the access token before its time: one refresh, then the call again.
    const { accessToken } = (await client.refresh()) as TokenSet;
    const revoked = await tab.fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: accessToken, client_id: 'console' }).toString(),
      credentials: 'omit',
    });
    expect(revoked.status).toBe(200);
    const again = server.requests.length;
    expect((await client.me()).username).toBe(OPERATOR.username);
    expect(server.seenSince(again)).toEqual([
      'GET /api/v/1/users/me 401',
      'POST /oauth/token 200',
      'GET /api/v/1/users/me 200',
    ]);
  });

  it('logs out: the access token, the cookie and every page of the login end', async () => {
    server = await startServer();
    const tab = browser(server.url);
    const client = consoleClient(server, tab);
    await client.login(OPERATOR);
    const otherPage = consoleClient(server, tab);
    expect(await otherPage.resumeSession()).toBe(true);

    await client.logout();
    const revoke = tab.sent.find((r) => r.url === '/oauth/revoke');
    expect(revoke?.credentials).toBe('include');
    expect(revoke?.authorization).toBeNull();
    expect(tab.jar.has(COOKIE)).toBe(false);
    await expect(client.me()).rejects.toBeInstanceOf(NotLoggedInError);

    expect(await consoleClient(server, tab).resumeSession()).toBe(false);
    // The other page's access token belonged to the same login: refused, and no cookie to refresh with.
    await expect(otherPage.me()).rejects.toBeInstanceOf(NotLoggedInError);
  });

  it('logs out a login it has not resumed yet', async () => {
    server = await startServer();
    const tab = browser(server.url);
    await consoleClient(server, tab).login(OPERATOR);
    await consoleClient(server, tab).logout();
    expect(tab.jar.has(COOKIE)).toBe(false);
    expect(await consoleClient(server, tab).resumeSession()).toBe(false);
  });

  it('treats a refused cookie as logged out: tokens forgotten, NotLoggedInError, the cookie cleared', async () => {
    server = await startServer();
    const tab = browser(server.url);
    const client = consoleClient(server, tab);
    await client.login(OPERATOR);
    tab.jar.set(COOKIE, { value: 'spent-or-forged', path: '/oauth', attributes: '' });
    await expect(client.refresh()).rejects.toBeInstanceOf(NotLoggedInError);
    expect(tab.jar.has(COOKIE)).toBe(false);
    await expect(client.me()).rejects.toBeInstanceOf(NotLoggedInError);
    expect(await client.resumeSession()).toBe(false);
  });
});
