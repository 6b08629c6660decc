import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import { type CallerRole, isIntegrationRole } from './scope.js';

/**
 * The permission matrix: which roles may use which group of routes. Every API route names one
 * permission in `config.permission` (or is `public`); one hook (api.ts) enforces it, and
 * docs/permissions.md is checked against this table by a test. Which *records* a caller sees is
 * decided by the Scope in the repositories, not here. `gateway` is a home's gateway client, not a
 * user: it may only send readings. `integration_read` and `integration_read_write` are an agent's
 * integration clients (scripts, BI tools, partners): the first reads the agent's data as a viewer
 * does (every home; no occupant details), the second also writes what an editor writes (orders,
 * homes, readings, alarms). Neither has any admin-only permission (users, invitations, audit,
 * webhooks, gateways, tariffs, groups, integration clients) nor `self`: a client is not a person.
 */
export const permissionMatrix = {
  /** Your own account: /users/me, your password. */
  self: ['operator', 'admin', 'editor', 'viewer'],
  /** Create, list, rename, suspend, reactivate and delete agents. */
  'agents.manage': ['operator'],
  /** List and read users. */
  'users.read': ['operator', 'admin'],
  /** Change users' name, role, enabled state; delete users. */
  'users.manage': ['operator', 'admin'],
  /** Send, list, resend and revoke invitations. */
  'invitations.manage': ['operator', 'admin'],
  /** Read the audit trail. */
  'audit.read': ['operator', 'admin'],
  /** Read orders (viewers without occupant details). */
  'orders.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Create, edit, cancel and submit orders of your agent. */
  'orders.write': ['admin', 'editor', 'integration_read_write'],
  /** Read homes, their meters and provisioning (within the homes you may see). */
  'homes.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Edit homes and their provisioning definitions. */
  'homes.write': ['admin', 'editor', 'integration_read_write'],
  /** Decommission homes and erase occupants' personal data. */
  'homes.manage': ['admin'],
  /** List home groups. */
  'home-groups.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Create, rename and delete home groups. */
  'home-groups.manage': ['admin'],
  /** Read homes' telemetry (within the homes you may see). */
  'telemetry.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Send readings: a gateway for its own home; admins and editors importing. */
  'telemetry.write': ['admin', 'editor', 'gateway', 'integration_read_write'],
  /** Exclude a channel's readings over a time range, and remove such exclusions (within the homes you may see). */
  'telemetry.exclude': ['admin', 'editor', 'integration_read_write'],
  /** Read homes' performance: COP, SPF, coverage, against design (within the homes you may see). */
  'performance.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Read homes' insight: energy, cost, carbon, degree days (within the homes you may see). */
  'insight.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Read league tables across the agent's homes (within the homes you may see). */
  'portfolio.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Issue, rotate and revoke homes' gateway secrets. */
  'gateways.manage': ['operator', 'admin'],
  /** Read tariffs and the tariffs homes use (within the homes you may see). */
  'tariffs.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Create, change and delete tariffs; set a home's own tariffs. */
  'tariffs.manage': ['operator', 'admin'],
  /** Read alarms and the fault rules (within the homes you may see). */
  'alarms.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Acknowledge, annotate and clear alarms; re-evaluate a home's faults. */
  'alarms.manage': ['operator', 'admin', 'editor', 'integration_read_write'],
  /** Change the agent's fault rule thresholds (homes' own are in their fault_management definition). */
  'fault-rules.manage': ['operator', 'admin'],
  /** Read the platform's regional series (weather, carbon intensity): platform data, not an agent's. */
  'regions.read': ['operator', 'admin', 'editor', 'viewer', 'integration_read', 'integration_read_write'],
  /** Load regional series. */
  'regions.manage': ['operator'],
  /** Webhooks and email subscriptions for alarms, with their delivery logs. */
  'notifications.manage': ['operator', 'admin'],
  /** Create, list, rotate and delete the agent's integration clients (a client never manages clients). */
  'integration-clients.manage': ['admin'],
} as const satisfies Record<string, readonly CallerRole[]>;

export type Permission = keyof typeof permissionMatrix;

export const isPermission = (value: unknown): value is Permission =>
  typeof value === 'string' && Object.hasOwn(permissionMatrix, value);

export function can(role: CallerRole, permission: Permission): boolean {
  return (permissionMatrix[permission] as readonly CallerRole[]).includes(role);
}

/** The preHandler that enforces a route's permission; routes without one never reach here (api.ts). */
export async function enforcePermission(request: FastifyRequest): Promise<void> {
  const config = request.routeOptions.config as { public?: boolean; permission?: Permission };
  if (config.public) return;
  const permission = config.permission as Permission;
  if (!can(request.scope.role, permission)) {
    throw new ApiError(
      'forbidden',
      isIntegrationRole(request.scope.role)
        ? `An integration client with ${request.scope.role === 'integration_read' ? 'read' : 'read_write'} access may not do this; it needs ${permission}`
        : `Your role (${request.scope.role}) may not do this; it needs ${permission}`,
    );
  }
}
