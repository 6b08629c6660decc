import type { Kysely } from 'kysely';

/**
 * Invitations count the acceptances refused for a taken username (a token bucket on the row:
 * probe_tokens left at probe_at), so one invitation cannot probe which usernames exist.
 *
 * Password resets: one row per emailed reset token, stored only as its SHA-256 digest, single-use
 * (used_at) and short-lived (expires_at). A user's rows go with the user.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invitations').addColumn('probe_tokens', 'double precision').execute();
  await db.schema.alterTable('invitations').addColumn('probe_at', 'bigint').execute();

  await db.schema
    .createTable('password_resets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('mail_id', 'text', (c) => c.references('mail_outbox.id').onDelete('set null'))
    .execute();
  await db.schema
    .createIndex('password_resets_token_hash')
    .on('password_resets')
    .column('token_hash')
    .unique()
    .execute();
  await db.schema.createIndex('password_resets_user_id').on('password_resets').column('user_id').execute();
  await db.schema
    .createIndex('password_resets_expires_at')
    .on('password_resets')
    .column('expires_at')
    .execute();
}
