import type { Kysely } from 'kysely';

/**
 * Integration clients: OAuth2 clients an agent's admin creates for scripts, BI tools and partners
 * (client_credentials grant), each reading, or reading and writing, the agent's data. The secret is
 * kept only as its SHA-256; the client goes with its agent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('integration_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('secret_issued_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // A name says what the client is for ("Grafana"): one of each per agent.
  await db.schema
    .createIndex('integration_clients_agent_name')
    .on('integration_clients')
    .columns(['agent_id', 'name'])
    .unique()
    .execute();
}
