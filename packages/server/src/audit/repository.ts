import type { Kysely, Selectable } from 'kysely';
import { inScope, type Scope } from '../auth/index.js';
import type { AuditEventsTable, DB } from '../db/schema.js';

export type AuditRow = Selectable<AuditEventsTable>;

export interface AuditFilter {
  agentId?: string;
  from?: number;
  to?: number;
  /** An action (`user.updated`) or a kind (`user`): matches `kind.*`. */
  action?: string;
  after?: string;
  limit: number;
}

export class AuditRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: AuditRow, trx: Kysely<DB> = this.db): Promise<void> {
    await trx.insertInto('audit_events').values(row).execute();
  }

  list(scope: Scope, filter: AuditFilter): Promise<AuditRow[]> {
    let query = this.db.selectFrom('audit_events').selectAll().where(inScope(scope, 'agent_id'));
    if (filter.agentId) query = query.where('agent_id', '=', filter.agentId);
    if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('at', '<', filter.to);
    if (filter.action) {
      const action = filter.action;
      // A kind matches by prefix; not LIKE, whose `_` wildcard a kind such as home_group contains.
      const prefix = `${action}.`;
      query = action.includes('.')
        ? query.where('action', '=', action)
        : query.where((eb) => eb(eb.fn('substr', ['action', eb.lit(1), eb.lit(prefix.length)]), '=', prefix));
    }
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }
}
