import type { Kysely, Selectable, Updateable } from 'kysely';
import { isPostgres } from '../db/dialect.js';
import { deleteAtRevision, updateAtRevision } from '../db/revision.js';
import type { AgentsTable, DB } from '../db/schema.js';

export type AgentRow = Selectable<AgentsTable>;

export interface AgentFilter {
  q?: string;
  status?: AgentRow['status'];
  after?: string;
  limit: number;
}

/** The SQL of agents. Only the operator reaches these lists, so they are not filtered by scope. */
export class AgentsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Locks the agent's row until the transaction ends, on PostgreSQL (SQLite has one writer
   * already). `no_key_update` does not hold up inserts of rows that reference the agent.
   */
  async lock(agentId: string, trx: Kysely<DB>, strength: 'update' | 'no_key_update'): Promise<void> {
    if (!isPostgres(trx)) return;
    const query = trx.selectFrom('agents').select('id').where('id', '=', agentId);
    await (strength === 'update' ? query.forUpdate() : query.forNoKeyUpdate()).execute();
  }

  findById(id: string, trx: Kysely<DB> = this.db): Promise<AgentRow | undefined> {
    return trx.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(filter: AgentFilter): Promise<AgentRow[]> {
    let query = this.db.selectFrom('agents').selectAll();
    if (filter.q) {
      // LIKE wildcards are dropped from the search text rather than escaped (SQLite and PostgreSQL escape differently).
      const pattern = `%${filter.q.toLowerCase().replaceAll(/[%_]/g, '')}%`;
      query = query.where((eb) => eb(eb.fn('lower', ['name']), 'like', pattern));
    }
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  async insert(row: AgentRow, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('agents').values(row).execute();
  }

  /** Applies a change only if the row is still at `revision`; false when someone changed it first. */
  async update(
    id: string,
    revision: number,
    patch: Updateable<AgentsTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'agents', id, revision, patch);
  }

  async delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    return deleteAtRevision(trx, 'agents', id, revision);
  }
}
