import type { Insertable, Kysely, Updateable } from 'kysely';
import type { DB } from './schema.js';

/** The tables whose rows carry a `revision` that every change increments (the source of ETags). */
export type RevisionedTable = {
  [K in keyof DB]: DB[K] extends { revision: number } ? K : never;
}[keyof DB];

/** The revisioned tables keyed by `id`. */
export type RevisionedById = {
  [K in RevisionedTable]: DB[K] extends { id: string } ? K : never;
}[RevisionedTable];

/** A column of a table holding text: the key a revisioned row is found by. */
type KeyColumn<T extends RevisionedTable> = {
  [C in keyof DB[T]]: DB[T][C] extends string ? C : never;
}[keyof DB[T]] &
  string;

// The tables differ in columns, not in how a guarded write works; the signatures below keep the
// callers typed, and the query itself is built on an untyped view.
// biome-ignore lint/suspicious/noExplicitAny: one query shape over several table types
type AnyRevisioned = Kysely<any>;

/**
 * Applies `patch` to one row only if it is still at `revision`, bumping the revision. False when
 * someone changed (or deleted) it first: the caller answers 412 instead of overwriting. `also`
 * adds conditions of equality the row must meet too (an order still a draft).
 */
export async function updateAtRevision<T extends RevisionedById>(
  trx: Kysely<DB>,
  table: T,
  id: string,
  revision: number,
  patch: Updateable<DB[T]>,
  also: Partial<Record<keyof DB[T] & string, string | number>> = {},
): Promise<boolean> {
  let query = (trx as unknown as AnyRevisioned)
    .updateTable(table as string)
    .set({ ...(patch as object), revision: revision + 1 })
    .where('id', '=', id)
    .where('revision', '=', revision);
  for (const [column, value] of Object.entries(also)) query = query.where(column, '=', value);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes one row only if it is still at `revision`; false when it changed or went first. */
export async function deleteAtRevision(
  trx: Kysely<DB>,
  table: RevisionedById,
  id: string,
  revision: number,
): Promise<boolean> {
  const result = await (trx as unknown as AnyRevisioned)
    .deleteFrom(table as string)
    .where('id', '=', id)
    .where('revision', '=', revision)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Writes the one row of `key` as from `revision`, where 0 means none exists yet: creates it at
 * revision 1, or moves it on to revision + 1. False when someone created it or moved it first (the
 * caller answers 412). `onCreate` holds the columns written only when the row is created. For rows
 * that exist only once somebody writes them (an agent's thresholds, a home's tariff set, a region's
 * series); on PostgreSQL the row stays locked until the transaction ends, so writers take turns.
 */
export async function putAtRevision<T extends RevisionedTable>(
  trx: Kysely<DB>,
  table: T,
  key: { column: KeyColumn<T>; value: string },
  revision: number,
  values: Updateable<DB[T]>,
  onCreate: Partial<Insertable<DB[T]>> = {},
): Promise<boolean> {
  const db = trx as unknown as AnyRevisioned;
  if (revision === 0) {
    const result = await db
      .insertInto(table as string)
      .values({ ...(onCreate as object), ...(values as object), [key.column]: key.value, revision: 1 })
      .onConflict((oc) => oc.column(key.column).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const result = await db
    .updateTable(table as string)
    .set({ ...(values as object), revision: revision + 1 })
    .where(key.column as string, '=', key.value)
    .where('revision', '=', revision)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
