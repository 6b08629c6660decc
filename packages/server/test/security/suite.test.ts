import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, isPermission } from '../../src/auth/permissions.js';
import { dialect, OPERATOR, startTestApp, type TestApp } from '../helpers/harness.js';
import {
  type Account,
  type Agent,
  answerShape,
  type Call,
  expectProblem,
  ROLES,
  type Role,
  SecurityFixture,
} from './fixture.js';
import {
  type ApiRoute,
  apiRoutes,
  paramsOf,
  protectedRoutes,
  publicRoutes,
  type RouteContext,
  routeName,
} from './routes.js';

// The shared security suite (STYLE.md, Tests: "One security suite for every route"): every route
// of routes.ts against every way a caller can be wrong. A new route joins the table or the
// completeness check fails.

const named = <T extends Pick<ApiRoute, 'method' | 'path'>>(routes: readonly T[]) =>
  routes.map((route) => [routeName(route), route] as const);

/** Every role × route pair of the permission matrix, split into refused and allowed. */
const pairs = protectedRoutes.flatMap((route) =>
  ROLES.map((role) => [`${role} → ${routeName(route)}`, route, role] as const),
);
const refusedPairs = pairs.filter(([, route, role]) => !can(role, route.permission));
const allowedPairs = pairs.filter(([, route, role]) => can(role, route.permission) && !route.pending);
const pendingPairs = pairs.filter(([, route, role]) => can(role, route.permission) && route.pending);

