import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
  type UpdateObject,
} from 'kysely';
import type { DB } from '../db/schema.js';

/** A column of table T. */
type Column<T extends keyof DB> = keyof DB[T] & string;

/** How a feature's table holds the leases of its items (one row per item). */
export interface LeaseTable<T extends keyof DB & string> {
  table: T;
  /** The column naming one item: its primary key. */
  key: Column<T>;
  /** Epoch ms the lease runs until; an item whose lease ended before now is free to claim. */
  until: Column<T>;
  /** What `until` holds while nobody leases the item: null, or 0 for a NOT NULL column. */
  free: null | 0;
  /**
   * Who holds the lease (a worker, or a token of one claim). Without it a lease is known by its
   * end: the holder is whoever wrote that `until`.
   */
  owner?: Column<T>;
}

/** One lease, as its holder knows it: the item, until when, and (with an owner column) by whom. */
export interface Lease {
  key: string;
  until: number;
  owner?: string;
}

/** Conditions of the feature's own that the row must meet too (due, pending, its turn). */
export type LeaseCondition<T extends keyof DB & string> = (
  eb: ExpressionBuilder<DB, T>,
) => Expression<SqlBool>;

// Every lease table differs in columns, not in how a lease is taken or given back: the signatures
// keep callers typed, and the queries are built on an untyped view.
// biome-ignore lint/suspicious/noExplicitAny: one query shape over several table types
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the feature's condition, applied on the untyped view
type AnyCondition = (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>;

/** The lease columns as the untyped queries name them. */
interface Columns {
  table: string;
  key: string;
  until: string;
  owner?: string;
  free: null | 0;
}

/**
 * A table used as a queue of leased work: mail_outbox, webhook_deliveries, fault_evaluations,
 * poll_state. Each feature makes one over its own table (which items are due, and what an
 * outcome writes, stay the feature's) and gets the lease mechanics from here: claiming is one
 * conditional UPDATE that re-checks every condition on the row itself (PostgreSQL re-evaluates
 * them on the locked row, SQLite has one writer), so of two workers that both saw an item as free
 * exactly one gets it; renewing and releasing happen only while the caller still holds the lease,
 * so a worker whose lease ran out never undoes the work of the one that took it over.
 */
export class LeaseQueue<T extends keyof DB & string> {
  private readonly shape: Columns;

  constructor(
    private readonly db: Kysely<DB>,
    shape: LeaseTable<T>,
  ) {
    this.shape = shape;
  }

  /** Nobody holds the item's lease at `now`; `alias` names the table in a select that joins it. */
  unleased(now: number, alias?: string): Expression<SqlBool> {
    const until = sql.ref(alias ? `${alias}.${this.shape.until}` : this.shape.until);
    return this.shape.free === null
      ? sql<SqlBool>`(${until} is null or ${until} < ${now})`
      : sql<SqlBool>`${until} < ${now}`;
  }

  /**
   * Takes `lease` on its item if nobody holds it at `now` and the row meets `also`; the row as the
   * lease left it, only to the one caller that got it. `reentrant`: a lease of the same owner
   * counts as free (a worker taking its own item again). `set`: more columns written with it.
   */
  claim(
    lease: Lease,
    now: number,
    options: { also?: LeaseCondition<T>; set?: UpdateObject<DB, T>; reentrant?: boolean } = {},
  ): Promise<Selectable<DB[T]> | undefined> {
    const { table, key, until, owner } = this.shape;
    const free = this.unleased(now);
    let query = (this.db as unknown as AnyDb)
      .updateTable(table)
      .set({
        ...(options.set as object),
        [until]: lease.until,
        ...(owner ? { [owner]: this.ownerOf(lease) } : {}),
      })
      .where(key, '=', lease.key)
      .where(options.reentrant && owner ? (eb) => eb.or([free, eb(owner, '=', this.ownerOf(lease))]) : free);
    if (options.also) query = query.where(options.also as unknown as AnyCondition);
    return query.returningAll().executeTakeFirst() as Promise<Selectable<DB[T]> | undefined>;
  }

  /** Moves the lease's end to `until` while the caller still holds it; the renewed lease, or undefined once lost. */
  async renew(lease: Lease, until: number, trx: Kysely<DB> = this.db): Promise<Lease | undefined> {
    const result = await (trx as unknown as AnyDb)
      .updateTable(this.shape.table)
      .set({ [this.shape.until]: until })
      .where(this.shape.key, '=', lease.key)
      .where(this.held(lease))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? { ...lease, until } : undefined;
  }

  /**
   * Lets the lease go, writing the outcome (`patch`: done, failed, due again when) with it, while
   * the caller still holds it (and the row meets `also`). False when the lease was lost: the
   * outcome is not written. A `patch` naming the lease's own columns overrides the release (an
   * item kept from everyone until a time).
   */
  async release(
    lease: Lease,
    patch: UpdateObject<DB, T> = {} as UpdateObject<DB, T>,
    options: { trx?: Kysely<DB>; also?: LeaseCondition<T> } = {},
  ): Promise<boolean> {
    const result = await this.releaseQuery(lease, patch, options).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** release, answering the row as written (undefined when the lease was lost). */
  releaseReturning(
    lease: Lease,
    patch: UpdateObject<DB, T>,
    options: { trx?: Kysely<DB>; also?: LeaseCondition<T> } = {},
  ): Promise<Selectable<DB[T]> | undefined> {
    return this.releaseQuery(lease, patch, options).returningAll().executeTakeFirst() as Promise<
      Selectable<DB[T]> | undefined
    >;
  }

  private releaseQuery(
    lease: Lease,
    patch: UpdateObject<DB, T>,
    options: { trx?: Kysely<DB>; also?: LeaseCondition<T> },
  ) {
    const { table, key, until, owner, free } = this.shape;
    let query = ((options.trx ?? this.db) as unknown as AnyDb)
      .updateTable(table)
      .set({ [until]: free, ...(owner ? { [owner]: null } : {}), ...(patch as object) })
      .where(key, '=', lease.key)
      .where(this.held(lease));
    if (options.also) query = query.where(options.also as unknown as AnyCondition);
    return query;
  }

  /** The caller still holds the lease: its owner's, or (without an owner column) its end unchanged. */
  private held(lease: Lease): AnyCondition {
    const { owner, until } = this.shape;
    return (eb) => (owner ? eb(owner, '=', this.ownerOf(lease)) : eb(until, '=', lease.until));
  }

  private ownerOf(lease: Lease): string {
    if (lease.owner === undefined) throw new Error(`A lease of ${this.shape.table} needs its owner`);
    return lease.owner;
  }
}

/** How failed attempts are retried: the first after baseMs, doubling per attempt, at most maxMs. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * When an item that failed its `attempts`-th attempt at `now` goes again: the backoff's delay with
 * ±20 % jitter (so retries of many items spread out), but never past `deadline`: the last retry
 * happens at the deadline rather than being skipped. At or past the deadline it is given up.
 */
export function retryAfterFailure(
  backoff: Backoff,
  attempts: number,
  now: number,
  deadline: number,
): { giveUp: boolean; nextAttemptAt: number } {
  if (now >= deadline) return { giveUp: true, nextAttemptAt: now };
  const exponential = backoff.baseMs * 2 ** Math.min(attempts - 1, 30);
  const jittered = exponential * (0.8 + Math.random() * 0.4);
  const delay = Math.max(1, Math.round(Math.min(jittered, backoff.maxMs)));
  return { giveUp: false, nextAttemptAt: Math.min(now + delay, deadline) };
}
