import type { FastifyRequest } from 'fastify';
import type { Role } from '../db/schema.js';

/**
 * Who can call: a user's role, a home's gateway, or an agent's integration client (clients, not
 * users: they hold no Role). An integration client reads the agent's data (`integration_read`), or
 * reads and writes it as an editor does (`integration_read_write`).
 */
export type CallerRole = Role | 'gateway' | IntegrationRole;
export type IntegrationRole = 'integration_read' | 'integration_read_write';

export const isIntegrationRole = (role: CallerRole): role is IntegrationRole =>
  role === 'integration_read' || role === 'integration_read_write';

/**
 * Who is calling, as authentication established it. Every repository method that reads tenant
 * data takes the scope and filters by it in one place.
 */
export interface Scope {
  /** The user's id; for a gateway or an integration client, its client id. */
  userId: string;
  /** The username; for a gateway, `gateway:<client id>`; for an integration client, `client:<its name>`. */
  username: string;
  role: CallerRole;
  /** null for the platform operator, who belongs to no agent and sees every agent. */
  agentId: string | null;
  clientId: string;
  /** SHA-256 of the access token in use, so a user can revoke "all my other tokens". */
  tokenHash: string;
  /**
   * Which of the agent's homes the caller sees: 'all', or only those in the home groups the admin
   * gave them ('groups'). The operator and admins always see all.
   */
  homeAccess: 'all' | 'groups';
  /** A gateway's one home: it writes that home's readings and sees nothing else. */
  gatewayHomeId?: string;
}

export const isOperator = (scope: Scope): boolean => scope.role === 'operator';

/** The caller of a change, as the audit trail records it. */
export interface Actor {
  scope: Scope;
  /** The client's address (behind a trusted proxy, from X-Forwarded-For). */
  address: string;
}

/**
 * The platform's own background workers (fault evaluation), which read any agent's homes on no
 * one's behalf. Never given to a request.
 */
export const SYSTEM_SCOPE: Scope = {
  userId: 'system',
  username: 'system',
  role: 'operator',
  agentId: null,
  clientId: 'system',
  tokenHash: '',
  homeAccess: 'all',
};

/** Who is making this change and from where, for the audit trail. */
export const actorOf = (request: FastifyRequest): Actor => ({ scope: request.scope, address: request.ip });
