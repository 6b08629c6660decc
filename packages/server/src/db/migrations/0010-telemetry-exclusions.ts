import type { Kysely } from 'kysely';

/**
 * Telemetry exclusions: a channel's readings over [from_t, to_t) that stay stored but are left out
 * of the rollups, queries, analytics and fault rules while the exclusion exists (issue #17).
 * `series` is the channel's telemetry_series number, made with the exclusion if the channel has no
 * readings yet, so the write path finds a series' exclusions by the key it already holds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('telemetry_exclusions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('home_id', 'text', (c) => c.notNull().references('homes.id').onDelete('cascade'))
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('series', 'integer', (c) => c.notNull())
    .addColumn('from_t', 'bigint', (c) => c.notNull())
    .addColumn('to_t', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_by_username', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // Ingest and queries ask for a series' exclusions; the home's list for its own.
  await db.schema
    .createIndex('telemetry_exclusions_series')
    .on('telemetry_exclusions')
    .columns(['series', 'from_t'])
    .execute();
  await db.schema
    .createIndex('telemetry_exclusions_home')
    .on('telemetry_exclusions')
    .columns(['home_id', 'id'])
    .execute();
}
