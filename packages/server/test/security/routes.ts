import type { Permission } from '../../src/auth/permissions.js';
import type { Account, SecurityFixture } from './fixture.js';

/** Who makes a request, and the agent it acts on (the caller's own; the operator's chosen one). */
export interface RouteContext {
  fx: SecurityFixture;
  caller: Account;
  agentId: string;
}

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Under the version prefix (/api/v/1), with `:id` where the route takes an id. */
  path: `/${string}`;
  /** The permission of src/auth/permissions.ts the route names, or `public` (no bearer token). */
  permission: Permission | 'public';
  /** false for a route hidden from the OpenAPI document. */
  inOpenApi?: false;
  /** The status of a valid request by a role that has the permission (required unless pending). */
  success?: number;
  /** A valid JSON body for this caller. */
  body?: (ctx: RouteContext) => unknown | Promise<unknown>;
  /** A valid query string for this caller. */
  query?: (ctx: RouteContext) => Record<string, string>;
  /**
   * The resource behind `:id`. `make` creates a fresh one owned by the given agent, which the
   * request may change or delete. `tenant`: it belongs to one agent, so any other agent's user
   * must get 404 for it, exactly as for an id that does not exist.
   */
  id?: {
    kind: 'agent' | 'user' | 'invitation';
    tenant: boolean;
    make: (fx: SecurityFixture, agentId: string) => Promise<string>;
  };
  /** A list of one agent's rows: what an item's agent is, and whether `?agentId=` filters it. */
  list?: { agentOf: (item: Record<string, unknown>) => unknown; agentFilter: boolean };
  /** The body names an agent in `agentId` (the operator's choice; an admin may name only their own). */
  agentInBody?: boolean;
  /** The request changes the caller's own account: the suite gives each allowed role a spare one. */
  changesCaller?: boolean;
  /**
   * Set while the route has no fixtures here yet (why, in a few words). It then joins only the
   * cases that need no resource of its own — completeness, no/bad/expired/revoked token, a
   * suspended agent, every role without the permission — with random ids and an empty body; the
   * cases that need a real resource (roles with the permission, another agent's ids, bad input)
   * are listed as todo. Give it `body`/`query`/`id` and drop `pending` to join them all.
   */
  pending?: string;
}

const user = (fx: SecurityFixture, agentId: string) => fx.user(agentId).then((u) => u.id);
const invitation = (fx: SecurityFixture, agentId: string) => fx.invitation(agentId).then((i) => i.id);
const agent = (fx: SecurityFixture) => fx.bareAgent();
const agentOf = (item: Record<string, unknown>) => item.agentId;

/**
 * Every route of the API. A route that is not here fails the completeness check of suite.test.ts;
 * once here, it is run against every case of the security suite (no token, bad, expired and revoked
 * tokens, a suspended agent, every role, another agent's ids).
 */
