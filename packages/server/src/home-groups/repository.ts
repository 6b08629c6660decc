import type { Kysely, Selectable } from 'kysely';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/tenancy.js';
import type { DB, HomeGroupsTable } from '../db/schema.js';

export type HomeGroupRow = Selectable<HomeGroupsTable> & { home_count: number };

export class HomeGroupsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private base(trx: Kysely<DB>) {
    return trx
      .selectFrom('home_groups')
      .selectAll('home_groups')
      .select((eb) =>
        eb
          .selectFrom('home_group_members')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('home_group_members.group_id', '=', 'home_groups.id')
          .as('home_count'),
      );
  }

  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<HomeGroupRow | undefined> {
    return this.base(trx)
      .where('home_groups.id', '=', id)
      .where(inScope(scope, 'home_groups.agent_id'))
      .executeTakeFirst() as Promise<HomeGroupRow | undefined>;
  }

  list(scope: Scope): Promise<HomeGroupRow[]> {
    return this.base(this.db)
      .where(inScope(scope, 'home_groups.agent_id'))
      .orderBy('home_groups.name')
      .limit(1000)
      .execute() as Promise<HomeGroupRow[]>;
  }

  async nameTaken(agentId: string, name: string, exceptId: string | null, trx: Kysely<DB>): Promise<boolean> {
    let query = trx
      .selectFrom('home_groups')
      .select('id')
      .where('agent_id', '=', agentId)
      .where('name', '=', name);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async countInAgent(agentId: string, ids: string[], trx: Kysely<DB>): Promise<number> {
    if (ids.length === 0) return 0;
    const row = await trx
      .selectFrom('home_groups')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', agentId)
      .where('id', 'in', ids)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(row: Selectable<HomeGroupsTable>, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('home_groups').values(row).execute();
  }

  async rename(id: string, revision: number, name: string, now: number, trx: Kysely<DB>): Promise<boolean> {
    const result = await trx
      .updateTable('home_groups')
      .set({ name, updated_at: now, revision: revision + 1 })
      .where('id', '=', id)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    const result = await trx
      .deleteFrom('home_groups')
      .where('id', '=', id)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async setUserGroups(userId: string, groupIds: string[], trx: Kysely<DB>): Promise<void> {
    await trx.deleteFrom('user_home_groups').where('user_id', '=', userId).execute();
    if (groupIds.length > 0) {
      await trx
        .insertInto('user_home_groups')
        .values(groupIds.map((group_id) => ({ user_id: userId, group_id })))
        .execute();
    }
  }

  userGroupIds(userId: string, trx: Kysely<DB> = this.db): Promise<string[]> {
    return trx
      .selectFrom('user_home_groups')
      .select('group_id')
      .where('user_id', '=', userId)
      .execute()
      .then((rows) => rows.map((r) => r.group_id));
  }
}
