import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, isPermission } from '../../src/auth/permissions.js';
import {
  type Account,
  type Agent,
  answerShape,
  type Call,
  completeOrder,
  dialect,
  expectProblem,
  type Named,
  OPERATOR,
  ROLES,
  type Role,
  SecurityFixture,
  startTestApp,
  type Target,
  type TestApp,
} from '../harness/index.js';
import {
  type ApiRoute,
  apiRoutes,
  paramsOf,
  protectedRoutes,
  publicRoutes,
  type RouteContext,
  routeName,
} from './routes.js';

// The shared security suite (one security suite for every route): every route
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
  const targets = new Map<string, Target>();

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
      if (route.id) targets.set(routeName(route), await makeTarget(route, alpha.agentId));
    }
  });
  afterAll(async () => t?.close());

  /** A fresh resource of the route's kind in an agent: its `:id`, and the child's for a two-id path. */
  async function makeTarget(route: ApiRoute, agentId: string): Promise<Target> {
    if (!route.id) throw new Error(`${routeName(route)} takes no id`);
    const id = await route.id.make(fx, agentId);
    const child = route.id.child;
    return child ? { id, params: { [child.param]: await child.make(fx, id) } } : { id };
  }

  /** Ids that exist nowhere, for every parameter of the route's path. */
  function randomTarget(route: ApiRoute): Target {
    const [, ...others] = paramsOf(route.path);
    const params = Object.fromEntries(others.map((name) => [name, randomUUID()]));
    return { id: randomUUID(), ...(others.length > 0 ? { params } : {}) };
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

  /**
   * The GET that shows what a route acts on: its own path, or else the path without its last
   * segment, an action (/resend, /submission, /occupant-erasure).
   */
  const readPath = (route: ApiRoute): string =>
    apiRoutes.some((r) => r.method === 'GET' && r.path === route.path)
      ? route.path
      : route.path.replace(/\/[^/:]+$/, '');

  /** A valid request of a route for this caller acting on this agent (its ids made fresh there). */
  async function validCall(
    route: ApiRoute,
    caller: Account,
    agentId: string,
    target?: Target,
  ): Promise<Call> {
    if (route.pending) {
      // No fixtures yet: ids that exist nowhere and an empty body, for the cases refused before both matter.
      const params = Object.fromEntries(paramsOf(route.path).map((name) => [name, randomUUID()]));
      return { params, ...(route.method === 'POST' || route.method === 'PUT' ? { body: {} } : {}) };
    }
    const ids = route.id ? (target ?? (await makeTarget(route, agentId))) : undefined;
    const ctx: RouteContext = { fx, caller, agentId, ...(ids ? { target: ids } : {}) };
    return {
      ...(ids ? { id: ids.id, ...(ids.params ? { params: ids.params } : {}) } : {}),
      ...(route.query ? { query: route.query(ctx) } : {}),
      ...(route.body ? { body: await route.body(ctx) } : {}),
      ...(route.csv ? { headers: { 'content-type': 'text/csv' } } : {}),
    };
  }

  /** Every item of a list, following nextCursor (a list without a query string is one page). */
  async function everything(route: ApiRoute, token: string, query: Record<string, string> = {}) {
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const response = await fx.send(route.method, route.path, {
        token,
        query: route.query ? { ...query, limit: '200', ...(cursor ? { cursor } : {}) } : query,
      });
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json() as { items: Array<Record<string, unknown>>; nextCursor?: string | null };
      items.push(...page.items);
      cursor = page.nextCursor ?? null;
    } while (cursor);
    return items;
  }

  const send = (route: ApiRoute, call: Call, token: string | null, headers: Record<string, string> = {}) =>
    fx.send(route.method, route.path, { ...call, token, headers: { ...call.headers, ...headers } });

  /** Sends the request and asserts it stored nothing and changed no row it named. */
  const sendRefused = (
    route: ApiRoute,
    call: Call,
    token: string | null,
    headers: Record<string, string> = {},
  ) => fx.refused(() => send(route, call, token, headers), namedBy(route, call));

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
          route.id ? ['id', ...(route.id.child ? [route.id.child.param] : [])] : [],
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
    const ids = new Map<string, Target>();
    beforeAll(async () => {
      suspended = await fx.agent('Suspended');
      viewer = await suspended.account('viewer');
      // Resources of the suspended agent itself, made while it was active: only the suspension refuses.
      for (const route of protectedRoutes) {
        if (route.id) ids.set(routeName(route), await makeTarget(route, suspended.agentId));
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

  describe("a home's gateway: 403 forbidden on every route its role lacks, nothing stored", () => {
    // A gateway token is a valid bearer token of the agent: only the permission matrix refuses it.
    let gateway: { token: string };
    beforeAll(async () => {
      gateway = await fx.gateway(alpha.agentId);
    });

    it.each(named(protectedRoutes.filter((r) => !can('gateway', r.permission))))(
      '%s',
      async (name, route) => {
        const call = await validCall(route, accounts.admin, alpha.agentId, targets.get(name));
        const response = await sendRefused(route, call, gateway.token);
        expectProblem(response, 403, 'forbidden');
        expect(response.json()).toMatchObject({ detail: expect.stringContaining('(gateway)') });
      },
    );
  });

  describe('an integration client: only what its access allows, 403 forbidden on everything else, nothing stored', () => {
    // docs/permissions.md: a read client reads the agent's data as a viewer does; a read_write
    // client also writes what an editor writes; neither reaches an admin-only route or /users/me.
    let clients: Record<'read' | 'read_write', { token: string }>;
    const roleOf = { read: 'integration_read', read_write: 'integration_read_write' } as const;
    beforeAll(async () => {
      clients = {
        read: await fx.integrationClient(alpha.agentId, 'read'),
        read_write: await fx.integrationClient(alpha.agentId, 'read_write'),
      };
    });

    // Issue #18: "a read client gets 403 on every write route", whatever permission the route names.
    it.each(named(protectedRoutes.filter((r) => r.method !== 'GET')))(
      'read → %s (a write): 403',
      async (name, route) => {
        expect(can('integration_read', route.permission), `${name} is a write`).toBe(false);
        const call = await validCall(route, accounts.editor, alpha.agentId, targets.get(name));
        const response = await sendRefused(route, call, clients.read.token);
        expectProblem(response, 403, 'forbidden');
        expect(response.json()).toMatchObject({
          detail: expect.stringContaining('integration client with read access'),
        });
      },
    );

    const reads = protectedRoutes.filter((r) => r.method === 'GET' && !r.pending);
    it.each(
      (['read', 'read_write'] as const).flatMap((access) =>
        reads.map((route) => [`${access} → ${routeName(route)}`, route, access] as const),
      ),
    )('%s: 200 when its access has the permission, else 403', async (_name, route, access) => {
      const call = await validCall(route, accounts.admin, alpha.agentId, targets.get(routeName(route)));
      if (can(roleOf[access], route.permission)) {
        const response = await send(route, call, clients[access].token);
        expect(response.statusCode, response.body).toBe(route.success);
      } else {
        expectProblem(await sendRefused(route, call, clients[access].token), 403, 'forbidden');
      }
    });

    const writes = protectedRoutes.filter((r) => r.method !== 'GET' && !r.pending);
    it.each(named(writes))(
      'read_write → %s: goes through as an editor’s would, or 403',
      async (name, route) => {
        if (can('integration_read_write', route.permission)) {
          expect(
            can('editor', route.permission),
            `${name}: a read_write client writes only what an editor may`,
          ).toBe(true);
          const call = await validCall(route, accounts.editor, alpha.agentId);
          const response = await send(route, call, clients.read_write.token);
          expect(response.statusCode, response.body).toBe(route.success);
        } else {
          const call = await validCall(route, accounts.editor, alpha.agentId, targets.get(name));
          expectProblem(await sendRefused(route, call, clients.read_write.token), 403, 'forbidden');
        }
      },
    );

    it('neither access has an admin-only permission, nor self (a client is not a person)', () => {
      for (const route of protectedRoutes) {
        for (const access of ['read', 'read_write'] as const) {
          if (can(roleOf[access], route.permission)) {
            expect(can('editor', route.permission), `${access} → ${routeName(route)}`).toBe(true);
          }
        }
        if (route.permission === 'self' || route.permission === 'integration-clients.manage') {
          expect(can('integration_read_write', route.permission)).toBe(false);
        }
      }
    });

    it.each(named(protectedRoutes))(
      "%s: a suspended agent's client is 403 agent_suspended",
      async (_name, route) => {
        const call = await validCall(
          route,
          suspendedClient.agent.admin,
          suspendedClient.agent.agentId,
          randomTarget(route),
        );
        expectProblem(await sendRefused(route, call, suspendedClient.token), 403, 'agent_suspended');
      },
    );
    let suspendedClient: { agent: Agent; token: string };
    beforeAll(async () => {
      const agent = await fx.agent('Suspended clients');
      const client = await fx.integrationClient(agent.agentId, 'read_write');
      // Used (and its check cached) before: the suspension must reach it at once.
      expect((await fx.send('GET', '/homes', { token: client.token })).statusCode).toBe(200);
      await fx.setAgentStatus(agent.agentId, 'suspended');
      suspendedClient = { agent, token: client.token };
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
      // Every id of the path is the other agent's (a home of theirs, and its own definition).
      const theirs = await validCall(route, admin, bravo.agentId, await makeTarget(route, bravo.agentId));
      const other = await sendRefused(route, theirs, admin.token);
      expectProblem(other, 404, 'not_found');
      const absent = randomTarget(route);
      const missing = await sendRefused(route, { ...theirs, ...absent }, admin.token);
      expect(answerShape(other, theirs.id as string, theirs.params)).toEqual(
        answerShape(missing, absent.id, absent.params),
      );
      // Their own admin still sees it (so the 404 was the tenancy, not a missing row).
      const own = await fx.send('GET', readPath(route), {
        id: theirs.id as string,
        ...(theirs.params ? { params: theirs.params } : {}),
        token: bravo.admin.token,
      });
      expect(own.statusCode, own.body).toBe(200);
    });

    it.each(named(protectedRoutes.filter((r) => r.id?.child)))(
      "%s: a home the caller sees, with the id of another home's definition (of the same agent or another)",
      async (_name, route) => {
        const param = route.id?.child?.param as string;
        const callers = [accounts.admin, ...(can('operator', route.permission) ? [fx.operator] : [])];
        for (const caller of callers) {
          const mine = await validCall(route, caller, alpha.agentId);
          const absentId = randomUUID();
          const missing = await sendRefused(
            route,
            { ...mine, params: { ...mine.params, [param]: absentId } },
            caller.token,
          );
          expectProblem(missing, 404, 'not_found');
          for (const owner of [alpha, bravo]) {
            const elsewhere = await makeTarget(route, owner.agentId);
            const theirId = elsewhere.params?.[param] as string;
            const other = await sendRefused(
              route,
              { ...mine, params: { ...mine.params, [param]: theirId } },
              caller.token,
            );
            expectProblem(other, 404, 'not_found');
            expect(answerShape(other, mine.id as string, { [param]: theirId })).toEqual(
              answerShape(missing, mine.id as string, { [param]: absentId }),
            );
            // The definition is there, under its own home.
            const own = await fx.send('GET', route.path, { ...elsewhere, token: fx.operator.token });
            expect(own.statusCode, own.body).toBe(200);
          }
        }
      },
    );

    for (const route of protectedRoutes.filter((r) => r.pending && paramsOf(r.path).length > 0)) {
      it.todo(`${routeName(route)}: the admin of one agent, an id of another's (${route.pending})`);
    }

    it.each(named(protectedRoutes.filter((r) => r.id && !r.id.creates)))(
      '%s: an id that does not exist is 404 for the operator too (or, on an agent-only route, its admin)',
      async (_name, route) => {
        const caller = can('operator', route.permission) ? fx.operator : accounts.admin;
        const call = await validCall(route, caller, alpha.agentId, randomTarget(route));
        expectProblem(await sendRefused(route, call, caller.token), 404, 'not_found');
      },
    );

    it.each(named(protectedRoutes.filter((r) => r.id?.creates)))(
      '%s: an id that does not exist yet is made by the request (PUT creates it)',
      async (_name, route) => {
        const call = await validCall(route, fx.operator, alpha.agentId, randomTarget(route));
        const response = await send(route, call, fx.operator.token);
        expect(response.statusCode, response.body).toBe(route.success);
        expect(await fx.row(route.id?.kind as 'region', call.id as string)).toBeDefined();
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

    it.each(named(protectedRoutes.filter((r) => r.list)))(
      "%s: an admin's list never holds another agent's rows, not even when asked for them",
      async (_name, route) => {
        // Something of the other agent's in every list: its admin, an invitation, their audit events,
        // and one more row of the list's own kind (an order and its home, a home group).
        await fx.invitation(bravo.agentId);
        for (const agent of [alpha, bravo]) await route.list?.make?.(fx, agent.agentId);
        const agentsOf = async (items: Array<Record<string, unknown>>) =>
          Promise.all(items.map(async (item) => route.list?.agentOf(item, fx)));
        let theirs: Array<Record<string, unknown>>;
        if (route.list?.agentFilter) {
          theirs = await everything(route, fx.operator.token, { agentId: bravo.agentId });
          expect((await agentsOf(theirs)).every((agent) => agent === bravo.agentId)).toBe(true);
        } else {
          // No filter: the operator's list holds every agent's rows; the other agent's are among them.
          const all = await everything(route, fx.operator.token);
          const agents = await agentsOf(all);
          expect(agents.every((agent) => typeof agent === 'string')).toBe(true);
          theirs = all.filter((_, i) => agents[i] === bravo.agentId);
        }
        expect(theirs.length, 'rows of the other agent, as the operator sees them').toBeGreaterThan(0);

        const mine = await everything(route, accounts.admin.token);
        expect(mine.length).toBeGreaterThan(0);
        const myAgents = await agentsOf(mine);
        expect(mine.filter((_, i) => myAgents[i] !== alpha.agentId)).toEqual([]);
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

  describe('a user who may not see that home: 404, exactly as a home that does not exist', () => {
    // docs/permissions.md, "Which homes": an editor or viewer limited to some home groups reaches a
    // home outside them on no route, and no list shows it.
    let restricted: Record<'editor' | 'viewer', Account>;
    let theirGroup: string;
    let otherGroup: string;
    /** A home in their group, and homes of their agent outside it (in another group; in none). */
    let visible: { id: string; orderId: string };
    let hidden: Array<{ id: string; orderId: string }>;
    const homeRoutes = protectedRoutes.filter((r) => r.id?.home);
    const homeLists = protectedRoutes.filter((r) => r.list?.homeOf);
    const restrictedRoles = ['editor', 'viewer'] as const;

    beforeAll(async () => {
      [theirGroup, otherGroup] = [await fx.homeGroup(alpha.agentId), await fx.homeGroup(alpha.agentId)];
      restricted = { editor: await alpha.account('editor'), viewer: await alpha.account('viewer') };
      for (const user of Object.values(restricted)) {
        const response = await fx.send('PUT', '/users/:id', {
          id: user.id,
          token: alpha.admin.token,
          body: { homeAccess: { mode: 'groups', groupIds: [theirGroup] } },
        });
        expect(response.statusCode, response.body).toBe(200);
      }
      visible = await fx.home(alpha.agentId);
      await fx.setHomeGroups(alpha.agentId, visible.id, [theirGroup]);
      hidden = [await fx.home(alpha.agentId), await fx.home(alpha.agentId)];
      await fx.setHomeGroups(alpha.agentId, (hidden[0] as { id: string }).id, [otherGroup]);
      // Lists that only some homes have items in (alarms): give these homes one each.
      for (const route of homeLists) {
        for (const home of [visible, ...hidden]) await route.list?.forHome?.(fx, alpha.agentId, home.id);
      }
    });

    /** A valid request of the route reaching a fresh home of the agent, in no home group yet. */
    async function reachingAHome(route: ApiRoute, caller: Account): Promise<{ call: Call; homeId: string }> {
      if (route.id?.home === 'order') {
        const home = await fx.home(alpha.agentId);
        return { call: await validCall(route, caller, alpha.agentId, { id: home.orderId }), homeId: home.id };
      }
      const call = await validCall(route, caller, alpha.agentId);
      return { call, homeId: call.id as string };
    }

    it.each(
      homeRoutes.flatMap((route) =>
        restrictedRoles.map((role) => [`${role} → ${routeName(route)}`, route, role] as const),
      ),
    )('%s', async (_name, route, role) => {
      const caller = restricted[role];
      const { call, homeId } = await reachingAHome(route, caller);
      const absent = randomTarget(route);
      for (const groups of [[], [otherGroup]]) {
        if (groups.length > 0) await fx.setHomeGroups(alpha.agentId, homeId, groups);
        const other = await sendRefused(route, call, caller.token);
        const missing = await sendRefused(route, { ...call, ...absent }, caller.token);
        // A role without the route's permission is refused for the role alone, whatever the home.
        if (can(role, route.permission)) expectProblem(other, 404, 'not_found');
        else expectProblem(other, 403, 'forbidden');
        expect(answerShape(other, call.id as string, call.params)).toEqual(
          answerShape(missing, absent.id, absent.params),
        );
      }
      // In one of their groups, the same home is theirs to read: the 404 was the group, nothing else.
      await fx.setHomeGroups(alpha.agentId, homeId, [otherGroup, theirGroup]);
      const read = await fx.send('GET', readPath(route), {
        id: call.id as string,
        ...(call.params ? { params: call.params } : {}),
        token: caller.token,
      });
      expect(read.statusCode, read.body).toBe(200);
    });

    it.each(
      homeLists.flatMap((route) =>
        restrictedRoles.map(
          (role) => [`${role} → ${routeName(route)}: only their groups' homes`, route, role] as const,
        ),
      ),
    )('%s', async (_name, route, role) => {
      const homeOf = route.list?.homeOf ?? (() => undefined);
      const homesRoute = apiRoutes.find((r) => routeName(r) === 'GET /homes') as ApiRoute;
      const inTheirGroup = new Set(
        (await everything(homesRoute, alpha.admin.token, { groupId: theirGroup })).map((h) => h.id),
      );
      expect(inTheirGroup.has(visible.id)).toBe(true);

      const homes = (await everything(route, restricted[role].token)).map(homeOf).filter((h) => h != null);
      expect(homes).toContain(visible.id);
      expect(homes.filter((h) => !inTheirGroup.has(h))).toEqual([]);
      for (const home of hidden) expect(homes).not.toContain(home.id);
      // The admin's list of the same agent does hold them.
      const all = (await everything(route, alpha.admin.token)).map(homeOf);
      for (const home of hidden) expect(all).toContain(home.id);
    });

    it.each(restrictedRoles)(
      '%s: asking GET /homes for another group, or searching for a hidden home, finds none of them',
      async (role) => {
        const token = restricted[role].token;
        const homesRoute = apiRoutes.find((r) => routeName(r) === 'GET /homes') as ApiRoute;
        const ordersRoute = apiRoutes.find((r) => routeName(r) === 'GET /orders') as ApiRoute;
        // Homes of the other group that are in theirs too (the cases above put some there) are theirs.
        const inTheirGroup = new Set(
          (await everything(homesRoute, alpha.admin.token, { groupId: theirGroup })).map((h) => h.id),
        );
        const ofOtherGroup = (await everything(homesRoute, token, { groupId: otherGroup })).map((h) => h.id);
        expect(ofOtherGroup.filter((id) => !inTheirGroup.has(id))).toEqual([]);
        expect(ofOtherGroup).not.toContain((hidden[0] as { id: string }).id);
        for (const home of hidden) {
          const { reference } = (
            await fx.send('GET', '/homes/:id', { id: home.id, token: alpha.admin.token })
          ).json() as { reference: string };
          expect(await everything(homesRoute, token, { q: reference })).toEqual([]);
          expect(await everything(ordersRoute, token, { q: reference })).toEqual([]);
          // The admin finds it so.
          expect(
            (await everything(homesRoute, alpha.admin.token, { q: reference })).map((h) => h.id),
          ).toEqual([home.id]);
        }
      },
    );
  });

  describe('occupant details: never shown to a viewer or the operator', () => {
    const { occupant } = completeOrder('any');
    let draft: string;
    let home: { id: string; orderId: string };
    beforeAll(async () => {
      [draft, home] = [await fx.order(alpha.agentId), await fx.home(alpha.agentId)];
    });

    it.each(ROLES)('%s: GET /orders/:id, /homes/:id and the lists of orders and homes', async (role) => {
      const caller = accounts[role];
      const sees = role === 'admin' || role === 'editor';
      const reads: Array<[string, string]> = [
        ['/orders/:id', draft],
        ['/orders/:id', home.orderId],
        ['/homes/:id', home.id],
      ];
      const bodies: string[] = [];
      for (const [path, id] of reads) {
        const response = await fx.send('GET', path, { id, token: caller.token });
        expect(response.statusCode, response.body).toBe(200);
        const body = response.json() as Record<string, unknown>;
        if (sees) expect(body.occupant, `${path} for ${role}`).toEqual(occupant);
        else expect(Object.keys(body), `${path} for ${role}`).not.toContain('occupant');
        bodies.push(response.body);
      }
      for (const route of protectedRoutes.filter((r) => r.list?.homeOf)) {
        const items = await everything(route, caller.token);
        expect(items.length).toBeGreaterThan(0);
        if (!sees) expect(items.filter((item) => Object.hasOwn(item, 'occupant'))).toEqual([]);
        bodies.push(JSON.stringify(items));
      }
      // Not under another name either: none of the occupant's details appear anywhere in the answers.
      if (!sees) {
        for (const value of Object.values(occupant)) {
          for (const body of bodies) expect(body).not.toContain(value);
        }
      }
    });
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