export const apiRoutes: readonly ApiRoute[] = [
  // Your own account
  { method: 'GET', path: '/users/me', permission: 'self', success: 200 },
  {
    method: 'PUT',
    path: '/users/me/password',
    permission: 'self',
    success: 204,
    changesCaller: true,
    body: ({ caller, fx }) => ({
      currentPassword: caller.password,
      newPassword: `violet harbour lighthouse ${fx.unique()}`,
    }),
  },

  // Users
  {
    method: 'GET',
    path: '/users',
    permission: 'users.read',
    success: 200,
    query: ({ caller, agentId }) => ({
      limit: '20',
      status: 'active',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
    list: { agentOf, agentFilter: true },
  },
  {
    method: 'GET',
    path: '/users/:id',
    permission: 'users.read',
    success: 200,
    id: { kind: 'user', tenant: true, make: user },
  },
  {
    method: 'PUT',
    path: '/users/:id',
    permission: 'users.manage',
    success: 200,
    body: ({ fx }) => ({ name: `Renamed ${fx.unique()}`, role: 'editor' }),
    id: { kind: 'user', tenant: true, make: user },
  },
  {
    method: 'DELETE',
    path: '/users/:id',
    permission: 'users.manage',
    success: 204,
    id: { kind: 'user', tenant: true, make: user },
  },

  // Agents: the operator's
  {
    method: 'POST',
    path: '/agents',
    permission: 'agents.manage',
    success: 201,
    body: ({ fx }) => {
      const id = fx.unique();
      return { name: `Agent ${id}`, adminEmail: `first-admin-${id}@example.com`, adminName: `Admin ${id}` };
    },
  },
  {
    method: 'GET',
    path: '/agents',
    permission: 'agents.manage',
    success: 200,
    query: () => ({ limit: '5', q: 'agent', status: 'active' }),
  },
  {
    method: 'GET',
    path: '/agents/:id',
    permission: 'agents.manage',
    success: 200,
    id: { kind: 'agent', tenant: false, make: agent },
  },
  {
    method: 'PUT',
    path: '/agents/:id',
    permission: 'agents.manage',
    success: 200,
    body: ({ fx }) => ({ name: `Renamed ${fx.unique()}` }),
    id: { kind: 'agent', tenant: false, make: agent },
  },
  {
    method: 'DELETE',
    path: '/agents/:id',
    permission: 'agents.manage',
    success: 204,
    id: { kind: 'agent', tenant: false, make: agent },
  },

  // Invitations
  {
    method: 'POST',
    path: '/invitations',
    permission: 'invitations.manage',
    success: 201,
    agentInBody: true,
    body: ({ caller, agentId, fx }) => ({
      email: `new-${fx.unique()}@example.com`,
      role: 'editor',
      name: 'New Colleague',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
  },
  {
    method: 'GET',
    path: '/invitations',
    permission: 'invitations.manage',
    success: 200,
    query: ({ caller, agentId }) => ({
      limit: '20',
      status: 'pending',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
    list: { agentOf, agentFilter: true },
  },
  {
    method: 'GET',
    path: '/invitations/:id',
    permission: 'invitations.manage',
    success: 200,
    id: { kind: 'invitation', tenant: true, make: invitation },
  },
  {
    method: 'DELETE',
    path: '/invitations/:id',
    permission: 'invitations.manage',
    success: 204,
    id: { kind: 'invitation', tenant: true, make: invitation },
  },
  {
    method: 'POST',
    path: '/invitations/:id/resend',
    permission: 'invitations.manage',
    success: 200,
    id: { kind: 'invitation', tenant: true, make: invitation },
  },
  {
    method: 'POST',
    path: '/invitations/acceptance',
    permission: 'public',
    success: 201,
    body: async ({ fx, agentId }) => ({
      token: (await fx.invitation(agentId)).token,
      username: `accepted-${fx.unique()}`,
      password: `copper kettle evening ${fx.unique()}`,
      name: 'Accepting Person',
    }),
  },

  // Audit trail
  {
    method: 'GET',
    path: '/audit-events',
    permission: 'audit.read',
    success: 200,
    query: ({ caller, agentId }) => ({
      limit: '20',
      from: '2000-01-01T00:00:00Z',
      action: 'user',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
    list: { agentOf, agentFilter: true },
  },

  // Orders, homes, provisioning and home groups: fixtures to come with those features' own tests.
  ...(
    [
      ['POST', '/orders', 'orders.write'],
      ['GET', '/orders', 'orders.read'],
      ['GET', '/orders/:id', 'orders.read'],
      ['PUT', '/orders/:id', 'orders.write'],
      ['DELETE', '/orders/:id', 'orders.write'],
      ['POST', '/orders/:id/submission', 'orders.write'],
      ['GET', '/homes', 'homes.read'],
      ['GET', '/homes/:id', 'homes.read'],
      ['GET', '/homes/:id/meters', 'homes.read'],
      ['PUT', '/homes/:id', 'homes.write'],
      ['DELETE', '/homes/:id', 'homes.manage'],
      ['POST', '/homes/:id/occupant-erasure', 'homes.manage'],
      ['GET', '/homes/:id/provisioning', 'homes.read'],
      ['GET', '/homes/:id/provisioning/:provisioningId', 'homes.read'],
      ['POST', '/homes/:id/provisioning', 'homes.write'],
      ['PUT', '/homes/:id/provisioning/:provisioningId', 'homes.write'],
      ['DELETE', '/homes/:id/provisioning/:provisioningId', 'homes.write'],
      ['GET', '/home-groups', 'home-groups.read'],
      ['GET', '/home-groups/:id', 'home-groups.read'],
      ['POST', '/home-groups', 'home-groups.manage'],
      ['PUT', '/home-groups/:id', 'home-groups.manage'],
      ['DELETE', '/home-groups/:id', 'home-groups.manage'],
    ] as const
  ).map(
    ([method, path, permission]): ApiRoute => ({
      method,
      path,
      permission,
      pending: 'fixtures for orders and homes',
    }),
  ),

  // The API description
  { method: 'GET', path: '/openapi.json', permission: 'public', inOpenApi: false, success: 200 },
];

export const routeName = (route: Pick<ApiRoute, 'method' | 'path'>): string =>
  `${route.method} ${route.path}`;

/** The names of a path template's parameters: `/homes/:id/provisioning/:provisioningId` → id, provisioningId. */
export const paramsOf = (path: string): string[] => [...path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);

export const protectedRoutes = apiRoutes.filter(
  (r): r is ApiRoute & { permission: Permission } => r.permission !== 'public',
);
export const publicRoutes = apiRoutes.filter((r) => r.permission === 'public');
