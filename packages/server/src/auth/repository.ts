import type { Kysely } from 'kysely';
import type { DB, OAuthTokensTable } from '../db/schema.js';

/** The SQL of OAuth tokens, login throttling and known login addresses. */
export class AuthRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insertTokens(rows: OAuthTokensTable[]): Promise<void> {
    await this.db.insertInto('oauth_tokens').values(rows).execute();
  }

  findToken(tokenHash: string): Promise<OAuthTokensTable | undefined> {
    return this.db
      .selectFrom('oauth_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /** Marks one token revoked; true only for the caller that actually revoked it (rotation races). */
  async revokeToken(tokenHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('oauth_tokens')
      .set({ revoked_at: now })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeFamily(familyId: string, now: number): Promise<void> {
    await this.db
      .updateTable('oauth_tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Revokes every token of a user, optionally keeping one family (the caller's own session). */
  async revokeUserTokens(userId: string, now: number, exceptFamily?: string): Promise<void> {
    let query = this.db
      .updateTable('oauth_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (exceptFamily) query = query.where('family_id', '!=', exceptFamily);
    await query.execute();
  }

  /** Revokes every token issued to a client (a gateway whose secret changed), in the caller's transaction. */
  async revokeClientTokens(clientId: string, now: number, trx: Kysely<DB> = this.db): Promise<void> {
    await trx
      .updateTable('oauth_tokens')
      .set({ revoked_at: now })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Drops tokens that expired more than a day ago: they can no longer be used or replayed usefully. */
  async deleteExpiredTokens(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('oauth_tokens')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async throttleBuckets(keys: string[]): Promise<Map<string, { tokens: number; updatedAt: number }>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute();
    return new Map(rows.map((r) => [r.key, { tokens: Number(r.tokens), updatedAt: Number(r.updated_at) }]));
  }

  /**
   * Compare-and-set of one bucket: writes `tokens` only if the row is still as `expected` was read
   * (or still absent), so two API nodes or two parallel requests never both spend the same try.
   * False when someone else changed the bucket in between: read it again and retry.
   */
  async replaceThrottleBucket(
    key: string,
    expected: { tokens: number; updatedAt: number } | undefined,
    tokens: number,
    now: number,
  ): Promise<boolean> {
    if (!expected) {
      const inserted = await this.db
        .insertInto('login_throttle')
        .values({ key, tokens, updated_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const updated = await this.db
      .updateTable('login_throttle')
      .set({ tokens, updated_at: now })
      .where('key', '=', key)
      .where('tokens', '=', expected.tokens)
      .where('updated_at', '=', expected.updatedAt)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async deleteThrottleBucket(key: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', key).execute();
  }

  async isKnownLogin(userId: string, address: string, since: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('known_logins')
      .select('last_success_at')
      .where('user_id', '=', userId)
      .where('address', '=', address)
      .where('last_success_at', '>=', since)
      .executeTakeFirst();
    return row !== undefined;
  }

  async rememberLogin(userId: string, address: string, now: number): Promise<void> {
    await this.db
      .insertInto('known_logins')
      .values({ user_id: userId, address, last_success_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'address']).doUpdateSet({ last_success_at: now }))
      .execute();
  }
}
