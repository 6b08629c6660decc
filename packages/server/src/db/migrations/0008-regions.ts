import { type Kysely, sql } from 'kysely';

/**
 * Regions: the short name of the regional series a home uses (weather for degree days, grid carbon
 * intensity), on the home; the regions that have series; and daily mean outdoor temperatures per
 * region. The half-hourly carbon intensity stays in carbon_intensity (0005).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Null: the platform's default region (HEARTH_DEFAULT_REGION).
  await db.schema.alterTable('homes').addColumn('region', 'text').execute();

  // A region exists once a series has been loaded for it; its name is its id (e.g. GB, north-wales).
  await db.schema
    .createTable('regions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // Moves on with every series loaded: the ETag of the region's series.
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // Regions whose carbon intensity was imported before regions existed (scripts/import-carbon-intensity.ts).
  const now = sql.lit(Date.now());
  await sql`insert into regions (id, created_at, updated_at) select distinct region, ${now}, ${now} from carbon_intensity`.execute(
    db,
  );

  // Daily mean outdoor temperature of a region per local date (YYYY-MM-DD), imported from CSV.
  await db.schema
    .createTable('region_weather')
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('mean_c', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('region_weather_pk', ['region', 'date'])
    .execute();
}