describe(`security suite: every API route (${dialect})`, () => {
  let t: TestApp;
  let fx: SecurityFixture;
  /** The agent whose users make most calls, and another agent whose ids they must never reach. */
  let alpha: Agent;
  let bravo: Agent;
  let accounts: Record<Role, Account>;
  const targets = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp();
    fx = await SecurityFixture.start(t.app, OPERATOR);
    [alpha, bravo] = [await fx.agent('Alpha'), await fx.agent('Bravo')];
    accounts = {
      operator: fx.operator,
      admin: alpha.admin,
      editor: await alpha.account('editor'),
      viewer: await alpha.account('viewer'),
    };
    // One resource of the first agent per :id route, for the requests that must be refused (each
    // refusal is checked to leave it unchanged); requests that succeed get fresh ones.
    for (const route of protectedRoutes) {
      if (route.id) targets.set(routeName(route), await route.id.make(fx, alpha.agentId));
    }
  });
  afterAll(async () => t?.close());

  /** A valid request of a route for this caller acting on this agent (an :id made fresh there). */
  async function validCall(route: ApiRoute, caller: Account, agentId: string, id?: string): Promise<Call> {
    if (route.pending) {
      // No fixtures yet: ids that exist nowhere and an empty body, for the cases refused before both matter.
      const params = Object.fromEntries(paramsOf(route.path).map((name) => [name, randomUUID()]));
      return { params, ...(route.method === 'POST' || route.method === 'PUT' ? { body: {} } : {}) };
    }
    const ctx: RouteContext = { fx, caller, agentId };
    return {
      ...(route.id ? { id: id ?? (await route.id.make(fx, agentId)) } : {}),
      ...(route.query ? { query: route.query(ctx) } : {}),
      ...(route.body ? { body: await route.body(ctx) } : {}),
    };
  }

  const send = (route: ApiRoute, call: Call, token: string | null, headers: Record<string, string> = {}) =>
    fx.send(route.method, route.path, { ...call, token, headers: { ...call.headers, ...headers } });

  /** Sends the request and asserts it stored nothing and changed no row it named. */
  const sendRefused = (
    route: ApiRoute,
    call: Call,
    token: string | null,
    headers: Record<string, string> = {},
  ) =>
    fx.refused(
      () => send(route, call, token, headers),
      route.id ? { kind: route.id.kind, id: call.id } : undefined,
    );

  describe('completeness: the table is every route of the API', () => {
    /** Method and path template of every route the server has, from its router (hidden ones too). */
    function routerRoutes(app: FastifyInstance): string[] {
      const found: string[] = [];
      const stack: string[] = [];
      for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
        const match = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
        if (!match) continue;
        const depth = (match[1] ?? '').length / 4;
        const path = `${stack[depth - 1] ?? ''}${match[2]}`;
        stack.length = depth;
        stack.push(path);
        for (const method of match[3]?.split(', ') ?? []) found.push(`${method} ${path}`);
      }
      return found;
    }

    const versions = () => t.config.versions.current;
    const table = (filter: (route: ApiRoute) => boolean = () => true) =>
      apiRoutes.filter(filter).map(routeName).sort();

    it('every route the router has under each API version is in the table, and no other', () => {
      const all = routerRoutes(t.app);
      // A change of printRoutes' format must fail here, not pass with nothing found.
      expect(all).toContain('GET /api/v/1/users/me');
      for (const version of versions()) {
        const prefix = `/api/v/${version}`;
        const served = all
          .filter((r) => r.split(' ')[1]?.startsWith(`${prefix}/`) && !r.startsWith('HEAD '))
          .map((r) => r.replace(` ${prefix}/`, ' /'))
          .sort();
        expect(served, `routes under ${prefix}`).toEqual(table());
      }
    });

    it('every route of the table exists (hasRoute)', () => {
      for (const version of versions()) {
        for (const route of apiRoutes) {
          const url = `/api/v/${version}${route.path}`;
          expect(t.app.hasRoute({ method: route.method, url }), `${route.method} ${url}`).toBe(true);
        }
      }
    });

    it('the OpenAPI document lists exactly the visible routes, with bearer security exactly on the protected ones', async () => {
      for (const version of versions()) {
        const prefix = `/api/v/${version}`;
        const response = await t.app.inject({ url: `${prefix}/openapi.json` });
        expect(response.statusCode).toBe(200);
        const paths = (response.json() as { paths: Record<string, Record<string, { security?: unknown }>> })
          .paths;
        const listed: string[] = [];
        for (const [path, operations] of Object.entries(paths)) {
          if (!path.startsWith(`${prefix}/`)) continue;
          for (const [method, operation] of Object.entries(operations)) {
            const name = `${method.toUpperCase()} ${path.slice(prefix.length).replaceAll(/\{(\w+)\}/g, ':$1')}`;
            listed.push(name);
            const route = apiRoutes.find((r) => routeName(r) === name);
            expect(operation.security, `security of ${name}`).toEqual(
              route?.permission === 'public' ? undefined : [{ bearer: [] }],
            );
          }
        }
        expect(listed.sort(), `OpenAPI paths under ${prefix}`).toEqual(table((r) => r.inOpenApi !== false));
      }
    });

    it('every route names a permission of the matrix, and every path parameter is described', () => {
      for (const route of apiRoutes) {
        expect(route.permission === 'public' || isPermission(route.permission), routeName(route)).toBe(true);
        if (route.pending) continue;
        expect(route.success, `${routeName(route)}: the status of success`).toBeDefined();
        expect(paramsOf(route.path), `${routeName(route)}: its path parameters have fixtures`).toEqual(
          route.id ? ['id'] : [],
        );
      }
    });
  });

  describe('no token: 401 with the Bearer challenge', () => {
    it.each(named(protectedRoutes))('%s', async (name, route) => {
      const call = await validCall(route, fx.operator, alpha.agentId, targets.get(name));
      const headerSets: Record<string, string>[] = [{}, { authorization: 'Basic dHJ1c3RlZDpzZWNyZXQ=' }];
      for (const headers of headerSets) {
        const response = await sendRefused(route, call, null, headers);
        expectProblem(response, 401, 'unauthenticated');
        expect(response.headers['www-authenticate']).toBe('Bearer realm="hearth"');
      }
    });
  });

  describe('a bad token: unknown is 401 invalid_token, malformed is 400 invalid_request', () => {
    it.each(named(protectedRoutes))('%s', async (name, route) => {
      const call = await validCall(route, fx.operator, alpha.agentId, targets.get(name));
      for (const unknown of [
        randomUUID(),
        'x'.repeat(64),
        fx.operator.token.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      ]) {
        const response = await sendRefused(route, call, unknown);
        expectProblem(response, 401, 'invalid_token');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="hearth", error="invalid_token"/);
      }
      // RFC 6750 §3.1: a request that is not a well-formed Bearer credential is invalid_request (400).
      for (const header of ['Bearer', 'Bearer two tokens', 'Bearer tok€n']) {
        const response = await sendRefused(route, call, null, { authorization: header });
        expectProblem(response, 400, 'bad_request');
        expect(response.headers['www-authenticate']).toBe('Bearer realm="hearth", error="invalid_request"');
      }
    });
  });

  describe('an expired token: 401 invalid_token', () => {
    let expired: Account;
    beforeAll(async () => {
      // An operator's token would pass every permission: only its expiry can refuse it.
      expired = await fx.operatorAccount();
      await fx.expireTokensOf(expired.id);
    });

    it.each(named(protectedRoutes))('%s', async (name, route) => {
      const call = await validCall(route, expired, alpha.agentId, targets.get(name));
      const response = await sendRefused(route, call, expired.token);
      expectProblem(response, 401, 'invalid_token');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="hearth", error="invalid_token"/);
    });
  });

  describe('a revoked token (POST /oauth/revoke): 401 invalid_token', () => {
    let revoked: Account;
    beforeAll(async () => {
      revoked = await fx.operatorAccount();
      await fx.revoke(revoked.token);
    });

    it.each(named(protectedRoutes))('%s', async (name, route) => {
      const call = await validCall(route, revoked, alpha.agentId, targets.get(name));
      const response = await sendRefused(route, call, revoked.token);
      expectProblem(response, 401, 'invalid_token');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="hearth", error="invalid_token"/);
    });
  });

  describe('a suspended agent: 403 agent_suspended for every one of its users', () => {
    let suspended: Agent;
    let viewer: Account;
    const ids = new Map<string, string>();
    beforeAll(async () => {
      suspended = await fx.agent('Suspended');
      viewer = await suspended.account('viewer');
      // Resources of the suspended agent itself, made while it was active: only the suspension refuses.
      for (const route of protectedRoutes) {
        if (route.id) ids.set(routeName(route), await route.id.make(fx, suspended.agentId));
      }
      // The tokens were used (and cached) before: suspension must reach them at once.
      for (const account of [suspended.admin, viewer]) {
        expect((await fx.send('GET', '/users/me', { token: account.token })).statusCode).toBe(200);
      }
      await fx.setAgentStatus(suspended.agentId, 'suspended');
    });

    it.each(named(protectedRoutes))('%s', async (name, route) => {
      for (const account of [suspended.admin, viewer]) {
        const call = await validCall(route, account, suspended.agentId, ids.get(name));
        const response = await sendRefused(route, call, account.token);
        expectProblem(response, 403, 'agent_suspended');
      }
    });

    it('lets the users in again once the operator reactivates the agent', async () => {
      const agent = await fx.agent('Reactivated');
      await fx.setAgentStatus(agent.agentId, 'suspended');
      expectProblem(await fx.send('GET', '/users/me', { token: agent.admin.token }), 403, 'agent_suspended');
      await fx.setAgentStatus(agent.agentId, 'active');
      const me = await fx.send('GET', '/users/me', { token: agent.admin.token });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toMatchObject({ id: agent.admin.id, agent: { id: agent.agentId, status: 'active' } });
    });
  });

  describe('a role without the permission: 403 forbidden, nothing stored', () => {
    it.each(refusedPairs)('%s', async (_name, route, role) => {
      const caller = accounts[role];
      const call = await validCall(route, caller, alpha.agentId, targets.get(routeName(route)));
      expectProblem(await sendRefused(route, call, caller.token), 403, 'forbidden');
    });
  });

  describe('a role with the permission: the request goes through', () => {
    it.each(allowedPairs)('%s', async (_name, route, role) => {
      // A request that changes the caller's own account gets a spare account of that role.
      const caller = route.changesCaller
        ? role === 'operator'
          ? await fx.operatorAccount()
          : await alpha.account(role)
        : accounts[role];
      const call = await validCall(route, caller, alpha.agentId);
      const response = await send(route, call, caller.token);
      expect(response.statusCode, response.body).toBe(route.success);
    });
    for (const [name, route] of pendingPairs) it.todo(`${name} (${route.pending})`);
  });

  describe("another agent's ids: 404, exactly as an id that does not exist", () => {
    const tenantRoutes = protectedRoutes.filter((r) => r.id?.tenant);

    it.each(named(tenantRoutes))("%s: the admin of one agent, an id of another's", async (_name, route) => {
      const admin = accounts.admin;
      const theirs = await validCall(route, admin, bravo.agentId, await route.id?.make(fx, bravo.agentId));
      const other = await sendRefused(route, theirs, admin.token);
      expectProblem(other, 404, 'not_found');
      const missingId = randomUUID();
      const missing = await sendRefused(route, { ...theirs, id: missingId }, admin.token);
      expect(answerShape(other, theirs.id as string)).toEqual(answerShape(missing, missingId));
      // Their own admin still sees it (so the 404 was the tenancy, not a missing row).
      const own = await fx.send('GET', route.path.replace(/\/resend$/, ''), {
        id: theirs.id as string,
        token: bravo.admin.token,
      });
      expect(own.statusCode, own.body).toBe(200);
    });

    for (const route of protectedRoutes.filter((r) => r.pending && paramsOf(r.path).length > 0)) {
      it.todo(`${routeName(route)}: the admin of one agent, an id of another's (${route.pending})`);
    }

    it.each(named(protectedRoutes.filter((r) => r.id)))(
      '%s: an id that does not exist is 404 for the operator too',
      async (_name, route) => {
        const call = await validCall(route, fx.operator, alpha.agentId, randomUUID());
        expectProblem(await sendRefused(route, call, fx.operator.token), 404, 'not_found');
      },
    );

    it.each(named(protectedRoutes.filter((r) => r.agentInBody)))(
      '%s: an admin naming another agent in the body gets 404, as for an agent that does not exist',
      async (_name, route) => {
        const admin = accounts.admin;
        const call = await validCall(route, admin, alpha.agentId);
        const body = call.body as Record<string, unknown>;
        const other = await sendRefused(
          route,
          { ...call, body: { ...body, agentId: bravo.agentId } },
          admin.token,
        );
        expectProblem(other, 404, 'not_found');
        const missingId = randomUUID();
        const missing = await sendRefused(
          route,
          { ...call, body: { ...body, agentId: missingId } },
          admin.token,
        );
        expect(answerShape(other, bravo.agentId)).toEqual(answerShape(missing, missingId));
      },
    );

    /** Every item of a list, following nextCursor. */
    async function everything(route: ApiRoute, token: string, query: Record<string, string> = {}) {
      const items: Array<Record<string, unknown>> = [];
      let cursor: string | null = null;
      do {
        const response = await fx.send(route.method, route.path, {
          token,
          query: { ...query, limit: '200', ...(cursor ? { cursor } : {}) },
        });
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json() as { items: Array<Record<string, unknown>>; nextCursor: string | null };
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    }

    it.each(named(protectedRoutes.filter((r) => r.list)))(
      "%s: an admin's list never holds another agent's rows, not even when asked for them",
      async (_name, route) => {
        // Something of the other agent's in every list: its admin, an invitation, their audit events.
        await fx.invitation(bravo.agentId);
        const agentOf = route.list?.agentOf ?? (() => undefined);
        const theirs = await everything(route, fx.operator.token, { agentId: bravo.agentId });
        expect(theirs.length, 'rows of the other agent, as the operator sees them').toBeGreaterThan(0);
        expect(theirs.every((item) => agentOf(item) === bravo.agentId)).toBe(true);

        const mine = await everything(route, accounts.admin.token);
        expect(mine.length).toBeGreaterThan(0);
        expect(mine.filter((item) => agentOf(item) !== alpha.agentId)).toEqual([]);
        const theirIds = new Set(theirs.map((item) => item.id));
        expect(mine.filter((item) => theirIds.has(item.id))).toEqual([]);

        if (route.list?.agentFilter) {
          for (const agentId of [bravo.agentId, randomUUID()]) {
            const asked = await fx.send(route.method, route.path, {
              token: accounts.admin.token,
              query: { agentId },
            });
            expect(asked.statusCode, asked.body).toBe(200);
            expect(asked.json()).toEqual({ items: [], nextCursor: null });
          }
        }
      },
    );
  });

  describe('HEAD, which Fastify adds to every GET, is guarded the same way', () => {
    const gets = protectedRoutes.filter((r) => r.method === 'GET');

    it.each(named(gets))('%s', async (name, route) => {
      const call = await validCall(route, fx.operator, alpha.agentId, targets.get(name));
      const head = (token: string | null) => fx.send('HEAD', route.path, { ...call, token });
      const anonymous = await head(null);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="hearth"');
      // A pending route's ids exist nowhere: only the refusals are checked for it.
      for (const role of ROLES.filter((r) => !route.pending || !can(r, route.permission))) {
        const response = await head(accounts[role].token);
        expect(response.statusCode, `${role}: ${response.body}`).toBe(
          can(role, route.permission) ? 200 : 403,
        );
        expect(response.body).toBe('');
      }
    });
  });

  describe('public routes: no bearer token needed, and a bad one is ignored', () => {
    it.each(named(publicRoutes))('%s', async (_name, route) => {
      const headerSets: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${randomUUID()}` },
        { authorization: 'Bearer a b' },
      ];
      for (const headers of headerSets) {
        const call = await validCall(route, fx.operator, alpha.agentId);
        const response = await send(route, call, null, headers);
        expect(response.statusCode, response.body).toBe(route.success);
      }
    });
  });
});
