import { type Expression, type SqlBool, sql } from 'kysely';

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
