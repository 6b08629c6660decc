import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createTestDatabase,
  dialect,
  expectProblem,
  login,
  startTestApp,
  type TestApp,
  type TestDatabase,
} from '../harness/index.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
const WRITES = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** A request with a JSON body where the method has one: versioning must answer before the body matters. */
const withBody = (method: string) =>
  WRITES.has(method)
    ? { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x' }) }
    : {};

// One database for the file; each server below is configured with a different version policy.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

describe(`moved version (1=moved:2,2=current) on ${dialect}`, () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ HEARTH_API_VERSIONS: '1=moved:2,2=current' }, db);
    token = (await login(t.app)).access_token;
  });
  afterAll(async () => t.close());

  it.each(METHODS)('%s under /api/v/1 is 301 to the same path and query under /api/v/2', async (method) => {
    const response = await t.app.inject({ method, url: '/api/v/1/users/me?x=1&y=2', ...withBody(method) });
    expect(response.statusCode).toBe(301);
    expect(response.headers.location).toBe('/api/v/2/users/me?x=1&y=2');
  });

  it('redirects before authentication, body parsing or routing', async () => {
    // With a token, with a body no route would accept, and on a path that does not exist under v2.
    const withToken = await t.app.inject({ url: '/api/v/1/users/me', headers: bearer(token) });
    expect(withToken.statusCode).toBe(301);
    expect(withToken.headers.location).toBe('/api/v/2/users/me');

    const oddBody = await t.app.inject({
      method: 'PUT',
      url: '/api/v/1/users/me',
      headers: { 'content-type': 'text/plain' },
      payload: 'not json',
    });
    expect(oddBody.statusCode).toBe(301);

    const deep = await t.app.inject({ method: 'POST', url: '/api/v/1/homes/42/meters?since=2024-01-01' });
    expect(deep.statusCode).toBe(301);
    expect(deep.headers.location).toBe('/api/v/2/homes/42/meters?since=2024-01-01');
  });

  it('serves the resource under /api/v/2', async () => {
    const response = await t.app.inject({ url: '/api/v/2/users/me', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ username: 'operator', role: 'operator' });
  });

  it('a real HTTP client that follows the redirect reaches v2 with its token', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const response = await fetch(`http://127.0.0.1:${port}/api/v/1/users/me?x=1`, {
      headers: bearer(token),
    });
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`http://127.0.0.1:${port}/api/v/2/users/me?x=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ username: 'operator' });
  });
});

describe(`retired version (1=retired,2=current) on ${dialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ HEARTH_API_VERSIONS: '1=retired,2=current' }, db);
  });
  afterAll(async () => t.close());

  it.each(METHODS.filter((m) => m !== 'HEAD'))(
    '%s under /api/v/1 is 410 Gone with a problem saying it is retired and how to upgrade',
    async (method) => {
      const response = await t.app.inject({ method, url: '/api/v/1/users/me?x=1', ...withBody(method) });
      const body = expectProblem(response, 410, 'api_version_retired');
      expect(body.detail).toMatch(/retired/);
      expect(body.detail).toContain('/api/v/2/users/me');
      expect(body.detail).toMatch(/upgrade/i);
      expect(body.upgrade).toBe('/api/v/2/users/me');
      expect(body.currentVersions).toEqual([2]);
    },
  );

  it('HEAD under /api/v/1 is 410 too', async () => {
    const response = await t.app.inject({ method: 'HEAD', url: '/api/v/1/users/me' });
    expect(response.statusCode).toBe(410);
  });

  it('every version below the lowest current one is retired, even one never configured', async () => {
    expectProblem(await t.app.inject({ url: '/api/v/0/users/me' }), 410, 'api_version_retired');
  });

  it('v2 answers', async () => {
    const { access_token } = await login(t.app);
    const response = await t.app.inject({ url: '/api/v/2/users/me', headers: bearer(access_token) });
    expect(response.statusCode).toBe(200);
  });
});

describe(`default policy (1=current) on ${dialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, db);
  });
  afterAll(async () => t.close());

  it('/api/v/0 is 410: below the lowest current version', async () => {
    const body = expectProblem(await t.app.inject({ url: '/api/v/0/users/me' }), 410, 'api_version_retired');
    expect(body.detail).toContain('/api/v/1/users/me');
  });

  it.each(['/api/v/99/users/me', '/api/v/2/users/me', '/api/v/abc/x', '/api/v/-1/users/me', '/api/v/'])(
    '%s is 404: a version that never existed',
    async (url) => {
      const body = expectProblem(await t.app.inject({ url }), 404, 'api_version_unknown');
      expect(body.detail).toContain('/api/v/1');
    },
  );

  it('a version that never existed is 404 whatever the method', async () => {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const response = await t.app.inject({ method, url: '/api/v/99/users/me', ...withBody(method) });
      expectProblem(response, 404, 'api_version_unknown');
    }
  });

  it('/api/v/1 answers', async () => {
    const { access_token } = await login(t.app);
    const response = await t.app.inject({ url: '/api/v/1/users/me', headers: bearer(access_token) });
    expect(response.statusCode).toBe(200);
  });
});

describe(`two current versions (1=current,2=current) on ${dialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ HEARTH_API_VERSIONS: '1=current,2=current' }, db);
  });
  afterAll(async () => t.close());

  it('serves the same route under both, to the same token', async () => {
    const { access_token } = await login(t.app);
    const v1 = await t.app.inject({ url: '/api/v/1/users/me', headers: bearer(access_token) });
    const v2 = await t.app.inject({ url: '/api/v/2/users/me', headers: bearer(access_token) });
    expect(v1.statusCode).toBe(200);
    expect(v2.statusCode).toBe(200);
    expect(v2.json()).toEqual(v1.json());
    expect(v1.json()).toMatchObject({ username: 'operator' });
  });

  it('guards both with bearer authentication', async () => {
    for (const url of ['/api/v/1/users/me', '/api/v/2/users/me']) {
      expectProblem(await t.app.inject({ url }), 401, 'unauthenticated');
    }
  });

  it('/api/v/0 is retired and /api/v/3 unknown', async () => {
    expectProblem(await t.app.inject({ url: '/api/v/0/users/me' }), 410, 'api_version_retired');
    expectProblem(await t.app.inject({ url: '/api/v/3/users/me' }), 404, 'api_version_unknown');
  });
});
