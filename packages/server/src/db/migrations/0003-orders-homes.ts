import { type Kysely, sql } from 'kysely';

/** Orders, homes with their meters and channels, provisioning definitions, home groups and visibility. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('postcode', 'text')
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('home_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('submitted_at', 'bigint')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // A reference is unique within the agent among orders that are not cancelled.
  await db.schema
    .createIndex('orders_reference_unique')
    .on('orders')
    .columns(['agent_id', 'reference'])
    .unique()
    .where(sql.ref('status'), '!=', 'cancelled')
    .execute();
  await db.schema.createIndex('orders_agent').on('orders').columns(['agent_id', 'id']).execute();

  await db.schema
    .createTable('homes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().unique())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('postcode', 'text')
    .addColumn('technology', 'text')
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('occupant', 'text')
    .addColumn('installation', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('decommissioned_at', 'bigint')
    .addColumn('occupant_erased_at', 'bigint')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('homes_agent').on('homes').columns(['agent_id', 'id']).execute();

  await db.schema
    .createTable('meters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('home_id', 'text', (c) => c.notNull().references('homes.id').onDelete('cascade'))
    .addColumn('serial', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('meters_home').on('meters').column('home_id').execute();

  await db.schema
    .createTable('channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meter_id', 'text', (c) => c.notNull().references('meters.id').onDelete('cascade'))
    .addColumn('home_id', 'text', (c) => c.notNull().references('homes.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('channels_meter').on('channels').column('meter_id').execute();
  await db.schema.createIndex('channels_home').on('channels').column('home_id').execute();

  await db.schema
    .createTable('provisioning')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('home_id', 'text', (c) => c.notNull().references('homes.id').onDelete('cascade'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createIndex('provisioning_home_service')
    .on('provisioning')
    .columns(['home_id', 'service'])
    .unique()
    .execute();

  await db.schema
    .createTable('home_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createIndex('home_groups_name')
    .on('home_groups')
    .columns(['agent_id', 'name'])
    .unique()
    .execute();

  await db.schema
    .createTable('home_group_members')
    .addColumn('group_id', 'text', (c) => c.notNull().references('home_groups.id').onDelete('cascade'))
    .addColumn('home_id', 'text', (c) => c.notNull().references('homes.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('home_group_members_pk', ['group_id', 'home_id'])
    .execute();
  await db.schema.createIndex('home_group_members_home').on('home_group_members').column('home_id').execute();

  // Which homes a non-admin user sees: all of the agent's, or only those of some groups.
  await db.schema
    .alterTable('users')
    .addColumn('home_access', 'text', (c) => c.notNull().defaultTo('all'))
    .execute();
  await db.schema
    .createTable('user_home_groups')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'text', (c) => c.notNull().references('home_groups.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_home_groups_pk', ['user_id', 'group_id'])
    .execute();
}
