import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can } from '../../src/auth/permissions.js';
import { SERIES_BODY_LIMIT } from '../../src/regions/routes.js';
import {
  type Account,
  type Agent,
  answerShape,
  type Call,
  dialect,
  expectProblem,
  type Named,
  OPERATOR,
  SecurityFixture,
  startTestApp,
  type Target,
  type TestApp,
} from '../harness/index.js';
import { type ApiRoute, apiRoutes, type RouteContext, routeName } from './routes.js';

// Bad input on every route of routes.ts: every field of every body and query string is tried with
// wrong types, unknown and missing fields, oversize and malformed values (generated from the
// route's own schema in the OpenAPI document, so a new route gets them too), then the cases a
// schema cannot express. Each must be a clear 4xx, never a 500, and store nothing.

interface JsonSchema {
  type?: string;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}
interface Operation {
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  parameters?: Array<{ in: string; name: string; schema: JsonSchema }>;
}

const MALFORMED_EMAILS = [
  'not-an-email',
  'a@b',
  '@example.com',
  'alice@',
  'alice@@example.com',
  'alice@example..com',
  'alice smith@example.com',
  ' alice@example.com',
  'alice@example.com\n',
  'Alice <alice@example.com>',
  'alice@exa mple.com',
];
const MALFORMED_UUIDS = [
  'not-a-uuid',
  '12345',
  '01a220a1-bb70-72bb-9cec-fc35b119e76',
  '01a220a1-bb70-72bb-9cec-fc35b119e7680',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  '01a220a1bb7072bb9cecfc35b119e768',
];
/** Region names as they appear in a URL: a space, 65 characters, a non-ASCII letter, a slash, a colon. */
const MALFORMED_REGIONS = ['north%20wales', 'a'.repeat(65), 'caf%C3%A9', 'north%2Fwales', 'GB%3A1'];
const MALFORMED_DATES = ['yesterday', '2024-13-01T00:00:00Z', '2024-01-01', '1700000000000'];

/** Wrong values for one field of a schema, each with why it is wrong. */
function badValues(schema: JsonSchema, inQuery: boolean): Array<{ why: string; value: unknown }> {
  const bad: Array<{ why: string; value: unknown }> = [];
  const choices =
    schema.enum ?? schema.anyOf?.flatMap((s) => s.enum ?? (s.const !== undefined ? [s.const] : []));
  const type = schema.type ?? schema.anyOf?.find((s) => s.type !== 'null')?.type;
  const nullable = schema.anyOf?.some((s) => s.type === 'null') ?? false;
  if (!inQuery) {
    // A JSON body is typed: nothing is coerced, so a number where a string belongs is a 400 too.
    const wrong: Record<string, Array<{ why: string; value: unknown }>> = {
      object: [{ why: 'an object', value: { nested: true } }],
      list: [
        { why: 'a list', value: [1, 2] },
        { why: 'a one-item list', value: ['x'] },
      ],
      string: [{ why: 'a string', value: 'text' }],
      number: [{ why: 'a number', value: 12345 }],
      boolean: [{ why: 'a boolean', value: true }],
      null: [{ why: 'null', value: null }],
    };
    const own = choices ? 'string' : type === 'array' ? 'list' : type === 'integer' ? 'number' : (type ?? '');
    for (const [kind, values] of Object.entries(wrong)) {
      if (kind !== own && !(kind === 'null' && nullable)) bad.push(...values);
    }
  }
  if (type === 'array' && !inQuery) {
    const items = schema as JsonSchema & { maxItems?: number; uniqueItems?: boolean };
    if (items.maxItems !== undefined)
      bad.push({
        why: `${items.maxItems + 1} items`,
        value: Array.from({ length: items.maxItems + 1 }, () => randomUUID()),
      });
  }
  if (choices && choices.length > 0) {
    bad.push({ why: 'not one of its values', value: 'not-a-known-value' });
    const first = String(choices[0]);
    if (first.toUpperCase() !== first)
      bad.push({ why: 'a value in the wrong case', value: first.toUpperCase() });
  }
  if (type === 'integer' || type === 'number') {
    const asSent = (n: number | string) => (inQuery ? String(n) : n);
    bad.push({ why: 'not a number', value: 'abc' });
    if (type === 'integer') bad.push({ why: 'a fraction', value: asSent(1.5) });
    if (schema.minimum !== undefined)
      bad.push({ why: 'below the minimum', value: asSent(schema.minimum - 1) });
    if (schema.maximum !== undefined)
      bad.push({ why: 'above the maximum', value: asSent(schema.maximum + 1) });
  }
  if (type === 'string' && !choices) {
    if (schema.maxLength !== undefined) {
      const over = schema.maxLength + 1;
      const value =
        schema.format === 'email'
          ? `${'a'.repeat(over - '@example.com'.length)}@example.com`
          : 'a'.repeat(over);
      bad.push({ why: `${over} characters`, value });
    }
    if (schema.minLength) bad.push({ why: 'empty', value: '' });
    if (schema.pattern) {
      const pattern = new RegExp(schema.pattern, 'u');
      const value = ['   ', 'has spaces & symbols!', '\n'].find((candidate) => !pattern.test(candidate));
      if (value !== undefined) bad.push({ why: `not matching ${schema.pattern}`, value });
    }
    const malformed =
      schema.format === 'email'
        ? MALFORMED_EMAILS
        : schema.format === 'uuid'
          ? MALFORMED_UUIDS
          : schema.format === 'date-time'
            ? MALFORMED_DATES
            : [];
    for (const value of malformed)
      bad.push({ why: `a malformed ${schema.format}: ${JSON.stringify(value)}`, value });
  }
  return bad;
}

