import type { Kysely, Selectable } from 'kysely';
import type { DB, PasswordResetsTable } from '../db/schema.js';

export type PasswordResetRow = Selectable<PasswordResetsTable>;

/** The SQL of password resets: rows keyed by the digest of their token. */
export class PasswordResetsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: PasswordResetRow, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('password_resets').values(row).execute();
  }

  findByToken(tokenHash: string): Promise<PasswordResetRow | undefined> {
    return this.db
      .selectFrom('password_resets')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /**
   * Uses a reset: only one caller can, and only while it is unused and unexpired. True for the
   * caller that did; a parallel confirmation with the same token gets false.
   */
  async claim(id: string, now: number, trx: Kysely<DB>): Promise<boolean> {
    const result = await trx
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Voids the user's other unused resets (an older email, once a newer one is sent or one is used)
   * and returns their unsent emails' ids, to withdraw them from the outbox.
   */
  async voidUnused(userId: string, now: number, trx: Kysely<DB>): Promise<string[]> {
    const rows = await trx
      .selectFrom('password_resets')
      .select('mail_id')
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute();
    await trx
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute();
    return rows.map((r) => r.mail_id).filter((id): id is string => id !== null);
  }

  /** Drops resets that expired more than a day ago: their tokens can never work again. */
  async deleteExpired(before: number): Promise<void> {
    await this.db.deleteFrom('password_resets').where('expires_at', '<', before).execute();
  }
}
