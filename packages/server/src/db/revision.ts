import type { Kysely, Updateable } from 'kysely';
import type { DB } from './schema.js';

/** The tables whose rows carry a `revision` that every change increments (the source of ETags). */
export type RevisionedTable = {
  [K in keyof DB]: DB[K] extends { id: string; revision: number } ? K : never;
}[keyof DB];

// The tables differ in columns, not in how a guarded write works; the signatures below keep the
// callers typed, and the query itself is built on an untyped view.
// biome-ignore lint/suspicious/noExplicitAny: one query shape over several table types
type AnyRevisioned = Kysely<any>;

/**
 * Applies `patch` to one row only if it is still at `revision`, bumping the revision. False when
 * someone changed (or deleted) it first: the caller answers 412 instead of overwriting.
 */
export async function updateAtRevision<T extends RevisionedTable>(
  trx: Kysely<DB>,
  table: T,
  id: string,
  revision: number,
  patch: Updateable<DB[T]>,
): Promise<boolean> {
  const result = await (trx as unknown as AnyRevisioned)
    .updateTable(table as string)
    .set({ ...(patch as object), revision: revision + 1 })
    .where('id', '=', id)
    .where('revision', '=', revision)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes one row only if it is still at `revision`; false when it changed or went first. */
export async function deleteAtRevision(
  trx: Kysely<DB>,
  table: RevisionedTable,
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
