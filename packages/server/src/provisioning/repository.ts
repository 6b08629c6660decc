import type { Kysely, Selectable, Updateable } from 'kysely';
import { deleteAtRevision, updateAtRevision } from '../db/revision.js';
import type { DB, ProvisioningTable } from '../db/schema.js';
import { insertUnlessTaken } from '../db/sql.js';

export type ProvisioningRow = Selectable<ProvisioningTable>;

/**
 * The SQL of provisioning definitions. Callers reach a definition only through a home they may
 * see (the homes service checks it), so these queries take the home id, not the scope.
 */
export class ProvisioningRepository {
  constructor(private readonly db: Kysely<DB>) {}

  listForHome(homeId: string, trx: Kysely<DB> = this.db): Promise<ProvisioningRow[]> {
    return trx.selectFrom('provisioning').selectAll().where('home_id', '=', homeId).orderBy('id').execute();
  }

  /** The amr definitions of these homes (at most a few hundred ids: one statement). */
  amrOfHomes(homeIds: string[]): Promise<Pick<ProvisioningRow, 'home_id' | 'settings'>[]> {
    return this.db
      .selectFrom('provisioning')
      .select(['home_id', 'settings'])
      .where('home_id', 'in', homeIds)
      .where('service', '=', 'amr')
      .execute();
  }

  find(homeId: string, id: string, trx: Kysely<DB> = this.db): Promise<ProvisioningRow | undefined> {
    return trx
      .selectFrom('provisioning')
      .selectAll()
      .where('home_id', '=', homeId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  findForService(homeId: string, service: ProvisioningRow['service'], trx: Kysely<DB> = this.db) {
    return trx
      .selectFrom('provisioning')
      .selectAll()
      .where('home_id', '=', homeId)
      .where('service', '=', service)
      .executeTakeFirst();
  }

  /** The active definitions of one service, every home's. */
  activeOf(service: ProvisioningRow['service']): Promise<Pick<ProvisioningRow, 'home_id' | 'settings'>[]> {
    return this.db
      .selectFrom('provisioning')
      .select(['home_id', 'settings'])
      .where('service', '=', service)
      .where('status', '=', 'active')
      .execute();
  }

  async insert(rows: ProvisioningRow[], trx: Kysely<DB>): Promise<void> {
    if (rows.length > 0) await trx.insertInto('provisioning').values(rows).execute();
  }

  /** Inserts one definition; false when the unique index says the home got this service meanwhile. */
  async insertIfNew(row: ProvisioningRow, trx: Kysely<DB>): Promise<boolean> {
    return insertUnlessTaken(trx, 'provisioning', row);
  }

  async update(
    id: string,
    revision: number,
    patch: Updateable<ProvisioningTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'provisioning', id, revision, patch);
  }

  async suspendAll(homeId: string, now: number, trx: Kysely<DB>): Promise<void> {
    await trx
      .updateTable('provisioning')
      .set((eb) => ({ status: 'suspended', updated_at: now, revision: eb('revision', '+', 1) }))
      .where('home_id', '=', homeId)
      .where('status', '!=', 'suspended')
      .execute();
  }

  /** Every pending definition of a service becomes active (its service has taken it up); how many. */
  async activatePending(service: ProvisioningTable['service'], now: number): Promise<number> {
    const result = await this.db
      .updateTable('provisioning')
      .set((eb) => ({ status: 'active', updated_at: now, revision: eb('revision', '+', 1) }))
      .where('service', '=', service)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    return deleteAtRevision(trx, 'provisioning', id, revision);
  }
}
