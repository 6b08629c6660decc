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

export interface DB {
  agents: AgentsTable;
  users: UsersTable;
  oauth_tokens: OAuthTokensTable;
  login_throttle: LoginThrottleTable;
  known_logins: KnownLoginsTable;
}

export type { Generated };
