import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createHttpServer } from '../../src/http/server.js';
import { bearer, dialect, expectProblem, login, startTestApp, type TestApp } from '../harness/index.js';

const JSON_TYPE = { 'content-type': 'application/json' };

describe(`the platform's HTTP behaviour on ${dialect}`, () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = (await login(t.app)).access_token;
  });
  afterAll(async () => t.close());

  it('answers errors as problem+json whose requestId is the x-request-id header', async () => {
    const unauthenticated = await t.app.inject({ url: '/api/v/1/users/me' });
    const body = expectProblem(unauthenticated, 401, 'unauthenticated');
    expect(body.instance).toBe('/api/v/1/users/me');
    expect(body.type).toBe('/errors#unauthenticated');
  });

  it('gives each request its own id, and ignores one the client sends', async () => {
    const a = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'forged\nline' } });
    const b = await t.app.inject({ url: '/healthz' });
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('answers an unknown route with 404 problem+json', async () => {
    for (const url of ['/nope', '/api/v/1/nope', '/api/v/1/nope/deeper', '/healthz/x']) {
      const body = expectProblem(await t.app.inject({ url, headers: bearer(token) }), 404, 'route_not_found');
      expect(body.detail).toContain(url);
    }
    const post = await t.app.inject({ method: 'POST', url: '/nope', headers: JSON_TYPE, payload: '{}' });
    expectProblem(post, 404, 'route_not_found');
  });

  it('answers a known path with the wrong method with 405 and an Allow header', async () => {
    // Paths that only answer GET (and HEAD), whatever resources other features add.
    const cases = [
      { method: 'DELETE', url: '/api/v/1/openapi.json', headers: bearer(token) },
      {
        method: 'PUT',
        url: '/api/v/1/openapi.json',
        headers: { ...bearer(token), ...JSON_TYPE },
        payload: '{}',
      },
      { method: 'POST', url: '/healthz' },
      { method: 'DELETE', url: '/metrics' },
      { method: 'PATCH', url: '/errors', headers: JSON_TYPE, payload: '{}' },
    ] as const;
    for (const request of cases) {
      const response = await t.app.inject(request);
      const body = expectProblem(response, 405, 'method_not_allowed');
      expect(response.headers.allow).toBe('GET, HEAD');
      expect(body.detail).toContain(request.method);
    }
    const token405 = await t.app.inject({ method: 'GET', url: '/oauth/token' });
    expectProblem(token405, 405, 'method_not_allowed');
    expect(token405.headers.allow).toBe('POST');
  });

  it('answers HEAD wherever GET works, with the headers and no body', async () => {
    const get = await t.app.inject({ url: '/api/v/1/users/me', headers: bearer(token) });
    const head = await t.app.inject({ method: 'HEAD', url: '/api/v/1/users/me', headers: bearer(token) });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);

    for (const url of ['/healthz', '/readyz', '/metrics', '/errors', '/api/v/1/openapi.json']) {
      const response = await t.app.inject({ method: 'HEAD', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe('');
    }
  });

  it('HEAD on the API needs a token like GET does', async () => {
    const response = await t.app.inject({ method: 'HEAD', url: '/api/v/1/users/me' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="hearth"/);
  });

  it('refuses a URL with invalid percent-encoding with 400 problem+json, never a 500', async () => {
    for (const url of ['/%E0%A4%A', '/api/v/1/users/%zz', '/api/v/1/users/me%', '/healthz%C0']) {
      const body = expectProblem(await t.app.inject({ url, headers: bearer(token) }), 400, 'bad_request');
      expect(body.detail).toMatch(/URL/);
    }
  });

  it('survives hostile query strings', async () => {
    for (const query of [
      '?a=%zz',
      '?__proto__[x]=1',
      '?constructor.prototype.x=1',
      `?${'a='.repeat(2000)}`,
    ]) {
      const response = await t.app.inject({ url: `/api/v/1/users/me${query}`, headers: bearer(token) });
      expect(response.statusCode, query).toBe(200);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('does not send HSTS over plain HTTP', async () => {
    const response = await t.app.inject({ url: '/healthz' });
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });
});

/**
 * JSON bodies. The platform has no JSON-body API route yet (POST /oauth/token answers in RFC 6749's
 * format, not problem+json), so a test route is added to the same HTTP server buildApp starts from
 * (createHttpServer: same Ajv options, content-type parsers, body limit and problem handlers).
 */
describe('JSON request bodies', () => {
  const BODY_LIMIT = 65_536;
  let app: FastifyInstance;
  beforeAll(async () => {
    const config = loadConfig({ HEARTH_BODY_LIMIT: String(BODY_LIMIT), LOG_LEVEL: 'silent' });
    app = createHttpServer(config);
    const Thing = Type.Object(
      {
        name: Type.String({ minLength: 1 }),
        count: Type.Integer({ minimum: 0 }),
        tags: Type.Optional(Type.Array(Type.String())),
        meta: Type.Optional(
          Type.Object({ note: Type.Optional(Type.String()) }, { additionalProperties: false }),
        ),
        extra: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: false },
    );
    app.post('/things', { schema: { body: Thing } }, async (request) => {
      const body = request.body as { name: string; count: number; tags?: string[] };
      return { name: body.name, count: body.count, tags: body.tags ?? [] };
    });
    await app.ready();
  });
  afterAll(async () => app.close());

  const post = (payload: string, headers: Record<string, string> = JSON_TYPE) =>
    app.inject({ method: 'POST', url: '/things', headers, payload });

  it('accepts a valid body', async () => {
    const response = await post(JSON.stringify({ name: 'boiler', count: 2, tags: ['a'] }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'boiler', count: 2, tags: ['a'] });
    const withCharset = await post('{"name":"x","count":0}', {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(withCharset.statusCode).toBe(200);
  });

  it('refuses unknown fields with 400 naming them, rather than dropping them', async () => {
    const top = expectProblem(
      await post(JSON.stringify({ name: 'x', count: 1, role: 'operator' })),
      400,
      'validation_failed',
    );
    expect(top.errors).toEqual([{ field: '/body/role', message: 'is not a known field' }]);
    expect(top.detail).toContain('/body/role');

    const nested = expectProblem(
      await post(JSON.stringify({ name: 'x', count: 1, meta: { note: 'n', admin: true } })),
      400,
      'validation_failed',
    );
    expect(nested.errors).toEqual([{ field: '/body/meta/admin', message: 'is not a known field' }]);
  });

  it('refuses wrong types and missing fields with 400 naming each field', async () => {
    const wrong = expectProblem(
      await post(JSON.stringify({ name: { first: 'x' }, count: 'many', tags: [{}] })),
      400,
      'validation_failed',
    );
    const fields = wrong.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['/body/name', '/body/count', '/body/tags/0']));

    const missing = expectProblem(await post('{}'), 400, 'validation_failed');
    expect(missing.errors).toEqual([
      { field: '/body/name', message: 'is required' },
      { field: '/body/count', message: 'is required' },
    ]);

    const negative = expectProblem(await post('{"name":"x","count":-1}'), 400, 'validation_failed');
    expect(negative.errors[0]?.field).toBe('/body/count');

    for (const payload of ['null', '"text"', '[1,2]', '42']) {
      const body = expectProblem(await post(payload), 400, 'validation_failed');
      expect(body.errors[0]?.field).toBe('/body');
    }
  });

  it('does not coerce JSON scalars: a number where a string belongs (or the reverse) is a 400', async () => {
    const numberForString = expectProblem(await post('{"name":5,"count":1}'), 400, 'validation_failed');
    expect(numberForString.errors.map((e: { field: string }) => e.field)).toEqual(['/body/name']);
    const stringForNumber = expectProblem(await post('{"name":"x","count":"1"}'), 400, 'validation_failed');
    expect(stringForNumber.errors.map((e: { field: string }) => e.field)).toEqual(['/body/count']);
    const scalarForArray = expectProblem(
      await post('{"name":"x","count":1,"tags":"a"}'),
      400,
      'validation_failed',
    );
    expect(scalarForArray.errors.map((e: { field: string }) => e.field)).toEqual(['/body/tags']);
  });

  it('refuses malformed JSON with 400 malformed_json saying where it breaks', async () => {
    for (const payload of ['{"name": "x", ', "{'name': 'x'}", '{"name":"x","count":1}}', 'name=x']) {
      const body = expectProblem(await post(payload), 400, 'malformed_json');
      expect(body.detail).toMatch(/not valid JSON/);
    }
    const truncated = expectProblem(await post('{"name": "x", '), 400, 'malformed_json');
    expect(truncated.detail).toMatch(/position \d+/);
  });

  it('refuses an empty body sent as JSON with 400', async () => {
    const body = expectProblem(await post(''), 400, 'malformed_json');
    expect(body.detail).toMatch(/empty/);
  });

  it('answers 413 above HEARTH_BODY_LIMIT, naming the limit', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(BODY_LIMIT), count: 1 });
    const body = expectProblem(await post(big), 413, 'payload_too_large');
    expect(body.detail).toContain(String(BODY_LIMIT));
    // Just under the limit is fine.
    const fits = JSON.stringify({ name: 'x'.repeat(BODY_LIMIT - 100), count: 1 });
    expect((await post(fits)).statusCode).toBe(200);
  });

  it('answers 415 for a body that is not JSON', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      'multipart/form-data; boundary=x',
    ]) {
      const body = expectProblem(
        await post('name=x', { 'content-type': type }),
        415,
        'unsupported_media_type',
      );
      expect(body.detail).toContain(type.split(';')[0]);
    }
    const untyped = await app.inject({ method: 'POST', url: '/things', payload: Buffer.from('name=x') });
    expectProblem(untyped, 415, 'unsupported_media_type');
  });

  it('refuses __proto__ and constructor.prototype keys, and no prototype is touched', async () => {
    const proto = expectProblem(
      await post('{"name":"x","count":1,"__proto__":{"polluted":true}}'),
      400,
      'validation_failed',
    );
    expect(proto.errors).toEqual([{ field: '/body/__proto__', message: 'is not allowed' }]);
    const nested = expectProblem(
      await post('{"name":"x","count":1,"extra":{"a":[{"constructor":{"prototype":{"polluted":true}}}]}}'),
      400,
      'validation_failed',
    );
    expect(nested.errors[0]?.field).toBe('/body/extra/a/0/constructor/prototype');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('handles deeply nested JSON without a 500', async () => {
    const depth = 30_000;
    const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expectProblem(await post(arrays), 400, 'validation_failed');
    const objects = `{"name":"x","count":1,"extra":${'{"a":'.repeat(depth / 3)}1${'}'.repeat(depth / 3)}}`;
    expect((await post(objects)).statusCode).toBe(200);
    const unclosed = '['.repeat(depth);
    expectProblem(await post(unclosed), 400, 'malformed_json');
  });

  it('refuses a body whose length disagrees with Content-Length with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { ...JSON_TYPE, 'content-length': '5' },
      payload: '{"name":"x","count":1}',
    });
    expectProblem(response, 400, 'bad_request');
  });

  it('lists at most 20 field problems for a body with thousands of unknown fields', async () => {
    const fields = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f${i}`, i]));
    const body = expectProblem(
      await post(JSON.stringify({ name: 'x', count: 1, ...fields })),
      400,
      'validation_failed',
    );
    expect(body.errors).toHaveLength(20);
    expect(body.detail).toContain('and 1980 more');
  });
});
