import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialect } from '../../server/test/harness/index.js';
import {
  ApiVersionGoneError,
  type FetchLike,
  HearthApiError,
  HearthClient,
  MemoryTokenStore,
  NotFoundError,
  RedirectError,
  type VersionMove,
  type VersionStore,
} from '../src/index.js';
import { clientFor, type LiveServer, OPERATOR, operatorClient, startServer, unique } from './support.js';

/** A VersionStore that is not the SDK's: a plain object, as a browser app might keep in localStorage. */
function objectStore(): VersionStore & { data: Record<string, string> } {
  const data: Record<string, string> = {};
  return {
    data,
    get: (server, prefix) => data[`${server}|${prefix}`],
    set: (server, prefix, movedTo) => {
      data[`${server}|${prefix}`] = movedTo;
    },
  };
}

describe(`a server that moved v1 to v2 (${dialect})`, () => {
  let server: LiveServer;
  let tokens: MemoryTokenStore;

  beforeEach(async () => {
    server = await startServer({ HEARTH_API_VERSIONS: '1=moved:2,2=current' });
    // One login shared by the fresh clients below: /oauth/token is not versioned, so it moves nothing.
    tokens = new MemoryTokenStore();
    await clientFor(server, { tokenStore: tokens }).login(OPERATOR);
  });
  afterEach(async () => server.close());

  /** A client that has not seen the move yet, logged in as the operator. */
  const fresh = (versionStore?: VersionStore) =>
    clientFor(server, { tokenStore: tokens, ...(versionStore ? { versionStore } : {}) });

  const newAgent = async (client: HearthClient) =>
    client.agents.create({
      name: `Moved ${unique()}`,
      adminEmail: `a-${unique()}@example.com`,
      adminName: 'Ann',
    });

  it('POST is re-sent to v2 with its body, and the next POST goes straight to v2', async () => {
    const client = fresh();
    const mark = server.requests.length;
    const name = `Warm Homes ${unique()}`;
    const created = await client.agents.create({
      name,
      adminEmail: 'warm@example.com',
      adminName: 'Alice Smith',
    });
    expect(created.name).toBe(name);
    expect(created.adminInvitation.email).toBe('warm@example.com');
    const second = await client.agents.create({
      name: `${name} 2`,
      adminEmail: 'w2@example.com',
      adminName: 'Bo',
    });
    expect(second.name).toBe(`${name} 2`);
    expect(server.seenSince(mark)).toEqual([
      'POST /api/v/1/agents 301',
      'POST /api/v/2/agents 201',
      'POST /api/v/2/agents 201',
    ]);
    expect(await client.versionPrefix()).toBe('/api/v/2');
  });

  it('PUT is re-sent to v2 with its body, and the next PUT goes straight to v2', async () => {
    const agent = await newAgent(fresh());
    const client = fresh();
    const mark = server.requests.length;
    const renamed = await client.agents.update(agent.id, { name: 'Renamed Ltd' });
    expect(renamed.name).toBe('Renamed Ltd');
    const suspended = await client.agents.suspend(agent.id);
    expect(suspended.status).toBe('suspended');
    expect(server.seenSince(mark)).toEqual([
      `PUT /api/v/1/agents/${agent.id} 301`,
      `PUT /api/v/2/agents/${agent.id} 200`,
      `PUT /api/v/2/agents/${agent.id} 200`,
    ]);
    expect((await client.agents.get(agent.id)).name).toBe('Renamed Ltd');
  });

  it('DELETE is re-sent to v2 as a DELETE, and the next call goes straight to v2', async () => {
    const agent = await newAgent(fresh());
    const client = fresh();
    const mark = server.requests.length;
    await client.agents.delete(agent.id);
    await expect(client.agents.get(agent.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(server.seenSince(mark)).toEqual([
      `DELETE /api/v/1/agents/${agent.id} 301`,
      `DELETE /api/v/2/agents/${agent.id} 204`,
      `GET /api/v/2/agents/${agent.id} 404`,
    ]);
  });

  it('GET is re-sent to v2 with its query, and the next GET goes straight to v2', async () => {
    const agent = await newAgent(fresh());
    const client = fresh();
    const mark = server.requests.length;
    const found = await client.agents.list({ q: agent.name }).toArray();
    expect(found.map((a) => a.id)).toEqual([agent.id]);
    expect((await client.agents.get(agent.id)).name).toBe(agent.name);
    const query = `q=${encodeURIComponent(agent.name).replaceAll('%20', '+')}`;
    expect(server.seenSince(mark)).toEqual([
      `GET /api/v/1/agents?${query} 301`,
      `GET /api/v/2/agents?${query} 200`,
      `GET /api/v/2/agents/${agent.id} 200`,
    ]);
  });

  it('remembers the move in a pluggable store: another client with the same store goes straight to v2', async () => {
    const store = objectStore();
    const moves: VersionMove[] = [];
    await clientFor(server, {
      tokenStore: tokens,
      versionStore: store,
      onVersionMoved: (m) => moves.push(m),
    }).me();
    expect(store.data).toEqual({ [`${server.url}|/api/v/1`]: '/api/v/2' });
    expect(moves).toEqual([{ server: server.url, from: '/api/v/1', to: '/api/v/2' }]);

    const mark = server.requests.length;
    expect((await fresh(store).me()).username).toBe(OPERATOR.username);
    expect(server.seenSince(mark)).toEqual(['GET /api/v/2/users/me 200']);
  });

  it('follows the move in a browser, where fetch hides a manual redirect (opaqueredirect)', async () => {
    // What a browser's fetch does: a manual redirect is an opaque answer with no status and no
    // Location; redirect: 'follow' keeps HEAD and reports the final URL.
    const browserFetch: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (init.redirect === 'manual' && response.status >= 300 && response.status < 400) {
        return {
          type: 'opaqueredirect',
          status: 0,
          ok: false,
          headers: new Headers(),
          body: null,
        } as Response;
      }
      return response;
    };
    const client = clientFor(server, { tokenStore: tokens, fetch: browserFetch });
    const mark = server.requests.length;
    const name = `Browser ${unique()}`;
    const created = await client.agents.create({ name, adminEmail: 'b@example.com', adminName: 'Bea' });
    expect(created.name).toBe(name);
    expect(server.seenSince(mark)).toEqual([
      'POST /api/v/1/agents 301',
      'HEAD /api/v/1/openapi.json 301',
      'HEAD /api/v/2/openapi.json 200',
      'POST /api/v/2/agents 201',
    ]);
    expect(await client.versionPrefix()).toBe('/api/v/2');
  });
});

describe(`a server that retired v1 (${dialect})`, () => {
  let server: LiveServer;
  beforeEach(async () => {
    server = await startServer({ HEARTH_API_VERSIONS: '1=retired,2=current' });
  });
  afterEach(async () => server.close());

  it('raises ApiVersionGoneError with the server explanation and upgrade advice, without retrying', async () => {
    const client = await operatorClient(server, { apiVersion: 1 });
    const mark = server.requests.length;
    const error = await client.agents
      .list()
      .toArray()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiVersionGoneError);
    expect(error).toBeInstanceOf(HearthApiError);
    const gone = error as ApiVersionGoneError;
    expect(gone.status).toBe(410);
    expect(gone.code).toBe('api_version_retired');
    expect(gone.retiredVersion).toBe(1);
    expect(gone.currentVersions).toEqual([2]);
    expect(gone.upgrade).toBe('/api/v/2/agents');
    expect(gone.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(gone.detail).toContain('API version 1 has been retired');
    expect(gone.message).toContain('retired API version 1');
    expect(gone.message).toContain('Upgrade @hearth/client');
    expect(server.seenSince(mark)).toEqual(['GET /api/v/1/agents 410']);

    // A client for the current version works against the same server and login.
    const current = await operatorClient(server, { apiVersion: 2 });
    expect((await current.me()).username).toBe(OPERATOR.username);
  });
});

describe('redirect limits', () => {
  let loop: Server;
  let base = '';
  let hits = 0;
  beforeEach(async () => {
    hits = 0;
    // A server that redirects every request to the next version, for ever.
    loop = createServer((request, response) => {
      hits++;
      const next = Number(/\/api\/v\/(\d+)/.exec(request.url ?? '')?.[1] ?? 1) + 1;
      response.writeHead(301, { location: `/api/v/${next}/users/me` }).end();
    });
    await new Promise<void>((resolve) => loop.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(loop.address() as AddressInfo).port}`;
  });
  afterEach(async () => new Promise<void>((resolve) => loop.close(() => resolve())));

  it('gives up after maxRedirects hops with a RedirectError', async () => {
    const client = new HearthClient({ baseUrl: base, tokenStore: new MemoryTokenStore(tokenFor()) });
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectError);
    expect((error as RedirectError).message).toContain('Gave up after 5 redirects');
    expect(hits).toBe(6);
  });
});

function tokenFor() {
  const now = Date.now();
  return { accessToken: 'token', expiresAt: now + 3_600_000, issuedAt: now };
}
