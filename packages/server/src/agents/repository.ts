import type { Kysely, Selectable } from 'kysely';
import type { AgentsTable, DB } from '../db/schema.js';

export type AgentRow = Selectable<AgentsTable>;

/** The SQL of agents. */
export class AgentsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  findById(id: string): Promise<AgentRow | undefined> {
    return this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
