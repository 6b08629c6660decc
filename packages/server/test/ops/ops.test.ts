import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { errorCatalogue, problemType } from '../../src/http/errors.js';
import {
  BASIC_TRUSTED,
  bearer,
  createTestDatabase,
  dialect,
  login,
  OPERATOR,
  startTestApp,
  type TestApp,
  type TestDatabase,
  testEnv,
} from '../harness/index.js';

/** The value of one sample of a Prometheus counter, or 0 if it has not been seen. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((l) => present.includes(l))) return Number(match[3]);
  }
  return 0;
}

/** Every `$ref` in the document, to check each one resolves. */
function refsOf(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refsOf(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsOf(value, found);
    }
  }
  return found;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe(`operations endpoints on ${dialect}`, () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = (await login(t.app)).access_token;
  });
  afterAll(async () => t.close());

  it('GET /healthz is 200', async () => {
    const response = await t.app.inject({ url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 while the database answers', async () => {
    const response = await t.app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', database: dialect });
  });

  it('GET /metrics is Prometheus text that counts requests by route and status', async () => {
    const before = sample((await t.app.inject({ url: '/metrics' })).body, 'hearth_http_requests_total', {
      method: 'GET',
      route: '/api/v/1/users/me',
      status: '200',
    });
    expect((await t.app.inject({ url: '/api/v/1/users/me', headers: bearer(token) })).statusCode).toBe(200);
    await t.app.inject({ url: '/no/such/route/12345' });

    const response = await t.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('# TYPE hearth_http_requests_total counter');
    expect(response.body).toContain('# TYPE hearth_http_request_duration_seconds histogram');
    const labels = { method: 'GET', route: '/api/v/1/users/me', status: '200' };
    expect(sample(response.body, 'hearth_http_requests_total', labels)).toBe(before + 1);
    // Unknown URLs share one label, so a scanner cannot blow up the series count.
    expect(response.body).not.toContain('/no/such/route/12345');
    expect(
      sample(response.body, 'hearth_http_requests_total', { route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(response.body, 'hearth_http_requests_total', { route: '/oauth/token', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('serves an OpenAPI 3 document at /api/v/1/openapi.json without a token', async () => {
    const response = await t.app.inject({ url: '/api/v/1/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const spec = response.json();
    expect(spec.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(typeof spec.info.title).toBe('string');
    expect(typeof spec.info.version).toBe('string');

    const me = spec.paths['/api/v/1/users/me'];
    expect(me.get.responses['200']).toBeDefined();
    expect(me.get.security).toEqual([{ bearer: [] }]);
    const token = spec.paths['/oauth/token'];
    expect(Object.keys(token.post.requestBody.content)).toContain('application/x-www-form-urlencoded');
    expect(spec.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });

    for (const [route, item] of Object.entries<Record<string, { responses?: object }>>(spec.paths)) {
      expect(route.startsWith('/')).toBe(true);
      for (const [method, operation] of Object.entries(item)) {
        expect(HTTP_METHODS, `${route} ${method}`).toContain(method);
        expect(Object.keys(operation.responses ?? {}).length, `${route} ${method}`).toBeGreaterThan(0);
      }
    }
    // The operations endpoints are not API resources and stay out of the document.
    expect(spec.paths['/healthz']).toBeUndefined();
    for (const ref of refsOf(spec)) {
      expect(ref.startsWith('#/'), ref).toBe(true);
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], spec);
      expect(target, ref).toBeDefined();
    }
  });

  it('serves a browsable HTML docs page at /docs, which loads the same document', async () => {
    let url = '/docs';
    let response = await t.app.inject({ url });
    for (let hops = 0; response.statusCode >= 300 && response.statusCode < 400 && hops < 5; hops++) {
      url = new URL(String(response.headers.location), `http://localhost${url}`).pathname;
      response = await t.app.inject({ url });
    }
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<html/i);
    expect(response.body).toMatch(/swagger/i);
    const docSpec = (await t.app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(docSpec.paths)).toContain('/api/v/1/users/me');
  });

  it('GET /errors lists every error code of the catalogue, each at the anchor problem types link to', async () => {
    const response = await t.app.inject({ url: '/errors' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    for (const [code, { status }] of Object.entries(errorCatalogue)) {
      const anchor = problemType(code as keyof typeof errorCatalogue).split('#')[1];
      expect(response.body).toContain(`<tr id="${anchor}"><td><code>${code}</code></td><td>${status}</td>`);
    }
    // And a problem's type really points there.
    const problem = (await t.app.inject({ url: '/nope' })).json();
    expect(problem.type).toBe('/errors#route-not-found');
    expect(response.body).toContain('id="route-not-found"');
  });
});

describe(`readiness when the database is gone, on ${dialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('GET /readyz turns 503 once the database is closed, while /healthz stays 200', async () => {
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await t.app.ctx.database.close();
    const response = await t.app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', database: dialect });
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});

/** Captures what the server logs, one parsed JSON object per line. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  get entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line));
  }
}

describe(`structured logs on ${dialect}`, () => {
  let db: TestDatabase;
  const apps: FastifyInstance[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
  });

  async function appLoggingTo(logs: LogCapture, logger: Record<string, unknown> = {}) {
    const config = loadConfig(testEnv(db, { LOG_LEVEL: 'info' }));
    const app = await buildApp(config, { logger: { stream: logs, ...logger } });
    apps.push(app);
    await app.ctx.services.users.ensureOperator(OPERATOR.username, OPERATOR.password);
    return app;
  }

  it('writes one JSON object per line for each request, and never a credential', async () => {
    const logs = new LogCapture();
    const app = await appLoggingTo(logs);
    const tokens = await login(app);
    const me = await app.inject({ url: '/api/v/1/users/me?probe=1', headers: bearer(tokens.access_token) });
    expect(me.statusCode).toBe(200);
    await app.inject({ url: '/api/v/1/nope', headers: bearer(tokens.access_token) });
    const failed = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=password&username=${OPERATOR.username}&password=wrong-password-123`,
    });
    expect(failed.statusCode).toBe(400);

    const entries = logs.entries; // throws if any line is not JSON
    const incoming = entries.find(
      (e) => (e.req as { url?: string } | undefined)?.url === '/api/v/1/users/me?probe=1',
    );
    expect(incoming).toMatchObject({ level: 30, reqId: me.headers['x-request-id'], req: { method: 'GET' } });
    expect(entries).toContainEqual(
      expect.objectContaining({ reqId: me.headers['x-request-id'], res: { statusCode: 200 } }),
    );

    for (const secret of [
      tokens.access_token,
      tokens.refresh_token as string,
      OPERATOR.password,
      'wrong-password-123',
      BASIC_TRUSTED.split(' ')[1] as string,
      'Bearer',
    ]) {
      expect(logs.text).not.toContain(secret);
    }
  });

  it('redacts the Authorization header even where a logger is told to log headers', async () => {
    const logs = new LogCapture();
    const app = await appLoggingTo(logs, {
      serializers: {
        req: (request: { method: string; url: string; headers: Record<string, string> }) => ({
          method: request.method,
          url: request.url,
          headers: request.headers,
        }),
      },
    });
    const { access_token } = await login(app);
    await app.inject({ url: '/api/v/1/users/me', headers: { ...bearer(access_token), 'x-probe': 'seen' } });

    expect(logs.text).toContain('"x-probe":"seen"');
    expect(logs.text).toContain('"authorization":"[Redacted]"');
    expect(logs.text).not.toContain(access_token);
    expect(logs.text).not.toContain(BASIC_TRUSTED.split(' ')[1]);
  });
});
