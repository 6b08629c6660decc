import { type Kysely, PostgresAdapter } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Which database a query builder (or a transaction) talks to. The one dialect check: SQL that
 * differs between SQLite and PostgreSQL (row locks, JSON functions, planner hints) asks this,
 * so repositories need no dialect passed down to them.
 */
// biome-ignore lint/suspicious/noExplicitAny: any database's builder, whatever its tables
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** True on PostgreSQL: row locks (FOR UPDATE, FOR SHARE) apply; SQLite has one writer already. */
// biome-ignore lint/suspicious/noExplicitAny: any database's builder, whatever its tables
export function isPostgres(db: Kysely<any>): boolean {
  return dialectOf(db) === 'postgres';
}
