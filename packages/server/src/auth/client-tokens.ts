import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * What a feature whose clients get tokens (gateways, integration clients) asks of auth when a
 * secret is rotated or revoked. Declared apart from AuthService, which looks those clients up in
 * turn, so neither service's type depends on the other's.
 */
export interface ClientTokens {
  /** Revokes every token issued to the client, in the caller's transaction, and empties the cache. */
  revokeClientTokens(clientId: string, trx?: Kysely<DB>): Promise<void>;
  /** Forgets every cached token scope (after a change committed). */
  forgetCachedScopes(): void;
}
