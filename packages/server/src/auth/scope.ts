import type { Role } from '../db/schema.js';

/**
 * Who is calling, as authentication established it. Every repository method that reads tenant
 * data takes the scope and filters by it in one place.
 */
export interface Scope {
  userId: string;
  username: string;
  role: Role;
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
}

export const isOperator = (scope: Scope): boolean => scope.role === 'operator';

/** The caller of a change, as the audit trail records it. */
export interface Actor {
  scope: Scope;
  /** The client's address (behind a trusted proxy, from X-Forwarded-For). */
  address: string;
}
