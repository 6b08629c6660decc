import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { ClientTokens } from './client-tokens.js';
import type { AuthRepository } from './repository.js';
import type { Scope } from './scope.js';

interface CachedScope {
  scope: Scope;
  validUntil: number;
}

/**
 * The sessions of this node: its cache of checked bearer tokens, and the revocations that end
 * sessions and must empty that cache. Needs only the token table, so the features whose changes end
 * sessions (users, password resets, gateways, integration clients, agents) are given it directly,
 * while AuthService, which looks those same features up to grant tokens, is made after them.
 */
export class Sessions implements ClientTokens {
  private readonly cache = new Map<string, CachedScope>();
  private static readonly CACHE_LIMIT = 10_000;

  constructor(
    private readonly repo: AuthRepository,
    /** how long a checked token is trusted without reading the database again (0: never) */
    private readonly cacheSeconds: number,
  ) {}

  /** The scope a token was found to stand for, if this node checked it recently. */
  cached(tokenHash: string, now: number): Scope | undefined {
    const entry = this.cache.get(tokenHash);
    return entry && entry.validUntil > now ? entry.scope : undefined;
  }

  /** Keeps a checked token's scope for cacheSeconds, never past the token's expiry. */
  remember(tokenHash: string, scope: Scope, expiresAt: number, now: number): void {
    if (this.cacheSeconds <= 0) return;
    if (this.cache.size >= Sessions.CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(tokenHash, { scope, validUntil: Math.min(now + this.cacheSeconds * 1000, expiresAt) });
  }

  drop(tokenHash: string): void {
    this.cache.delete(tokenHash);
  }

  /** Revokes every token of a user (disabled, deleted, password changed), except one session if given. */
  async revokeUserTokens(userId: string, exceptFamily?: string): Promise<void> {
    await this.repo.revokeUserTokens(userId, Date.now(), exceptFamily);
    this.forgetCachedScopes();
  }

  /**
   * Ends a user's sessions, except the one the given access token belongs to (the caller's own,
   * when they changed their password themselves).
   */
  async endUserSessions(userId: string, exceptTokenHash?: string): Promise<void> {
    const family = exceptTokenHash ? (await this.repo.findToken(exceptTokenHash))?.family_id : undefined;
    await this.revokeUserTokens(userId, family);
  }

  /** Revokes every token issued to a client (a gateway's secret rotated or revoked), in the caller's transaction. */
  async revokeClientTokens(clientId: string, trx?: Kysely<DB>): Promise<void> {
    await this.repo.revokeClientTokens(clientId, Date.now(), trx);
    this.forgetCachedScopes();
  }

  /**
   * Drops this node's cached token checks, for changes that alter what a token stands for without
   * revoking it (a role changed, an agent suspended): the next request reads the database again.
   * Revocation empties this node's cache at once; other nodes' caches expire within cacheSeconds.
   */
  forgetCachedScopes(): void {
    this.cache.clear();
  }
}
