import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Times are epoch milliseconds (bigint in PostgreSQL, integer in
 * SQLite) so both engines compare and index them the same way; ids are UUIDv7 text.
 */
export interface AgentsTable {
  id: string;
  name: string;
  status: 'active' | 'suspended';
  created_at: number;
  updated_at: number;
  revision: number;
}

export type Role = 'operator' | 'admin' | 'editor' | 'viewer';

export interface UsersTable {
  id: string;
  agent_id: string | null;
  username: string;
  email: string | null;
  name: string;
  role: Role;
  password_hash: string;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface OAuthTokensTable {
  /** SHA-256 of the token, hex: the token itself is never stored. */
  token_hash: string;
  kind: 'access' | 'refresh';
  client_id: string;
  user_id: string | null;
  /** Every token minted from one login shares a family, so a replayed refresh token revokes them all. */
  family_id: string;
  scope: string;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

export interface LoginThrottleTable {
  key: string;
  tokens: number;
  updated_at: number;
}

export interface KnownLoginsTable {
  user_id: string;
  address: string;
  last_success_at: number;
}

export interface MailOutboxTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: number;
  /** A worker's lease on the message while it sends it, so two workers never send one message twice. */
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface InvitationsTable {
  id: string;
  agent_id: string;
  email: string;
  name: string | null;
  role: Exclude<Role, 'operator'>;
  token_hash: string;
  expires_at: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  accepted_at: number | null;
  accepted_user_id: string | null;
  revoked_at: number | null;
  mail_id: string | null;
  revision: number;
}

export interface AuditEventsTable {
  id: string;
  /** The agent the change belongs to; null for platform-level events. */
  agent_id: string | null;
  actor_id: string | null;
  actor_username: string | null;
  actor_role: string | null;
  /** What happened, as `<kind>.<verb>`: agent.created, user.updated, invitation.revoked, … */
  action: string;
  target_type: string;
  target_id: string | null;
  /** JSON: the changed fields (never secrets or personal data beyond what identifies the target). */
  details: string;
  address: string | null;
  at: number;
}

export interface DB {
  agents: AgentsTable;
  users: UsersTable;
  oauth_tokens: OAuthTokensTable;
  login_throttle: LoginThrottleTable;
  known_logins: KnownLoginsTable;
  mail_outbox: MailOutboxTable;
  invitations: InvitationsTable;
  audit_events: AuditEventsTable;
}

export type { Generated };
