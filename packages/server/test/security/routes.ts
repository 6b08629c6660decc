import type { Permission } from '../../src/auth/permissions.js';
import {
  type Account,
  completeOrder,
  type ResourceKind,
  resetTokenFor,
  type SecurityFixture,
  type Service,
  type Target,
} from '../harness/index.js';

/** Who makes a request, and the agent it acts on (the caller's own; the operator's chosen one). */
export interface RouteContext {
  fx: SecurityFixture;
  caller: Account;
  agentId: string;
  /** The ids the request puts in its path, for a body that names something under them (a channel of the home). */
  target?: Target;
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
  /** A valid JSON body for this caller (a CSV text when `csv`). */
  body?: (ctx: RouteContext) => unknown | Promise<unknown>;
  /** The body is `text/csv` (a series upload), not JSON: bad input checks its lines instead of fields. */
  csv?: true;
  /** A valid query string for this caller. */
  query?: (ctx: RouteContext) => Record<string, string>;
  /**
   * The resource behind `:id`. `make` creates a fresh one owned by the given agent, which the
   * request may change or delete. `tenant`: it belongs to one agent, so any other agent's user
   * must get 404 for it, exactly as for an id that does not exist.
   */
  id?: {
    kind: ResourceKind;
    tenant: boolean;
    make: (fx: SecurityFixture, agentId: string) => Promise<string>;
    /**
     * The path's second parameter (`:provisioningId`): a resource under the one of `:id`. `make`
     * gives one of the resource `:id` names (which the request may change or delete); one under
     * any other, even of the same agent, must be 404 exactly as an id that does not exist.
     */
    child?: {
      param: string;
      kind: ResourceKind;
      make: (fx: SecurityFixture, parentId: string) => Promise<string>;
    };
    /**
     * The route reaches a home: `:id` is the home itself (`home`, made by `make`), or the order a
     * home came from (`order`, a submitted one). A user restricted to home groups must get 404 for
     * a home outside them, exactly as for an id that does not exist (docs/permissions.md).
     */
    home?: 'home' | 'order';
    /**
     * PUT creates the resource at the id it names (a region is made by its first series): an id
     * that does not exist yet is created, not 404.
     */
    creates?: true;
  };
  /**
   * A list of one agent's rows: what an item's agent is, whether `?agentId=` filters it, what
   * makes one more row of it in an agent, and which home an item shows (lists of homes' data:
   * none may show a home the caller may not see).
   */
  list?: {
    agentOf: (item: Record<string, unknown>, fx: SecurityFixture) => unknown;
    agentFilter: boolean;
    make?: (fx: SecurityFixture, agentId: string) => Promise<unknown>;
    homeOf?: (item: Record<string, unknown>) => unknown;
    /** Gives a home of the agent an item of this list, for lists not every home has items in. */
    forHome?: (fx: SecurityFixture, agentId: string, homeId: string) => Promise<unknown>;
  };
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

const order = (fx: SecurityFixture, agentId: string) => fx.order(agentId);
const home = (fx: SecurityFixture, agentId: string) => fx.home(agentId).then((h) => h.id);
/** A home with amr only: another service can be added to it. */
const amrHome = (fx: SecurityFixture, agentId: string) =>
  fx.home(agentId, { services: { amr: { intervalSeconds: 60 } } }).then((h) => h.id);
const homeGroup = (fx: SecurityFixture, agentId: string) => fx.homeGroup(agentId);
const tariff = (fx: SecurityFixture, agentId: string) => fx.tariff(agentId);
const alarm = (fx: SecurityFixture, agentId: string) => fx.alarm(agentId);
/** Regions are platform data: the agent is not theirs. */
const region = (fx: SecurityFixture) => fx.region();
const webhook = (fx: SecurityFixture, agentId: string) => fx.webhook(agentId);
const subscription = (fx: SecurityFixture, agentId: string) => fx.notificationSubscription(agentId);
const integrationClient = (fx: SecurityFixture, agentId: string) =>
  fx.integrationClient(agentId).then((c) => c.id);
/** `:provisioningId`: the home's definition of a service (insight can go; amr goes last). */
const definition = (service: Service) => ({
  param: 'provisioningId',
  kind: 'provisioning' as const,
  make: (fx: SecurityFixture, homeId: string) => fx.definition(homeId, service),
});

/** `:exclusionId`: an exclusion of readings of the home. */
const exclusion = {
  param: 'exclusionId',
  kind: 'telemetry-exclusion' as const,
  make: (fx: SecurityFixture, homeId: string) => fx.exclusion(homeId),
};
let exclusionRanges = 0;
/** A range no other exclusion of this process has: a repeated one would be the same exclusion (200). */
const exclusionRange = () => {
  const from = Date.UTC(2026, 10, 1) + exclusionRanges++ * 60_000;
  return { from: new Date(from).toISOString(), to: new Date(from + 30_000).toISOString() };
};

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

