import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can } from '../../src/auth/permissions.js';
import {
  type Account,
  type Agent,
  type Call,
  dialect,
  OPERATOR,
  SecurityFixture,
  startTestApp,
  type TestApp,
} from '../harness/index.js';
import { type ApiRoute, apiRoutes, type RouteContext, routeName } from './routes.js';

// A bounded, seeded fast-check campaign over every route's JSON body and query string (#18): each
// case starts from the route's valid request and mutates it (fields replaced by any JSON value,
// unknown fields, a body that is not an object, query values from hostile strings). Whatever the
// case, the answer is never a 5xx; a 4xx is a problem document with a code and a detail; and a
// refused request stores nothing. HEARTH_FUZZ_SEED and HEARTH_FUZZ_RUNS (cases per route) replay
// or widen a run: a failure prints its seed and path, which fast-check replays exactly.

const SEED = Number(process.env.HEARTH_FUZZ_SEED ?? 20261207);
const RUNS = Number(process.env.HEARTH_FUZZ_RUNS ?? 48);

/** Strings that have broken parsers: numbers in other notations, escapes, control and odd Unicode. */
const HOSTILE = [
  '',
  ' ',
  '-1',
  '0',
  '1e309',
  '-0',
  'NaN',
  'Infinity',
  '0x10',
  '9'.repeat(40),
  '1.5',
  'null',
  'true',
  '[]',
  '{}',
  '%',
  '%00',
  '\u0000',
  '\n',
  '../../etc/passwd',
  "' or 1=1 --",
  '<script>alert(1)</script>',
  '😀',
  'ﬀ',
  '\u202e',
  '2026-02-30T00:00:00Z',
  '2026-01-01T00:00:00+25:00',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '01a220a1-bb70-72bb-9cec-fc35b119e768',
  'a'.repeat(5000),
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.1, -1) },
);

/** A mutation of a valid JSON body. */
function bodyCases(valid: unknown): fc.Arbitrary<unknown> {
  const base =
    valid !== null && typeof valid === 'object' && !Array.isArray(valid)
      ? (valid as Record<string, unknown>)
      : {};
  const keys = Object.keys(base);
  const mutated = fc
    .record({
      replace: fc.dictionary(keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('name'), anyJson, {
        maxKeys: 3,
      }),
      drop: fc.subarray(keys, { maxLength: Math.min(2, keys.length) }),
      extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), anyJson, { maxKeys: 1 }),
    })
    .map(({ replace, drop, extra }) => {
      const body: Record<string, unknown> = { ...base, ...replace };
      for (const key of drop) delete body[key];
      return { ...body, ...extra };
    });
  return fc.oneof({ weight: 6, arbitrary: mutated }, { weight: 1, arbitrary: anyJson });
}

/** A mutation of a valid query string (values are strings on the wire). */
function queryCases(valid: Record<string, string>): fc.Arbitrary<Record<string, string>> {
  const keys = Object.keys(valid);
  return fc
    .record({
      replace: fc.dictionary(
        keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('limit'),
        hostileString,
        { maxKeys: 3 },
      ),
      drop: fc.subarray(keys, { maxLength: Math.min(2, keys.length) }),
      extra: fc.dictionary(
        fc.constantFrom('limit', 'cursor', 'from', 'to', 'sort', 'q', 'x'),
        hostileString,
        { maxKeys: 1 },
      ),
    })
    .map(({ replace, drop, extra }) => {
      const query: Record<string, string> = { ...valid, ...replace };
      for (const key of drop) delete query[key];
      return { ...query, ...extra };
    });
}

/** Routes with a JSON body or a query string (CSV uploads are fuzzed line by line elsewhere). */
const fuzzed = apiRoutes.filter((r) => !r.pending && !r.csv && (r.body || r.query));

describe(`a seeded fast-check campaign over every body and query (${dialect}; seed ${SEED}, ${RUNS} cases a route)`, () => {
  let t: TestApp;
  let fx: SecurityFixture;
  let alpha: Agent;
  let spare: Account;

  beforeAll(async () => {
    t = await startTestApp({ HEARTH_RATE_LIMIT: '0' });
    fx = await SecurityFixture.start(t.app, OPERATOR);
    alpha = await fx.agent('Fuzz');
    spare = await alpha.account('viewer');
  });
  afterAll(async () => t?.close());

  const callerOf = (route: ApiRoute): Account =>
    route.changesCaller
      ? spare
      : route.permission === 'public' || can('operator', route.permission)
        ? fx.operator
        : alpha.admin;

  /** Never a 5xx; a 4xx is a problem document; a refusal stores nothing. */
  async function judged(request: () => Promise<LightMyRequestResponse>, label: string): Promise<void> {
    const before = await fx.counts();
    const response = await request();
    expect(response.statusCode, `${label}: ${response.body}`).toBeLessThan(500);
    if (response.statusCode >= 400) {
      expect(response.headers['content-type'], label).toMatch(/^application\/problem\+json/);
      const problem = response.json() as { code?: unknown; detail?: unknown };
      expect(typeof problem.code, `${label}: ${response.body}`).toBe('string');
      expect(typeof problem.detail, `${label}: ${response.body}`).toBe('string');
      expect(await fx.counts(), `${label}: rows stored by a refused request`).toEqual(before);
    }
  }

  it.each(fuzzed.map((route) => [routeName(route), route] as const))('%s', async (name, route) => {
    const caller = callerOf(route);
    // A fresh target per route; the cases may change or delete it, which is fine: any answer but a 5xx.
    const id = route.id ? await route.id.make(fx, alpha.agentId) : undefined;
    const params =
      route.id?.child && id ? { [route.id.child.param]: await route.id.child.make(fx, id) } : undefined;
    const ctx: RouteContext = {
      fx,
      caller,
      agentId: alpha.agentId,
      ...(id ? { target: { id, ...(params ? { params } : {}) } } : {}),
    };
    const validBody = route.body ? await route.body(ctx) : undefined;
    const validQuery = route.query ? route.query(ctx) : undefined;
    const token = route.permission === 'public' ? undefined : caller.token;
    const cases = fc.record({
      body: validBody !== undefined ? bodyCases(validBody) : fc.constant(undefined),
      query: validQuery !== undefined ? queryCases(validQuery) : fc.constant(undefined),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ body, query }) => {
        const call: Call = {
          ...(token ? { token } : {}),
          ...(id ? { id } : {}),
          ...(params ? { params } : {}),
          ...(query ? { query } : {}),
          ...(body !== undefined
            ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
            : {}),
        };
        await judged(
          () => fx.send(route.method, route.path, call),
          `${name} ${JSON.stringify({ body, query }).slice(0, 300)}`,
        );
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
