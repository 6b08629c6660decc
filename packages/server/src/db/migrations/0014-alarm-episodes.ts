import type { Kysely } from 'kysely';

/**
 * Alarm episodes: when the condition behind an alarm began (epoch ms), at or before its raised_at —
 * a sensor found stuck after 6 h was stuck from the first of them. Null for alarms raised before.
 * Analytics leaves the hours of an episode out of a home's figures.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alarms').addColumn('condition_since', 'bigint').execute();
}