  { method: 'DELETE', path: '/users/me/sessions', permission: 'self', success: 204, changesCaller: true },

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

  // Password resets
  {
    method: 'POST',
    path: '/password-resets',
    permission: 'public',
    success: 202,
    body: ({ fx }) => ({ email: `forgetful-${fx.unique()}@example.com` }),
  },
  {
    method: 'POST',
    path: '/password-resets/confirmation',
    permission: 'public',
    success: 204,
    body: async ({ fx, agentId }) => {
      const user = await fx.user(agentId);
      const read = await fx.send('GET', '/users/:id', { id: user.id, token: fx.operator.token });
      const { email } = read.json() as { email: string };
      return { token: await resetTokenFor(fx.app, email), password: `saffron orchard beacon ${fx.unique()}` };
    },
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

  // Orders
  {
    method: 'POST',
    path: '/orders',
    permission: 'orders.write',
    success: 201,
    body: ({ fx }) => completeOrder(`SEC-${fx.unique()}`),
  },
  {
    method: 'GET',
    path: '/orders',
    permission: 'orders.read',
    success: 200,
    query: () => ({ limit: '20', status: 'draft', q: 'sec-' }),
    list: {
      agentOf,
      agentFilter: false,
      make: (fx, agentId) => fx.home(agentId),
      homeOf: (item) => item.homeId,
    },
  },
  {
    method: 'GET',
    path: '/orders/:id',
    permission: 'orders.read',
    success: 200,
    id: { kind: 'order', tenant: true, make: order, home: 'order' },
  },
  {
    method: 'PUT',
    path: '/orders/:id',
    permission: 'orders.write',
    success: 200,
    body: ({ fx }) => completeOrder(`SEC-${fx.unique()}`),
    id: { kind: 'order', tenant: true, make: order, home: 'order' },
  },
  {
    method: 'DELETE',
    path: '/orders/:id',
    permission: 'orders.write',
    success: 204,
    id: { kind: 'order', tenant: true, make: order, home: 'order' },
  },
  {
    method: 'POST',
    path: '/orders/:id/submission',
    permission: 'orders.write',
    success: 201,
    id: { kind: 'order', tenant: true, make: order, home: 'order' },
  },

  // Homes
  {
    method: 'GET',
    path: '/homes',
    permission: 'homes.read',
    success: 200,
    query: () => ({
      limit: '20',
      status: 'active',
      technology: 'air_source_heat_pump',
      postcode: 'LL55',
      q: 'llanberis',
    }),
    list: {
      // A home's summary does not name its agent: the stored row does.
      agentOf: (item, fx) => fx.agentOfRow('home', item.id as string),
      agentFilter: false,
      make: (fx, agentId) => fx.home(agentId),
      homeOf: (item) => item.id,
    },
  },
  {
    method: 'GET',
    path: '/fleet',
    permission: 'homes.read',
    success: 200,
    query: () => ({
      limit: '20',
      q: 'llanberis',
      connection: 'online,late,offline,never_seen',
      technology: 'air_source_heat_pump',
      sort: 'spf',
      order: 'desc',
    }),
    list: {
      // A fleet row does not name its agent: the stored home does.
      agentOf: (item, fx) => fx.agentOfRow('home', item.id as string),
      agentFilter: false,
      make: (fx, agentId) => fx.home(agentId),
      homeOf: (item) => item.id,
    },
  },
  {
    method: 'GET',
    path: '/homes/:id',
    permission: 'homes.read',
    success: 200,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'GET',
    path: '/homes/:id/meters',
    permission: 'homes.read',
    success: 200,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'POST',
    path: '/homes/:id/meters',
    permission: 'homes.write',
    success: 201,
    body: ({ fx }) => ({
      serial: `EXTRA-${fx.unique()}`,
      kind: 'electricity_meter',
      measures: 'backup_heater',
    }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'PUT',
    path: '/homes/:id',
    permission: 'homes.write',
    success: 200,
    body: ({ fx }) => ({
      reference: `HOME-${fx.unique()}`,
      property: { addressLines: ['2 Church Lane'], town: 'Llanberis', postcode: 'LL55 4UR', country: 'GB' },
      occupant: { name: 'Nia Newcomer', email: 'nia@example.com' },
    }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'DELETE',
    path: '/homes/:id',
    permission: 'homes.manage',
    success: 204,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'POST',
    path: '/homes/:id/occupant-erasure',
    permission: 'homes.manage',
    success: 204,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },

  // Provisioning definitions of a home
  {
    method: 'GET',
    path: '/homes/:id/provisioning',
    permission: 'homes.read',
    success: 200,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'GET',
    path: '/homes/:id/provisioning/:provisioningId',
    permission: 'homes.read',
    success: 200,
    id: { kind: 'home', tenant: true, make: home, child: definition('amr'), home: 'home' },
  },
  {
    method: 'POST',
    path: '/homes/:id/provisioning',
    permission: 'homes.write',
    success: 201,
    body: () => ({ service: 'fault_management', settings: { recipients: ['alerts@example.com'] } }),
    id: { kind: 'home', tenant: true, make: amrHome, home: 'home' },
  },
  {
    method: 'PUT',
    path: '/homes/:id/provisioning/:provisioningId',
    permission: 'homes.write',
    success: 200,
    body: () => ({ status: 'suspended', settings: { intervalSeconds: 300 } }),
    id: { kind: 'home', tenant: true, make: home, child: definition('amr'), home: 'home' },
  },
  {
    method: 'DELETE',
    path: '/homes/:id/provisioning/:provisioningId',
    permission: 'homes.write',
    success: 204,
    id: { kind: 'home', tenant: true, make: home, child: definition('insight'), home: 'home' },
  },

  // The gateway of a home (the fixture's homes have amr, so each has one)
  {
    method: 'GET',
    path: '/homes/:id/gateway',
    permission: 'homes.read',
    success: 200,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'POST',
    path: '/homes/:id/gateway/secret',
    permission: 'gateways.manage',
    success: 201,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'DELETE',
    path: '/homes/:id/gateway/secret',
    permission: 'gateways.manage',
    success: 204,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },

  // Telemetry
  {
    method: 'POST',
    path: '/telemetry',
    permission: 'telemetry.write',
    success: 200,
    body: async ({ fx, agentId }) => ({
      readings: [{ channelId: await fx.channel(agentId), time: new Date().toISOString(), value: 1 }],
    }),
  },
  {
    method: 'GET',
    path: '/homes/:id/telemetry',
    permission: 'telemetry.read',
    success: 200,
    query: () => ({ resolution: 'hour' }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'GET',
    path: '/homes/:id/telemetry/latest',
    permission: 'telemetry.read',
    success: 200,
    query: () => ({ includeExcluded: 'true' }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'GET',
    path: '/homes/:id/telemetry/exclusions',
    permission: 'telemetry.read',
    success: 200,
    query: () => ({ limit: '20' }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'GET',
    path: '/homes/:id/telemetry/exclusions/:exclusionId',
    permission: 'telemetry.read',
    success: 200,
    id: { kind: 'home', tenant: true, make: home, child: exclusion, home: 'home' },
  },
  {
    method: 'POST',
    path: '/homes/:id/telemetry/exclusions',
    permission: 'telemetry.exclude',
    success: 201,
    body: async ({ fx, target }) => ({
      channelId: await fx.channelOfHome(target?.id as string),
      ...exclusionRange(),
      reason: 'the sensor was being replaced',
    }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'DELETE',
    path: '/homes/:id/telemetry/exclusions/:exclusionId',
    permission: 'telemetry.exclude',
    success: 204,
    id: { kind: 'home', tenant: true, make: home, child: exclusion, home: 'home' },
  },

  // Performance
  {
    method: 'GET',
    path: '/homes/:id/performance',
    permission: 'performance.read',
    success: 200,
    query: () => ({ period: 'day' }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'GET',
    path: '/homes/:id/insight',
    permission: 'insight.read',
    success: 200,
    query: () => ({ period: 'day' }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'GET',
    path: '/homes/:id/reports/monthly',
    permission: 'performance.read',
    success: 200,
    // A month the fixture's home is monitored in (its commissioning day is 2026-10-01); no month is
    // the current one.
    query: () => ({ month: '2026-10', period: 'day' }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },

  // Fault management: alarms and the rule catalogue. Group-restricted visibility of alarms is
  // tested in test/faults/alarms.test.ts (an alarm is not a home: `home:` does not describe it).
  {
    method: 'GET',
    path: '/alarms',
    permission: 'alarms.read',
    success: 200,
    query: ({ caller, agentId }) => ({
      limit: '20',
      order: 'asc',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
    list: {
      agentOf,
      agentFilter: true,
      make: alarm,
      homeOf: (item) => item.homeId,
      forHome: (fx, agentId, homeId) => fx.alarm(agentId, homeId),
    },
  },
  {
    method: 'GET',
    path: '/alarms/:id',
    permission: 'alarms.read',
    success: 200,
    id: { kind: 'alarm', tenant: true, make: alarm },
  },
  {
    method: 'PUT',
    path: '/alarms/:id',
    permission: 'alarms.manage',
    success: 200,
    body: () => ({ acknowledged: true, note: 'engineer booked for Tuesday' }),
    id: { kind: 'alarm', tenant: true, make: alarm },
  },
  {
    method: 'GET',
    path: '/homes/:id/alarms',
    permission: 'alarms.read',
    success: 200,
    query: () => ({ state: 'active', severity: 'major,critical' }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'POST',
    path: '/homes/:id/alarms/evaluate',
    permission: 'alarms.manage',
    success: 200,
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'GET',
    path: '/fault-rules',
    permission: 'alarms.read',
    success: 200,
    query: ({ caller, agentId }): Record<string, string> => (caller.role === 'operator' ? { agentId } : {}),
  },
  {
    method: 'PUT',
    path: '/fault-rules',
    permission: 'fault-rules.manage',
    success: 200,
    body: ({ caller, agentId }) => ({
      ...(caller.role === 'operator' ? { agentId } : {}),
      thresholds: { 'communication_lost.lostIntervals': 15 },
    }),
    agentInBody: true,
  },

  // Portfolio: league tables across an agent's homes. Not `list:` routes: the answer carries a
  // summary beside its items, and the operator must name the agent. Isolation and group-restricted
  // visibility are tested in test/portfolio/portfolio.test.ts.
  {
    method: 'GET',
    path: '/portfolio/performance',
    permission: 'portfolio.read',
    success: 200,
    query: ({ agentId }) => ({ agentId, sort: 'belowDesign', minCoverage: '80', limit: '20' }),
  },
  {
    method: 'GET',
    path: '/portfolio/insight',
    permission: 'portfolio.read',
    success: 200,
    query: ({ agentId }) => ({ agentId, sort: 'heat', limit: '20' }),
  },

  // Home groups
  {
    method: 'GET',
    path: '/home-groups',
    permission: 'home-groups.read',
    success: 200,
    list: { agentOf, agentFilter: false, make: homeGroup },
  },
  {
    method: 'GET',
    path: '/home-groups/:id',
    permission: 'home-groups.read',
    success: 200,
    id: { kind: 'home-group', tenant: true, make: homeGroup },
  },
  {
    method: 'POST',
    path: '/home-groups',
    permission: 'home-groups.manage',
    success: 201,
    body: ({ fx }) => ({ name: `Group ${fx.unique()}` }),
  },
  {
    method: 'PUT',
    path: '/home-groups/:id',
    permission: 'home-groups.manage',
    success: 200,
    body: ({ fx }) => ({ name: `Renamed group ${fx.unique()}` }),
    id: { kind: 'home-group', tenant: true, make: homeGroup },
  },
  {
    method: 'DELETE',
    path: '/home-groups/:id',
    permission: 'home-groups.manage',
    success: 204,
    id: { kind: 'home-group', tenant: true, make: homeGroup },
  },

  // Tariffs
  {
    method: 'POST',
    path: '/tariffs',
    permission: 'tariffs.manage',
    success: 201,
    agentInBody: true,
    body: ({ caller, agentId, fx }) => ({
      name: `Cosy ${fx.unique()}`,
      fuel: 'electricity',
      standingCharge: 48.79,
      bands: [
        { from: '04:00', to: '07:00', rate: 13.26 },
        { from: '07:00', to: '13:00', rate: 26.54 },
        { from: '13:00', to: '16:00', rate: 13.26 },
        { from: '16:00', to: '19:00', rate: 39.81 },
        { from: '19:00', to: '04:00', rate: 26.54 },
      ],
      validFrom: '2026-01-01',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
  },
  {
    method: 'GET',
    path: '/tariffs',
    permission: 'tariffs.read',
    success: 200,
    query: ({ caller, agentId }) => ({
      limit: '20',
      fuel: 'electricity',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
    list: { agentOf, agentFilter: true, make: tariff },
  },
  {
    method: 'GET',
    path: '/tariffs/:id',
    permission: 'tariffs.read',
    success: 200,
    id: { kind: 'tariff', tenant: true, make: tariff },
  },
  {
    method: 'PUT',
    path: '/tariffs/:id',
    permission: 'tariffs.manage',
    success: 200,
    body: ({ fx }) => ({ name: `Renamed tariff ${fx.unique()}`, standingCharge: 51.2, unitRate: 24.5 }),
    id: { kind: 'tariff', tenant: true, make: tariff },
  },
  {
    method: 'DELETE',
    path: '/tariffs/:id',
    permission: 'tariffs.manage',
    success: 204,
    id: { kind: 'tariff', tenant: true, make: tariff },
  },
  {
    method: 'GET',
    path: '/homes/:id/tariffs',
    permission: 'tariffs.read',
    success: 200,
    query: () => ({ date: '2026-03-29' }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },
  {
    method: 'PUT',
    path: '/homes/:id/tariffs',
    permission: 'tariffs.manage',
    success: 200,
    body: async ({ fx, agentId }) => ({
      overrides: [{ fuel: 'gas', tariffId: await fx.tariff(agentId, 'gas') }],
    }),
    id: { kind: 'home', tenant: true, make: home, home: 'home' },
  },

  // Notifications of alarms: webhooks and email subscriptions
  {
    method: 'POST',
    path: '/webhooks',
    permission: 'notifications.manage',
    success: 201,
    agentInBody: true,
    body: ({ caller, agentId, fx }) => ({
      url: `https://hooks.example.com/hearth/${fx.unique()}`,
      description: 'Ops pager',
      events: ['alarm.raised', 'alarm.cleared'],
      severities: ['critical', 'major'],
      groupIds: [],
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
  },
  {
    method: 'GET',
    path: '/webhooks',
    permission: 'notifications.manage',
    success: 200,
    query: ({ caller, agentId }) => ({
      limit: '20',
      status: 'active',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
    list: { agentOf, agentFilter: true, make: webhook },
  },
  {
    method: 'GET',
    path: '/webhooks/:id',
    permission: 'notifications.manage',
    success: 200,
    id: { kind: 'webhook', tenant: true, make: webhook },
  },
  {
    method: 'PUT',
    path: '/webhooks/:id',
    permission: 'notifications.manage',
    success: 200,
    body: () => ({ severities: ['critical'], status: 'active' }),
    id: { kind: 'webhook', tenant: true, make: webhook },
  },
  {
    method: 'DELETE',
    path: '/webhooks/:id',
    permission: 'notifications.manage',
    success: 204,
    id: { kind: 'webhook', tenant: true, make: webhook },
  },
  {
    method: 'POST',
    path: '/webhooks/:id/secret',
    permission: 'notifications.manage',
    success: 200,
    id: { kind: 'webhook', tenant: true, make: webhook },
  },
  {
    method: 'POST',
    path: '/webhooks/:id/ping',
    permission: 'notifications.manage',
    success: 202,
    id: { kind: 'webhook', tenant: true, make: webhook },
  },
  {
    method: 'GET',
    path: '/webhooks/:id/deliveries',
    permission: 'notifications.manage',
    success: 200,
    query: () => ({ limit: '20', status: 'pending' }),
    id: { kind: 'webhook', tenant: true, make: webhook },
  },
  {
    method: 'POST',
    path: '/notification-subscriptions',
    permission: 'notifications.manage',
    success: 201,
    agentInBody: true,
    body: ({ caller, agentId, fx }) => ({
      email: `oncall-${fx.unique()}@example.com`,
      mode: 'digest',
      events: ['alarm.raised'],
      severities: ['critical', 'major'],
      groupIds: [],
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
  },
  {
    method: 'GET',
    path: '/notification-subscriptions',
    permission: 'notifications.manage',
    success: 200,
    query: ({ caller, agentId }) => ({
      limit: '20',
      mode: 'immediate',
      ...(caller.role === 'operator' ? { agentId } : {}),
    }),
    list: { agentOf, agentFilter: true, make: subscription },
  },
  {
    method: 'GET',
    path: '/notification-subscriptions/:id',
    permission: 'notifications.manage',
    success: 200,
    id: { kind: 'notification-subscription', tenant: true, make: subscription },
  },
  {
    method: 'PUT',
    path: '/notification-subscriptions/:id',
    permission: 'notifications.manage',
    success: 200,
    body: ({ fx }) => ({ email: `renamed-${fx.unique()}@example.com`, mode: 'digest' }),
    id: { kind: 'notification-subscription', tenant: true, make: subscription },
  },
  {
    method: 'DELETE',
    path: '/notification-subscriptions/:id',
    permission: 'notifications.manage',
    success: 204,
    id: { kind: 'notification-subscription', tenant: true, make: subscription },
  },

  // Regional series: platform data every caller reads and only the operator loads
  { method: 'GET', path: '/regions', permission: 'regions.read', success: 200 },
  {
    method: 'PUT',
    path: '/regions/:id/weather',
    permission: 'regions.manage',
    success: 200,
    csv: true,
    body: () => 'date,mean_c\n2026-01-06,7.25\n',
    id: { kind: 'region', tenant: false, make: region, creates: true },
  },
  {
    method: 'GET',
    path: '/regions/:id/weather',
    permission: 'regions.read',
    success: 200,
    query: () => ({ from: '2026-01-01', to: '2026-02-01' }),
    id: { kind: 'region', tenant: false, make: region },
  },
  {
    method: 'PUT',
    path: '/regions/:id/carbon-intensity',
    permission: 'regions.manage',
    success: 200,
    csv: true,
    body: () => 'time,g_per_kwh\n2026-01-05T00:30:00Z,130\n',
    id: { kind: 'region', tenant: false, make: region, creates: true },
  },
  {
    method: 'GET',
    path: '/regions/:id/carbon-intensity',
    permission: 'regions.read',
    success: 200,
    query: () => ({ from: '2026-01-05T00:00:00Z', to: '2026-01-06T00:00:00Z' }),
    id: { kind: 'region', tenant: false, make: region },
  },

  // Integration clients: an agent's OAuth2 clients for scripts, BI tools and partners (admin only;
  // list isolation is tested in test/integration-clients/integration-clients.test.ts)
  {
    method: 'POST',
    path: '/integration-clients',
    permission: 'integration-clients.manage',
    success: 201,
    body: ({ fx }) => ({ name: `Grafana ${fx.unique()}`, access: 'read' }),
  },
  {
    method: 'GET',
    path: '/integration-clients',
    permission: 'integration-clients.manage',
    success: 200,
    query: () => ({ limit: '20', access: 'read' }),
  },
  {
    method: 'GET',
    path: '/integration-clients/:id',
    permission: 'integration-clients.manage',
    success: 200,
    id: { kind: 'integration-client', tenant: true, make: integrationClient },
  },
  {
    method: 'POST',
    path: '/integration-clients/:id/secret',
    permission: 'integration-clients.manage',
    success: 200,
    id: { kind: 'integration-client', tenant: true, make: integrationClient },
  },
  {
    method: 'DELETE',
    path: '/integration-clients/:id',
    permission: 'integration-clients.manage',
    success: 204,
    id: { kind: 'integration-client', tenant: true, make: integrationClient },
  },

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
