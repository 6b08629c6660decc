import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/tenancy.js';
import type { DB, OrdersTable } from '../db/schema.js';

export type OrderRow = Selectable<OrdersTable>;

export interface OrderFilter {
  status?: OrderRow['status'];
  q?: string;
  after?: string;
  limit: number;
}

/** The SQL of orders, always within the caller's agent. */
export class OrdersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<OrderRow | undefined> {
    return trx
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', id)
      .where(inScope(scope, 'agent_id'))
      .executeTakeFirst();
  }

  /** By id alone: only for changes another feature makes on the caller's behalf (erasure). */
  findById(id: string, trx: Kysely<DB>): Promise<OrderRow | undefined> {
    return trx.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(scope: Scope, filter: OrderFilter): Promise<OrderRow[]> {
    let query = this.db.selectFrom('orders').selectAll().where(inScope(scope, 'agent_id'));
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.q) {
      const pattern = `%${filter.q.toLowerCase().replaceAll(/[%_]/g, '')}%`;
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['reference']), 'like', pattern),
          eb(eb.fn('lower', ['postcode']), 'like', pattern),
        ]),
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

  async insert(row: OrderRow, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('orders').values(row).execute();
  }

  /** Applies a change only if the order is still at `revision` and in `status`. */
  async update(
    id: string,
    revision: number,
    status: OrderRow['status'],
    patch: Updateable<OrdersTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('orders')
      .set({ ...patch, revision: revision + 1 })
      .where('id', '=', id)
      .where('revision', '=', revision)
      .where('status', '=', status)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
