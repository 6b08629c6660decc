import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Telemetry: gateway OAuth clients, the series behind each channel, raw readings, hourly and daily
 * rollups, poll leases, and each agent's time zone (for day and month buckets).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .alterTable('agents')
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('Europe/London'))
    .execute();

  // One OAuth2 client per home with amr: the home's gateway (client_credentials grant, MQTT login).
  await db.schema
    .createTable('gateway_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('home_id', 'text', (c) => c.notNull().unique().references('homes.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('secret_issued_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  // A small integer per channel keys the readings: 8 bytes a row instead of a 36-byte uuid.
  await db.schema
    .createTable('telemetry_series')
    .addColumn('no', 'integer', (c) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('channel_id', 'text', (c) =>
      c.notNull().unique().references('channels.id').onDelete('cascade'),
    )
    .addColumn('home_id', 'text', (c) => c.notNull())
    .addColumn('first_t', 'bigint')
    .addColumn('last_t', 'bigint')
    .addColumn('last_v', 'double precision')
    .execute();
  await db.schema.createIndex('telemetry_series_home').on('telemetry_series').column('home_id').execute();

  if (postgres) {
    // Partitioned by month of the reading's time; partitions are created as readings arrive.
    await sql`create table readings (
      series integer not null,
      t bigint not null,
      value double precision not null,
      primary key (series, t)
    ) partition by range (t)`.execute(db);
  } else {
    await sql`create table readings (
      series integer not null,
      t integer not null,
      value real not null,
      primary key (series, t)
    ) without rowid`.execute(db);
  }

  for (const table of ['rollups_hour', 'rollups_day']) {
    const columns = sql`
      series integer not null,
      bucket bigint not null,
      count integer not null,
      sum double precision not null,
      min double precision not null,
      max double precision not null,
      first_t bigint not null,
      first_v double precision not null,
      last_t bigint not null,
      last_v double precision not null,
      delta double precision not null,
      primary key (series, bucket)`;
    await sql`create table ${sql.table(table)} (${columns}) ${postgres ? sql`` : sql`without rowid`}`.execute(
      db,
    );
  }

  // The AMR scans read amr definitions by status; a gateway's rotation revokes tokens by client.
  await db.schema
    .createIndex('provisioning_service_status')
    .on('provisioning')
    .columns(['service', 'status'])
    .execute();
  await db.schema.createIndex('oauth_tokens_client').on('oauth_tokens').column('client_id').execute();

  // Polled meters: who polls each one (a lease, so one poller per meter across workers) and when.
  await db.schema
    .createTable('poll_state')
    .addColumn('meter_id', 'text', (c) => c.primaryKey().references('meters.id').onDelete('cascade'))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('next_due', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
}
