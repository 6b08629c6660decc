import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../../server/test/harness/index.js';
import {
  AuthenticationError,
  ConflictError,
  HearthApiError,
  HearthConnectionError,
  InvalidRequestError,
  MemoryTokenStore,
  NotFoundError,
  NotLoggedInError,
  PermissionError,
  PreconditionFailedError,
  RateLimitError,
  ServerError,
} from '../src/index.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  OPERATOR,
  operatorClient,
  startServer,
} from './support.js';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe(`typed errors from a real server (${dialect})`, () => {
  it('404: NotFoundError with code, status, detail and the request id the server sent', async () => {
    const client = await operatorClient(server);
    const error = (await client.agents.get(UNKNOWN_ID).catch((e: unknown) => e)) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(HearthApiError);
    expect(error.status).toBe(404);
    expect(error.code).toBe('not_found');
    expect(error.detail).toBeTruthy();
    expect(error.message).toBe(error.detail);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.requestId).toBe(error.headers.get('x-request-id'));
    expect(error.method).toBe('GET');
  });

  it('400: InvalidRequestError naming each refused field', async () => {
    const client = await operatorClient(server);
    const error = (await client.agents
      .create({ name: 'Valid name', adminEmail: 'not an email', adminName: 'Ann' })
      .catch((e: unknown) => e)) as InvalidRequestError;
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.code).toBe('validation_failed');
    expect(error.errors).toEqual([expect.objectContaining({ field: '/body/adminEmail' })]);
  });

  it('403: PermissionError when the role may not; 409: ConflictError; 412: PreconditionFailedError', async () => {
    const operator = await operatorClient(server);
    const { admin, agentId } = await createAgentWithAdmin(server, operator);
    const adminClient = clientFor(server);
    await adminClient.login(admin);

    const forbidden = await adminClient.agents
      .list()
      .toArray()
      .catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(PermissionError);
    expect((forbidden as PermissionError).code).toBe('forbidden');

    // The agent's last enabled admin cannot be deleted.
    const conflict = await operator.users.delete(admin.id).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).status).toBe(409);

    const { etag } = await operator.request('get', '/agents/{id}', { params: { id: agentId } });
    expect(etag).toMatch(/^"/);
    await operator.agents.update(agentId, { name: 'Changed meanwhile' });
    const stale = await operator.agents.update(agentId, { name: 'Mine' }, { ifMatch: etag }).catch((e) => e);
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect((stale as PreconditionFailedError).code).toBe('precondition_failed');
  });

  it('401: AuthenticationError for a token the server does not know; NotLoggedInError without a login', async () => {
    const now = Date.now();
    const bogus = clientFor(server, {
      tokenStore: new MemoryTokenStore({ accessToken: UNKNOWN_ID, expiresAt: now + 60_000, issuedAt: now }),
    });
    const error = await bogus.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_token');
    expect((error as AuthenticationError).status).toBe(401);

    const mark = server.requests.length;
    await expect(clientFor(server).me()).rejects.toBeInstanceOf(NotLoggedInError);
    expect(server.requests.length).toBe(mark);
  });
});

/**
 * A loopback proxy in front of the real server that misbehaves for the first `failures` requests of
 * a method: answers 503, or drops the connection without answering.
 */
async function flakyProxy(
  target: string,
  mode: '503' | 'drop',
  failures: number,
): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  let failed = 0;
  const proxy: Server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    if (failed < failures && request.url?.startsWith('/api/')) {
      failed++;
      if (mode === 'drop') {
        request.socket.destroy();
        return;
      }
      response.writeHead(503, { 'content-type': 'application/problem+json', 'x-request-id': 'proxy' });
      response.end(JSON.stringify({ status: 503, code: 'unavailable', detail: 'Try again shortly' }));
      return;
    }
    const forward = httpRequest(
      `${target}${request.url}`,
      { method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

describe(`retries (${dialect})`, () => {
  const loggedIn = async (url: string) => {
    const tokens = new MemoryTokenStore();
    await clientFor(server, { tokenStore: tokens }).login(OPERATOR);
    return clientFor(server, { baseUrl: url, tokenStore: tokens, maxRetries: 2 });
  };

  it('retries an idempotent GET after 503s, then succeeds', async () => {
    const proxy = await flakyProxy(server.url, '503', 2);
    try {
      const client = await loggedIn(proxy.url);
      expect((await client.me()).username).toBe(OPERATOR.username);
      expect(proxy.seen).toEqual(['GET /api/v/1/users/me', 'GET /api/v/1/users/me', 'GET /api/v/1/users/me']);
    } finally {
      await proxy.close();
    }
  });

  it('does not retry a POST after a 503: it raises ServerError', async () => {
    const proxy = await flakyProxy(server.url, '503', 1);
    try {
      const client = await loggedIn(proxy.url);
      const error = await client.agents
        .create({ name: 'Once only', adminEmail: 'once@example.com', adminName: 'Ann' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).status).toBe(503);
      expect(proxy.seen).toEqual(['POST /api/v/1/agents']);
    } finally {
      await proxy.close();
    }
  });

  it('retries an idempotent GET after a dropped connection; a POST raises HearthConnectionError', async () => {
    const proxy = await flakyProxy(server.url, 'drop', 2);
    try {
      const client = await loggedIn(proxy.url);
      expect((await client.me()).username).toBe(OPERATOR.username);
      expect(proxy.seen).toHaveLength(3);

      const dropping = await flakyProxy(server.url, 'drop', 1);
      try {
        const posting = await loggedIn(dropping.url);
        const error = await posting.agents
          .create({ name: 'Maybe sent', adminEmail: 'maybe@example.com', adminName: 'Ann' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HearthConnectionError);
        expect((error as HearthConnectionError).code).toBe('connection_failed');
        expect(dropping.seen).toEqual(['POST /api/v/1/agents']);
      } finally {
        await dropping.close();
      }
    } finally {
      await proxy.close();
    }
  });

  it('gives up with HearthConnectionError when the server cannot be reached at all', async () => {
    const proxy = await flakyProxy(server.url, 'drop', 0);
    const url = proxy.url;
    await proxy.close(); // nothing listens there any more
    const client = clientFor(server, {
      baseUrl: url,
      tokenStore: new MemoryTokenStore({
        accessToken: UNKNOWN_ID,
        expiresAt: Date.now() + 60_000,
        issuedAt: 0,
      }),
    });
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HearthConnectionError);
    expect((error as Error).message).toContain('tried 3 times');
  });
});

describe(`a real server's rate limit (${dialect})`, () => {
  let limited: LiveServer;
  beforeAll(async () => {
    limited = await startServer({ HEARTH_RATE_LIMIT: '3' });
  });
  afterAll(async () => limited.close());

  it('429 past HEARTH_RATE_LIMIT: RateLimitError with the code and the server’s Retry-After', async () => {
    // A client that will not wait the rest of the minute (the default waits up to 30 s and retries).
    const client = clientFor(limited, { maxRetryAfterSeconds: 0 });
    await client.login(OPERATOR);
    for (let i = 0; i < 3; i++) await client.me();
    const error = (await client.me().catch((e: unknown) => e)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.status).toBe(429);
    expect(error.code).toBe('too_many_requests');
    expect(error.retryAfter).toBeGreaterThanOrEqual(1);
    expect(error.retryAfter).toBeLessThanOrEqual(60);
    expect(error.message).toContain('More than 3 requests in a minute');
  });
});
