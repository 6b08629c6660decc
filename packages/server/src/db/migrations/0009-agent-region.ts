import type { Kysely } from 'kysely';

/**
 * An agent's default region: the regional series (weather, carbon intensity) its homes use when
 * their order names none. Null: the platform's default region (HEARTH_DEFAULT_REGION).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('region', 'text').execute();
}
