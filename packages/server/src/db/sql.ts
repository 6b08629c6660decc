import { type Expression, type Insertable, type Kysely, type SqlBool, sql } from 'kysely';
import type { DB } from './schema.js';

/** SQL helpers every feature's repository may use: constraint errors and literal text search. */

/** A unique index refused the row: SQLite (better-sqlite3) and PostgreSQL (23505) say so differently. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/**
 * `lower(text) contains q`, case-insensitively, with q taken literally: `%`, `_` and `\` in a search
 * ("ORD_1") match themselves, not any characters. The same on SQLite and PostgreSQL.
 */
export function containsText(text: Expression<string | null>, q: string): Expression<SqlBool> {
  const escaped = q.toLowerCase().replaceAll(/[\\%_]/g, (c) => `\\${c}`);
  return sql<SqlBool>`lower(${text}) like ${`%${escaped}%`} escape '\\'`;
}

/** A postcode column contains q, ignoring spaces and case on both sides ("ll554ur" finds "LL55 4UR"). */
export function postcodeContains(column: string, q: string): Expression<SqlBool> {
  return containsText(sql<string>`replace(${sql.ref(column)}, ' ', '')`, q.replaceAll(/\s+/g, ''));
}

/**
 * Runs a write that a unique index may refuse: 'taken' instead of the error when it does (a name,
 * a reference, a username taken meanwhile), its own answer otherwise. The index decides, so two
 * writers racing for one value get one success and one 'taken', never a database error.
 */
export async function unlessTaken<T>(write: Promise<T>): Promise<T | 'taken'> {
  try {
    return await write;
  } catch (err) {
    if (isUniqueViolation(err)) return 'taken';
    throw err;
  }
}

/** Inserts a row unless a unique index refuses it: false then (see unlessTaken). */
export async function insertUnlessTaken<T extends keyof DB & string>(
  trx: Kysely<DB>,
  table: T,
  row: Insertable<DB[T]>,
): Promise<boolean> {
  // biome-ignore lint/suspicious/noExplicitAny: one insert shape over every table's row type
  const insert = (trx as unknown as Kysely<any>).insertInto(table).values(row).execute();
  return (await unlessTaken(insert)) !== 'taken';
}
