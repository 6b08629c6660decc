import type { Kysely, Selectable, Updateable } from 'kysely';
import { inScope, type Scope } from '../auth/index.js';
import { deleteAtRevision, updateAtRevision } from '../db/revision.js';
import type { DB, IntegrationClientAccess, IntegrationClientsTable } from '../db/schema.js';
import { insertUnlessTaken } from '../db/sql.js';

export type IntegrationClientRow = Selectable<IntegrationClientsTable>;

/** The SQL of integration clients. Reads for people take their scope; the token checks take the client id. */
export class IntegrationClientsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<IntegrationClientRow | undefined> {
    return trx
      .selectFrom('integration_clients')
      .selectAll()
      .where('id', '=', id)
      .where(inScope(scope, 'agent_id'))
      .executeTakeFirst();
  }

  /** The client behind a client id, whoever asks: for the token endpoint and the bearer check. */
  findClient(id: string): Promise<IntegrationClientRow | undefined> {
    return this.db.selectFrom('integration_clients').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(
    scope: Scope,
    filter: { access?: IntegrationClientAccess; after?: string; limit: number },
  ): Promise<IntegrationClientRow[]> {
    let query = this.db.selectFrom('integration_clients').selectAll().where(inScope(scope, 'agent_id'));
    if (filter.access) query = query.where('access', '=', filter.access);
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  /** Inserts the client; false when the unique index says the agent has one of that name. */
  insert(row: IntegrationClientRow, trx: Kysely<DB>): Promise<boolean> {
    return insertUnlessTaken(trx, 'integration_clients', row);
  }

  update(
    id: string,
    revision: number,
    patch: Updateable<IntegrationClientsTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'integration_clients', id, revision, patch);
  }

  delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    return deleteAtRevision(trx, 'integration_clients', id, revision);
  }

  /** Bookkeeping, not a change of the resource: no revision bump, so ETags stay valid. */
  async touch(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('integration_clients')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .execute();
  }
}
