import type { Kysely, Selectable, Updateable } from 'kysely';
import { updateAtRevision } from '../db/revision.js';
import type { DB, GatewayClientsTable } from '../db/schema.js';

export type GatewayRow = Selectable<GatewayClientsTable>;

/**
 * The SQL of gateway clients. The HTTP routes reach a gateway only through a home the caller may
 * see (the homes service checks it), so these queries take the home id or the client id, not a scope.
 */
export class GatewaysRepository {
  constructor(private readonly db: Kysely<DB>) {}

  find(clientId: string, trx: Kysely<DB> = this.db): Promise<GatewayRow | undefined> {
    return trx.selectFrom('gateway_clients').selectAll().where('id', '=', clientId).executeTakeFirst();
  }

  findForHome(homeId: string, trx: Kysely<DB> = this.db): Promise<GatewayRow | undefined> {
    return trx.selectFrom('gateway_clients').selectAll().where('home_id', '=', homeId).executeTakeFirst();
  }

  /** Inserts the home's gateway unless it has one (the unique home_id settles two at once). */
  async insertIfNew(row: GatewayRow, trx: Kysely<DB>): Promise<void> {
    await trx
      .insertInto('gateway_clients')
      .values(row)
      .onConflict((oc) => oc.column('home_id').doNothing())
      .execute();
  }

  update(
    id: string,
    revision: number,
    patch: Updateable<GatewayClientsTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'gateway_clients', id, revision, patch);
  }

  /** Bookkeeping, not a change of the resource: no revision bump, so ETags stay valid. */
  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('gateway_clients').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}
