import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
  type Updateable,
} from 'kysely';
import { homeInScope, inScope, type Scope } from '../auth/index.js';
import { isPostgres } from '../db/dialect.js';
import { updateAtRevision } from '../db/revision.js';
import type { DB, OrdersTable } from '../db/schema.js';
import { containsText, insertUnlessTaken, postcodeContains } from '../db/sql.js';

export type OrderRow = Selectable<OrdersTable>;

export interface OrderFilter {
  status?: OrderRow['status'];
  q?: string;
  after?: string;
  limit: number;
}

/**
 * A submitted order describes its home (address, occupant): a user restricted to some home groups
 * sees it only while they may see that home. Drafts and cancelled orders have no home yet.
 */
function orderHomeVisible(scope: Scope) {
  return (eb: ExpressionBuilder<DB, 'orders'>): Expression<SqlBool> => {
    if (scope.role === 'operator' || scope.role === 'admin' || scope.homeAccess === 'all')
      return sql<SqlBool>`1 = 1`;
    return eb.or([eb('orders.home_id', 'is', null), homeInScope(scope, 'orders.home_id')(eb)]);
  };
}

/** The SQL of orders, always within the caller's agent (and, once submitted, the caller's homes). */
export class OrdersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<OrderRow | undefined> {
    return trx
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', id)
      .where(inScope(scope, 'agent_id'))
      .where(orderHomeVisible(scope))
      .executeTakeFirst();
  }

  /**
   * find, holding the order's row until the transaction ends on PostgreSQL (SQLite has one writer
   * already): a second submission at the same moment waits, then sees the first one's home.
   */
  async findForUpdate(scope: Scope, id: string, trx: Kysely<DB>): Promise<OrderRow | undefined> {
    if (!isPostgres(trx)) return this.find(scope, id, trx);
    const locked = await trx
      .selectFrom('orders')
      .select('id')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    return locked ? this.find(scope, id, trx) : undefined;
  }

  /** By id alone: only for changes another feature makes on the caller's behalf (erasure). */
  findById(id: string, trx: Kysely<DB>): Promise<OrderRow | undefined> {
    return trx.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(scope: Scope, filter: OrderFilter): Promise<OrderRow[]> {
    let query = this.db
      .selectFrom('orders')
      .selectAll()
      .where(inScope(scope, 'agent_id'))
      .where(orderHomeVisible(scope));
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.q) {
      const q = filter.q;
      query = query.where((eb) =>
        eb.or([containsText(sql.ref('reference'), q), postcodeContains('postcode', q)]),
      );
    }
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  referenceTaken(
    agentId: string,
    reference: string,
    exceptId: string | null,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    let query = trx
      .selectFrom('orders')
      .select('id')
      .where('agent_id', '=', agentId)
      .where('reference', '=', reference)
      .where('status', '!=', 'cancelled');
    if (exceptId) query = query.where('id', '!=', exceptId);
    return query.executeTakeFirst().then((row) => row !== undefined);
  }

  /** Inserts the order; false when the unique index says its reference was taken meanwhile. */
  async insert(row: OrderRow, trx: Kysely<DB>): Promise<boolean> {
    return insertUnlessTaken(trx, 'orders', row);
  }

  /** Applies a change only if the order is still at `revision` and in `status`. */
  async update(
    id: string,
    revision: number,
    status: OrderRow['status'],
    patch: Updateable<OrdersTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'orders', id, revision, patch, { status });
  }
}
