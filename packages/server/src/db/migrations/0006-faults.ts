import { type Kysely, sql } from 'kysely';

/**
 * Fault management: alarms (one row per occurrence of a rule's condition on a home, with its
 * lifecycle), the history of what happened to each alarm, and the evaluator's per-home state (how
 * far it has judged the home's data, and a lease so one worker judges a home at a time).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alarms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('home_id', 'text', (c) => c.notNull().references('homes.id').onDelete('cascade'))
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    // JSON: the evidence of the latest occurrence (faults/rules/types.ts Evidence).
    .addColumn('evidence', 'text')
    .addColumn('channel_id', 'text')
    .addColumn('raised_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('cleared_at', 'bigint')
    // 'auto' when the condition went away, else the user who cleared it by hand.
    .addColumn('cleared_by', 'text')
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('note', 'text')
    .addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // At most one active alarm per home and rule: a constraint, so concurrent evaluations cannot both raise.
  await db.schema
    .createIndex('alarms_one_active')
    .on('alarms')
    .columns(['home_id', 'rule'])
    .unique()
    .where(sql<boolean>`state = 'active'`)
    .execute();
  await db.schema.createIndex('alarms_agent').on('alarms').columns(['agent_id', 'id']).execute();
  await db.schema.createIndex('alarms_home').on('alarms').columns(['home_id', 'id']).execute();
  await db.schema.createIndex('alarms_agent_state').on('alarms').columns(['agent_id', 'state']).execute();

  // What happened to each alarm, in order: raised, re-occurred, acknowledged, noted, cleared, reopened.
  await db.schema
    .createTable('alarm_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alarm_id', 'text', (c) => c.notNull().references('alarms.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('alarm_events_alarm').on('alarm_events').columns(['alarm_id', 'id']).execute();

  // The evaluator's state per home: judged up to `evaluated_to` (an hour boundary), next due at
  // `due_at`, leased by one worker at a time. Rows appear when a home's fault management starts.
  await db.schema
    .createTable('fault_evaluations')
    .addColumn('home_id', 'text', (c) => c.primaryKey().references('homes.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('evaluated_to', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    // When readings last arrived (a home still backfilling its history is not judged 'now' yet).
    .addColumn('touched_at', 'bigint')
    .addColumn('last_run_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('fault_evaluations_due').on('fault_evaluations').column('due_at').execute();

  // An agent's overrides of the rules' default thresholds (`<rule>.<parameter>`), under its homes' own.
  await db.schema
    .createTable('fault_settings')
    .addColumn('agent_id', 'text', (c) => c.primaryKey().references('agents.id').onDelete('cascade'))
    .addColumn('thresholds', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}