/** Routes with a JSON body; CSV uploads (`csv`) are checked line by line below. */
const bodyRoutes = apiRoutes.filter((r) => r.body && !r.csv);
const csvRoutes = apiRoutes.filter((r) => r.csv);
const queryRoutes = apiRoutes.filter((r) => r.query);
const idRoutes = apiRoutes.filter((r) => r.id);
/** The lists: every GET with a query string pages with limit and cursor. */
/** Paged lists (a query with cursor and limit); other GET queries are checked in their feature's tests. */
const listRoutes = apiRoutes.filter((r) => r.method === 'GET' && r.query && r.list);
const named = (routes: readonly ApiRoute[]) => routes.map((route) => [routeName(route), route] as const);
const byName = (name: string): ApiRoute => {
  const route = apiRoutes.find((r) => routeName(r) === name);
  if (!route) throw new Error(`no route ${name} in the table`);
  return route;
};

describe(`bad input on every route (${dialect})`, () => {
  let t: TestApp;
  let fx: SecurityFixture;
  let alpha: Agent;
  /** Makes the requests of routes that change the caller's own account (the password). */
  let spare: Account;
  let operations: Record<string, Operation>;
  const targets = new Map<string, Target>();

  /** A fresh resource of the route's kind in the agent: its `:id`, and the child's for a two-id path. */
  async function makeTarget(route: ApiRoute): Promise<Target> {
    if (!route.id) throw new Error(`${routeName(route)} takes no id`);
    const id = await route.id.make(fx, alpha.agentId);
    const child = route.id.child;
    return child ? { id, params: { [child.param]: await child.make(fx, id) } } : { id };
  }

  beforeAll(async () => {
    t = await startTestApp();
    fx = await SecurityFixture.start(t.app, OPERATOR);
    alpha = await fx.agent('Input');
    spare = await alpha.account('viewer');
    for (const route of idRoutes) {
      if (route.id) targets.set(routeName(route), await makeTarget(route));
    }
    const doc = (await t.app.inject({ url: '/api/v/1/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    operations = {};
    for (const [path, byMethod] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(byMethod)) {
        const template = path.replace('/api/v/1', '').replaceAll(/\{(\w+)\}/g, ':$1');
        operations[`${method.toUpperCase()} ${template}`] = operation;
      }
    }
  });
  afterAll(async () => t?.close());

  /** The operator, or the agent's admin on a route of agents' users only (orders, home edits). */
  const callerOf = (route: ApiRoute): Account =>
    route.changesCaller
      ? spare
      : route.permission === 'public' || can('operator', route.permission)
        ? fx.operator
        : alpha.admin;

  /** A valid request of the route (body, query, the prepared ids), by the caller that may make it. */
  async function validCall(route: ApiRoute): Promise<Call & { token: string | null }> {
    const caller = callerOf(route);
    const target = targets.get(routeName(route));
    const ctx: RouteContext = { fx, caller, agentId: alpha.agentId, ...(target ? { target } : {}) };
    return {
      token: route.permission === 'public' ? null : caller.token,
      ...(target ? { id: target.id, ...(target.params ? { params: target.params } : {}) } : {}),
      ...(route.query ? { query: route.query(ctx) } : {}),
      ...(route.body ? { body: await route.body(ctx) } : {}),
      ...(route.csv ? { headers: { 'content-type': 'text/csv' } } : {}),
    };
  }

  /** The rows a request of the route names in its path: they must not change when it is refused. */
  function namedBy(route: ApiRoute, call: Call): Named[] {
    if (!route.id) return [];
    const { child } = route.id;
    return [
      { kind: route.id.kind, id: call.id },
      ...(child ? [{ kind: child.kind, id: call.params?.[child.param] }] : []),
    ];
  }

  /** Sends a request that must be refused: nothing stored, the named rows unchanged, never a 5xx. */
  const refused = (route: ApiRoute, call: Call): Promise<LightMyRequestResponse> =>
    fx.refused(() => fx.send(route.method, route.path, call), namedBy(route, call));

  /** A 400 validation_failed that names `field` in errors[].field. */
  function expectInvalid(response: LightMyRequestResponse, field: string, label: string): void {
    expect(response.statusCode, `${label}: ${response.body}`).toBe(400);
    const problem = response.json() as { code: string; errors?: Array<{ field: string }> };
    expect(problem.code, label).toBe('validation_failed');
    // The field itself, or a part of it (a nested object's own field).
    const mentioned = problem.errors?.some((e) => e.field === field || e.field.startsWith(`${field}/`));
    expect(mentioned, `${label}: ${response.body}`).toBe(true);
  }

  it('the table gives a valid body to exactly the routes that take one, and a query to those with query parameters', () => {
    for (const route of apiRoutes) {
      const operation = operations[routeName(route)];
      if (route.inOpenApi === false || route.pending) continue;
      expect(operation, routeName(route)).toBeDefined();
      expect(Boolean(route.body), `${routeName(route)} takes a body`).toBe(Boolean(operation?.requestBody));
      const query = operation?.parameters?.some((p) => p.in === 'query') ?? false;
      expect(Boolean(route.query), `${routeName(route)} takes a query`).toBe(query);
    }
  });

  for (const route of apiRoutes.filter((r) => r.pending)) {
    it.todo(`${routeName(route)}: bad input (${route.pending})`);
  }

  describe('every field of every body: wrong types, unknown, missing, oversize and malformed values → 400 naming it', () => {
    it.each(named(bodyRoutes))('%s', async (name, route) => {
      const schema = operations[name]?.requestBody?.content['application/json'].schema as JsonSchema;
      expect(schema?.properties, `${name}: body schema`).toBeDefined();
      const base = await validCall(route);
      const body = base.body as Record<string, unknown>;

      for (const unknown of ['unexpected', 'isAdmin', 'id']) {
        const response = await refused(route, { ...base, body: { ...body, [unknown]: true } });
        expectInvalid(response, `/body/${unknown}`, `unknown field ${unknown}`);
      }
      for (const field of schema.required ?? []) {
        const { [field]: _dropped, ...rest } = body;
        expectInvalid(await refused(route, { ...base, body: rest }), `/body/${field}`, `missing ${field}`);
      }
      for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) {
        for (const { why, value } of badValues(fieldSchema, false)) {
          const response = await refused(route, { ...base, body: { ...body, [field]: value } });
          expectInvalid(response, `/body/${field}`, `${field}: ${why}`);
        }
      }
    });
  });

  describe('every query parameter: unknown, malformed, out of range → 400 naming it', () => {
    it.each(named(queryRoutes))('%s', async (name, route) => {
      const parameters = (operations[name]?.parameters ?? []).filter((p) => p.in === 'query');
      expect(parameters.length, `${name}: query parameters`).toBeGreaterThan(0);
      const base = await validCall(route);
      const query = base.query ?? {};
      expectInvalid(
        await refused(route, { ...base, query: { ...query, unexpected: '1' } }),
        '/query/unexpected',
        'unknown parameter',
      );
      for (const parameter of parameters) {
        for (const { why, value } of badValues(parameter.schema, true)) {
          const response = await refused(route, {
            ...base,
            query: { ...query, [parameter.name]: String(value) },
          });
          expectInvalid(response, `/query/${parameter.name}`, `${parameter.name}: ${why}`);
        }
      }
    });
  });

  describe('malformed ids in the path → 400, never a lookup', () => {
    it.each(named(idRoutes))('%s', async (_name, route) => {
      const base = await validCall(route);
      // As they appear in the URL (percent-encoded where needed).
      const malformed = route.id?.kind === 'region' ? MALFORMED_REGIONS : MALFORMED_UUIDS;
      for (const id of [...malformed, `${randomUUID()}%20`, 'urn%3Auuid', '%20']) {
        const response = await refused(route, { ...base, id });
        expectInvalid(response, '/params/id', `id ${JSON.stringify(id)}`);
      }
      for (const id of ['%zz', 'a'.repeat(600)]) {
        expectProblem(await refused(route, { ...base, id }), 400, 'bad_request');
      }
      // The second id of a two-id path (`:provisioningId`), with a real first one.
      const child = route.id?.child;
      if (child) {
        for (const id of [...MALFORMED_UUIDS, `${randomUUID()}%20`, 'urn%3Auuid', '%20']) {
          const response = await refused(route, { ...base, params: { ...base.params, [child.param]: id } });
          expectInvalid(response, `/params/${child.param}`, `${child.param} ${JSON.stringify(id)}`);
        }
        for (const id of ['%zz', 'a'.repeat(600)]) {
          const response = await refused(route, { ...base, params: { ...base.params, [child.param]: id } });
          expectProblem(response, 400, 'bad_request');
        }
      }
    });
  });

  describe('bodies that are not a JSON object → 400 malformed_json, 400 validation_failed or 415, 413 over the limit', () => {
    it.each(named(bodyRoutes))('%s', async (_name, route) => {
      const base = await validCall(route);
      const json = { 'content-type': 'application/json' };
      for (const text of ['{"name":', '{name: "x"}', "{'name':'x'}", '[', '{"a":1,}', 'nul', '']) {
        const response = await refused(route, { ...base, body: text, headers: json });
        expectProblem(response, 400, 'malformed_json');
      }
      for (const text of ['[]', '"text"', '42', 'null', 'true']) {
        expectInvalid(await refused(route, { ...base, body: text, headers: json }), '/body', `body ${text}`);
      }
      const proto = JSON.stringify(base.body).replace('{', '{"__proto__":{"isAdmin":true},');
      expectInvalid(
        await refused(route, { ...base, body: proto, headers: json }),
        '/body/__proto__',
        '__proto__',
      );
      const asText = JSON.stringify(base.body);
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=x',
      ]) {
        const response = await refused(route, { ...base, body: asText, headers: { 'content-type': type } });
        expectProblem(response, 415, 'unsupported_media_type');
      }
      const huge = JSON.stringify({ ...(base.body as object), padding: 'a'.repeat(t.config.bodyLimit) });
      expectProblem(await refused(route, { ...base, body: huge, headers: json }), 413, 'payload_too_large');
    });
  });

  describe('CSV uploads: every bad line listed (400 naming it), nothing stored; other bodies 415, 413 over the limit', () => {
    it.each(named(csvRoutes))('%s', async (_name, route) => {
      const base = await validCall(route);
      const [header, line] = String(base.body).trim().split('\n') as [string, string];
      const [first, value] = line.split(',') as [string, string];
      const lines = [
        header,
        line,
        `${first},not-a-number`,
        `${first.slice(0, 4)}-99${first.slice(7)},${value}`,
        `${line},extra`,
      ];
      const bad = expectProblem(
        await refused(route, { ...base, body: `${lines.join('\n')}\n` }),
        400,
        'validation_failed',
      );
      expect(bad.errors?.map((e) => e.field)).toEqual(['line 3', 'line 4', 'line 5']);
      const noHeader = expectProblem(
        await refused(route, { ...base, body: `${line}\n` }),
        400,
        'validation_failed',
      );
      expect(noHeader.errors?.map((e) => e.field)).toEqual(['line 1']);
      expectProblem(await refused(route, { ...base, body: '' }), 400, 'validation_failed');
      for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
        const body = type === 'application/json' ? JSON.stringify({ csv: base.body }) : String(base.body);
        const response = await refused(route, { ...base, body, headers: { 'content-type': type } });
        expectProblem(response, 415, 'unsupported_media_type');
      }
      // A year of half hours (17,520 lines, about 500 KB) is well inside; past the series limit is 413.
      const huge = `${String(base.body)}${'#'.repeat(SERIES_BODY_LIMIT)}`;
      expectProblem(await refused(route, { ...base, body: huge }), 413, 'payload_too_large');
    });
  });

  describe('lists: bad cursors and repeated parameters → 400', () => {
    it.each(named(listRoutes))('%s', async (_name, route) => {
      const base = await validCall(route);
      const notAnId = Buffer.from('this is not an id this is not an id').toString('base64url');
      for (const cursor of [
        'zzz',
        '',
        notAnId,
        '!!!!',
        Buffer.from(randomUUID().toUpperCase()).toString('base64url'),
      ]) {
        const response = await refused(route, { ...base, query: { ...base.query, cursor } });
        expectInvalid(response, '/query/cursor', `cursor ${JSON.stringify(cursor)}`);
      }
      const url = `/api/v/1${route.path}?limit=1&limit=2`;
      const response = await fx.refused(() =>
        t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${fx.operator.token}` } }),
      );
      expectInvalid(response, '/query/limit', 'limit given twice');
    });

    it('GET /audit-events: an action kind matches whole kinds only (user_ is not user)', async () => {
      const kinds = async (action: string) => {
        const response = await fx.send('GET', '/audit-events', {
          token: fx.operator.token,
          query: { action, agentId: alpha.agentId, limit: '200' },
        });
        expect(response.statusCode, response.body).toBe(200);
        return new Set((response.json() as { items: Array<{ action: string }> }).items.map((e) => e.action));
      };
      expect([...(await kinds('invitation'))].every((a) => a.startsWith('invitation.'))).toBe(true);
      expect((await kinds('invitation')).size).toBeGreaterThan(0);
      for (const near of ['invitation_', 'invitatio', 'invitation_sent'])
        expect(await kinds(near)).toEqual(new Set());
    });

    it('GET /audit-events: from after to', async () => {
      const route = byName('GET /audit-events');
      const base = await validCall(route);
      const query = { ...base.query, from: '2024-02-01T00:00:00Z', to: '2024-01-01T00:00:00Z' };
      expectInvalid(await refused(route, { ...base, query }), '/query/from', 'from after to');
    });
  });

  describe('If-Match: a stale ETag is refused with 412, the one a read gave is taken', () => {
    const conditional = idRoutes.filter((r) => r.method === 'PUT' || r.method === 'DELETE');

    it.each(named(conditional))('%s', async (_name, route) => {
      const base = await validCall(route);
      const { id, params } = await makeTarget(route);
      // What the route changes is read at its own path, or one up (/gateway/secret → /gateway).
      const readPath = apiRoutes.some((r) => r.method === 'GET' && r.path === route.path)
        ? route.path
        : route.path.replace(/\/[^/:]+$/, '');
      // Read by the caller of the route (the operator, or an agent's admin on an admin-only route such
      // as /integration-clients, which the operator may not read).
      const read = await fx.send('GET', readPath, { id, params, token: callerOf(route).token });
      expect(read.statusCode, read.body).toBe(200);
      const etag = read.headers.etag as string;
      expect(etag, 'the ETag of a read').toMatch(/^"r\d+"$/);
      for (const stale of ['"r999"', '"not-an-etag"', `W/"${etag.slice(1, -1)}0"`]) {
        const headers = { ...base.headers, 'if-match': stale };
        const response = await refused(route, { ...base, id, params, headers });
        expectProblem(response, 412, 'precondition_failed');
      }
      const response = await fx.send(route.method, route.path, {
        ...base,
        id,
        params,
        headers: { ...base.headers, 'if-match': etag },
      });
      expect(response.statusCode, response.body).toBe(route.success);
    });
  });

  describe('POST /agents', () => {
    const route = () => byName('POST /agents');

    it('takes a name of exactly 200 characters (the limit, not one less)', async () => {
      const base = await validCall(route());
      const name = 'n'.repeat(200);
      const response = await fx.send('POST', '/agents', {
        ...base,
        body: { ...(base.body as object), name },
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ name });
    });
  });

  describe('POST /invitations', () => {
    const route = () => byName('POST /invitations');

    it('refuses the operator role, which no invitation can give (400 naming /body/role)', async () => {
      const base = await validCall(route());
      for (const role of ['operator', 'Operator', 'owner']) {
        const response = await refused(route(), { ...base, body: { ...(base.body as object), role } });
        expectInvalid(response, '/body/role', `role ${role}`);
      }
    });

    it('refuses an operator invitation that names no agent (400 naming /body/agentId)', async () => {
      const base = await validCall(route());
      const { agentId: _agentId, ...body } = base.body as Record<string, unknown>;
      expectInvalid(await refused(route(), { ...base, body }), '/body/agentId', 'no agentId');
    });

    it('refuses a second pending invitation of the same address, whatever its case (409)', async () => {
      const base = await validCall(route());
      const body = base.body as { email: string };
      const first = await fx.send('POST', '/invitations', base);
      expect(first.statusCode, first.body).toBe(201);
      for (const email of [body.email, body.email.toUpperCase()]) {
        const response = await refused(route(), { ...base, body: { ...body, email } });
        expectProblem(response, 409, 'conflict');
      }
    });
  });

  describe('POST /invitations/acceptance', () => {
    const route = () => byName('POST /invitations/acceptance');

    /** A pending invitation and a strong, valid acceptance of it. */
    async function pending() {
      const invitation = await fx.invitation(alpha.agentId);
      const body = {
        token: invitation.token,
        username: `newcomer-${fx.unique()}`,
        password: `saffron tugboat harmony ${fx.unique()}`,
        name: 'New Comer',
      };
      return { invitation, body };
    }

    async function expectStillPending(invitationId: string): Promise<void> {
      const read = await fx.send('GET', '/invitations/:id', { id: invitationId, token: fx.operator.token });
      expect(read.json()).toMatchObject({ status: 'pending', acceptedAt: null });
    }

    it('refuses a username that is taken, in any case, with 409; no user is made and the invitation stays pending', async () => {
      const { invitation, body } = await pending();
      for (const username of [alpha.admin.username, alpha.admin.username.toUpperCase(), OPERATOR.username]) {
        const response = await refused(route(), { body: { ...body, username } });
        const problem = expectProblem(response, 409, 'conflict');
        expect(problem.errors?.map((e) => e.field)).toEqual(['/body/username']);
      }
      await expectStillPending(invitation.id);
      // The invitation was not used up: the same token still works with a free username.
      const accepted = await fx.send('POST', '/invitations/acceptance', { body });
      expect(accepted.statusCode, accepted.body).toBe(201);
    });

    it('gives a username to one of several acceptances racing for it; the others get 409, never a 500', async () => {
      const username = `contested-${fx.unique()}`;
      const racers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => pending()));
      const users = (await fx.counts()).users ?? 0;
      const responses = await Promise.all(
        racers.map(({ body }) => fx.send('POST', '/invitations/acceptance', { body: { ...body, username } })),
      );
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses, responses.map((r) => r.body).join('\n')).toEqual([201, 409, 409, 409, 409, 409]);
      for (const response of responses.filter((r) => r.statusCode === 409))
        expectProblem(response, 409, 'conflict');
      expect((await fx.counts()).users).toBe(users + 1);
      // The losers' invitations were not used up.
      const losers = racers.filter((_, i) => responses[i]?.statusCode === 409);
      for (const { invitation } of losers) await expectStillPending(invitation.id);
    });

    it('refuses weak passwords with 400 naming /body/password (NIST SP 800-63B); the invitation stays pending', async () => {
      const { invitation, body } = await pending();
      const username = 'marmalade.skyline';
      const weak = [
        'short-pass1',
        'password123456',
        'qwertyuiopasdfgh',
        'aaaaaaaaaaaaaaaa',
        `${username}1`,
        'Marmalade Skyline!',
        `${invitation.email}`,
      ];
      for (const password of weak) {
        const response = await refused(route(), {
          body: { ...body, username, name: 'Marmalade Skyline', password },
        });
        expectInvalid(response, '/body/password', `password ${JSON.stringify(password)}`);
      }
      await expectStillPending(invitation.id);
    });

    it('refuses fields a newcomer may not set (role, agent, email, status) as unknown fields', async () => {
      const { invitation, body } = await pending();
      for (const [field, value] of Object.entries({
        role: 'admin',
        agentId: randomUUID(),
        email: 'someone-else@example.com',
        status: 'active',
      })) {
        const response = await refused(route(), { body: { ...body, [field]: value } });
        expectInvalid(response, `/body/${field}`, field);
      }
      await expectStillPending(invitation.id);
    });

    it('refuses malformed usernames with 400 naming /body/username', async () => {
      const { invitation, body } = await pending();
      for (const username of ['ab', 'a'.repeat(65), 'has space', 'émile', 'semi;colon', '']) {
        const response = await refused(route(), { body: { ...body, username } });
        expectInvalid(response, '/body/username', `username ${JSON.stringify(username)}`);
      }
      await expectStillPending(invitation.id);
    });

    it('answers an unknown, used, revoked or expired token the same way (400 invitation_invalid), storing nothing', async () => {
      const strong = () => ({
        username: `nobody-${fx.unique()}`,
        password: `walnut cathedral breeze ${fx.unique()}`,
        name: 'Nobody',
      });
      const used = await pending();
      expect((await fx.send('POST', '/invitations/acceptance', { body: used.body })).statusCode).toBe(201);
      const revoked = await fx.invitation(alpha.agentId);
      const revoking = await fx.send('DELETE', '/invitations/:id', {
        id: revoked.id,
        token: fx.operator.token,
      });
      expect(revoking.statusCode, revoking.body).toBe(204);
      const expired = await fx.invitation(alpha.agentId);
      await t.app.ctx.database.db
        .updateTable('invitations')
        .set({ expires_at: Date.now() - 1000 })
        .where('id', '=', expired.id)
        .execute();

      const answers = [];
      for (const token of [randomUUID(), used.invitation.token, revoked.token, expired.token]) {
        const response = await refused(route(), { body: { token, ...strong() } });
        expectProblem(response, 400, 'invitation_invalid');
        answers.push(answerShape(response, token));
      }
      for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    });
  });

  describe('PUT /users/:id', () => {
    const route = () => byName('PUT /users/:id');

    it('refuses the operator role and fields that are not the name, role or status', async () => {
      const base = await validCall(route());
      expectInvalid(
        await refused(route(), { ...base, body: { role: 'operator' } }),
        '/body/role',
        'role operator',
      );
      for (const [field, value] of Object.entries({
        agentId: randomUUID(),
        username: 'renamed-user',
        email: 'moved@example.com',
        password: 'a new password for you',
        id: randomUUID(),
      })) {
        expectInvalid(await refused(route(), { ...base, body: { [field]: value } }), `/body/${field}`, field);
      }
    });

    it('refuses an empty change (400)', async () => {
      const base = await validCall(route());
      expectInvalid(await refused(route(), { ...base, body: {} }), '/body', 'empty body');
    });

    it('homeAccess naming a home group deleted at the same moment: taken before the deletion, or 400; never a 500', async () => {
      const user = await fx.user(alpha.agentId, 'editor');
      const token = alpha.admin.token;
      const doomed = await fx.homeGroup(alpha.agentId);
      const [put, deleted] = await Promise.all([
        fx.send('PUT', '/users/:id', {
          id: user.id,
          token,
          body: { homeAccess: { mode: 'groups', groupIds: [doomed] } },
        }),
        fx.send('DELETE', '/home-groups/:id', { id: doomed, token }),
      ]);
      expect(deleted.statusCode, deleted.body).toBe(204);
      expect([200, 400], put.body).toContain(put.statusCode);
      if (put.statusCode === 400)
        expectInvalid(put, '/body/homeAccess/groupIds', 'a group deleted meanwhile');
      const read = await fx.send('GET', '/users/:id', { id: user.id, token });
      expect((read.json() as { homeAccess: { groupIds: string[] } }).homeAccess.groupIds).toEqual([]);
    });
  });

  describe('PUT /agents/:id', () => {
    it('refuses an empty change (400)', async () => {
      const route = byName('PUT /agents/:id');
      const base = await validCall(route);
      expectInvalid(await refused(route, { ...base, body: {} }), '/body', 'empty body');
    });
  });

  describe('PUT /homes/:id', () => {
    const route = () => byName('PUT /homes/:id');

    it('refuses an empty change (400)', async () => {
      const base = await validCall(route());
      expectInvalid(await refused(route(), { ...base, body: {} }), '/body', 'empty body');
    });

    it("refuses groupIds naming another agent's group exactly as one that does not exist (400 naming /body/groupIds)", async () => {
      const base = await validCall(route());
      const theirs = await fx.homeGroup(await fx.bareAgent());
      const other = await refused(route(), { ...base, body: { groupIds: [theirs] } });
      expectInvalid(other, '/body/groupIds', "another agent's group");
      const missingId = randomUUID();
      const missing = await refused(route(), { ...base, body: { groupIds: [missingId] } });
      expect(answerShape(other, theirs)).toEqual(answerShape(missing, missingId));
    });

    it('changes of its groups at the same moment, or racing the deletion of a group: one at a time, never a 500', async () => {
      const token = alpha.admin.token;
      const home = await fx.home(alpha.agentId);
      const [one, two] = [await fx.homeGroup(alpha.agentId), await fx.homeGroup(alpha.agentId)];
      const sets = [[one], [two], [one, two], [one], [two]];
      const responses = await Promise.all(
        sets.map((groupIds) => fx.send('PUT', '/homes/:id', { id: home.id, token, body: { groupIds } })),
      );
      // Without If-Match a change that lost the race is told so (412); one of them is the home's groups.
      for (const response of responses) expect([200, 412], response.body).toContain(response.statusCode);
      const won = responses.flatMap((r, i) => (r.statusCode === 200 ? [sets[i] as string[]] : []));
      expect(won.length).toBeGreaterThan(0);
      const groupsOf = async () =>
        (
          (await fx.send('GET', '/homes/:id', { id: home.id, token })).json() as {
            groups: Array<{ id: string }>;
          }
        ).groups
          .map((g) => g.id)
          .sort();
      expect(won.map((groupIds) => [...groupIds].sort())).toContainEqual(await groupsOf());

      const doomed = await fx.homeGroup(alpha.agentId);
      await fx.setHomeGroups(alpha.agentId, home.id, []);
      const [put, deleted] = await Promise.all([
        fx.send('PUT', '/homes/:id', { id: home.id, token, body: { groupIds: [doomed] } }),
        fx.send('DELETE', '/home-groups/:id', { id: doomed, token }),
      ]);
      expect(deleted.statusCode, deleted.body).toBe(204);
      // Before the deletion it is taken (and the deletion takes the home out again); after it, 400.
      expect([200, 400], put.body).toContain(put.statusCode);
      if (put.statusCode === 400) expectInvalid(put, '/body/groupIds', 'a group deleted meanwhile');
      expect(await groupsOf()).toEqual([]);
    });
  });

  describe('provisioning settings', () => {
    it('refuses an empty change (400)', async () => {
      const route = byName('PUT /homes/:id/provisioning/:provisioningId');
      const base = await validCall(route);
      expectInvalid(await refused(route, { ...base, body: {} }), '/body', 'empty body');
    });

    it('refuses a setting of another service and a threshold not named rule.parameter (400 naming it), changing nothing', async () => {
      const put = byName('PUT /homes/:id/provisioning/:provisioningId');
      const post = byName('POST /homes/:id/provisioning');
      const token = alpha.admin.token;
      const home = await fx.home(alpha.agentId);
      const at = async (service: 'amr' | 'fault_management') => ({
        id: home.id,
        params: { provisioningId: await fx.definition(home.id, service) },
        token,
      });
      const cases: Array<[Call, unknown, string]> = [
        [await at('amr'), { settings: { recipients: ['ops@example.com'] } }, '/body/settings/recipients'],
        [
          await at('fault_management'),
          { settings: { intervalSeconds: 60 } },
          '/body/settings/intervalSeconds',
        ],
        [
          await at('fault_management'),
          { settings: { thresholds: { 'BAD KEY': 1 } } },
          '/body/settings/thresholds/BAD KEY',
        ],
        [
          await at('fault_management'),
          { settings: { thresholds: { 'Cop.min': 2 } } },
          '/body/settings/thresholds/Cop.min',
        ],
        [
          await at('fault_management'),
          { settings: { thresholds: { 'cop.min': '2' } } },
          '/body/settings/thresholds/cop.min',
        ],
      ];
      for (const [call, body, field] of cases) {
        expectInvalid(await refused(put, { ...call, body }), field, `${JSON.stringify(body)}`);
      }
      const amrOnly = await fx.home(alpha.agentId, { services: { amr: {} } });
      const adding = { id: amrOnly.id, token };
      for (const [body, field] of [
        [{ service: 'insight', settings: { intervalSeconds: 60 } }, '/body/settings/intervalSeconds'],
        [
          { service: 'fault_management', settings: { thresholds: { 'no spaces': 1 } } },
          '/body/settings/thresholds/no spaces',
        ],
      ] as const) {
        expectInvalid(await refused(post, { ...adding, body }), field, `${JSON.stringify(body)}`);
      }
    });
  });

  describe('PUT /users/me/password', () => {
    const route = () => byName('PUT /users/me/password');

    async function passwordHash(): Promise<string> {
      const row = await t.app.ctx.database.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', spare.id)
        .executeTakeFirstOrThrow();
      return row.password_hash;
    }

    it('refuses weak new passwords (400 naming /body/newPassword) and a wrong current one (400 password_incorrect); the password and the session stay', async () => {
      const before = await passwordHash();
      for (const newPassword of ['short-pass1', 'password123456', `${spare.username}1`, 'zzzzzzzzzzzzzzzz']) {
        const response = await refused(route(), {
          token: spare.token,
          body: { currentPassword: spare.password, newPassword },
        });
        expectInvalid(response, '/body/newPassword', `new password ${JSON.stringify(newPassword)}`);
      }
      const wrong = await refused(route(), {
        token: spare.token,
        body: { currentPassword: `${spare.password}x`, newPassword: `orchid satellite ferry ${fx.unique()}` },
      });
      const problem = expectProblem(wrong, 400, 'password_incorrect');
      expect(problem.errors?.map((e) => e.field)).toEqual(['/body/currentPassword']);

      expect(await passwordHash()).toBe(before);
      expect((await fx.send('GET', '/users/me', { token: spare.token })).statusCode).toBe(200);
    });
  });
});
