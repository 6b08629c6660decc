import { type Kysely, sql } from 'kysely';

/**
 * Tariffs (an agent's unit rates and standing charges per fuel, with a carbon factor), the tariff a
 * home uses instead of its agent's default for a fuel, and half-hourly carbon intensity series.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tariffs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('fuel', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    // Money in minor units (pence for GBP): per day, and per kWh.
    .addColumn('standing_charge', 'double precision', (c) => c.notNull())
    .addColumn('unit_rate', 'double precision')
    // Time-of-use bands as JSON [{from, to, rate}]; null for a flat tariff (unit_rate set instead).
    .addColumn('bands', 'text')
    .addColumn('carbon_factor', 'double precision', (c) => c.notNull())
    // Local dates (YYYY-MM-DD) in the agent's time zone: from inclusive, to exclusive; null is open.
    .addColumn('valid_from', 'text')
    .addColumn('valid_to', 'text')
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('tariffs_agent').on('tariffs').columns(['agent_id', 'id']).execute();
  // Defaults of one fuel never overlap in time (checked under a lock in the service); this index
  // is the backstop for the common case: one open-ended default per agent and fuel.
  await db.schema
    .createIndex('tariffs_default_open')
    .on('tariffs')
    .columns(['agent_id', 'fuel'])
    .unique()
    .where(sql<boolean>`is_default = 1 and valid_to is null`)
    .execute();

  // A home's own tariff for a fuel, instead of its agent's default.
  await db.schema
    .createTable('home_tariffs')
    .addColumn('home_id', 'text', (c) => c.notNull().references('homes.id').onDelete('cascade'))
    .addColumn('fuel', 'text', (c) => c.notNull())
    .addColumn('tariff_id', 'text', (c) => c.notNull().references('tariffs.id'))
    .addPrimaryKeyConstraint('home_tariffs_pk', ['home_id', 'fuel'])
    .execute();
  await db.schema.createIndex('home_tariffs_tariff').on('home_tariffs').column('tariff_id').execute();
  // The revision of a home's set of own tariffs (its ETag), from the first change on.
  await db.schema
    .createTable('home_tariff_sets')
    .addColumn('home_id', 'text', (c) => c.primaryKey().references('homes.id').onDelete('cascade'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();

  // Grid carbon intensity per half hour (e.g. NESO's regional series), imported from CSV.
  await db.schema
    .createTable('carbon_intensity')
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('t', 'bigint', (c) => c.notNull())
    .addColumn('g_per_kwh', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('carbon_intensity_pk', ['region', 't'])
    .execute();
}
