import type { Kysely, Selectable } from 'kysely';
import { groupInScope, type Scope } from '../auth/index.js';
import { isPostgres } from '../db/dialect.js';
import { deleteAtRevision, updateAtRevision } from '../db/revision.js';
import type { DB, HomeGroupsTable } from '../db/schema.js';
import { insertUnlessTaken, unlessTaken } from '../db/sql.js';

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
      .where(groupInScope(scope, 'home_groups.id', 'home_groups.agent_id'))
      .executeTakeFirst() as Promise<HomeGroupRow | undefined>;
  }

  list(scope: Scope): Promise<HomeGroupRow[]> {
    return this.base(this.db)
      .where(groupInScope(scope, 'home_groups.id', 'home_groups.agent_id'))
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

  /**
   * How many of these groups the agent has. On PostgreSQL the groups found stay locked (FOR SHARE)
   * until the transaction ends, so a group cannot be deleted between this check and the rows that
   * then name it (a home's or a user's groups): the delete waits, or the check no longer finds it.
   */
  async countInAgent(agentId: string, ids: string[], trx: Kysely<DB>): Promise<number> {
    if (ids.length === 0) return 0;
    let query = trx
      .selectFrom('home_groups')
      .select('id')
      .where('agent_id', '=', agentId)
      .where('id', 'in', ids);
    if (isPostgres(trx)) query = query.forShare();
    return (await query.execute()).length;
  }

  /** Inserts the group; false when the unique index says its name was taken meanwhile. */
  async insert(row: Selectable<HomeGroupsTable>, trx: Kysely<DB>): Promise<boolean> {
    return insertUnlessTaken(trx, 'home_groups', row);
  }

  /** 'renamed', 'stale' (the revision moved on) or 'taken' (the unique index refused the name). */
  async rename(
    id: string,
    revision: number,
    name: string,
    now: number,
    trx: Kysely<DB>,
  ): Promise<'renamed' | 'stale' | 'taken'> {
    const renamed = await unlessTaken(
      updateAtRevision(trx, 'home_groups', id, revision, { name, updated_at: now }),
    );
    return renamed === 'taken' ? 'taken' : renamed ? 'renamed' : 'stale';
  }

  async delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    return deleteAtRevision(trx, 'home_groups', id, revision);
  }

  groupsOfHome(homeId: string, trx: Kysely<DB> = this.db): Promise<{ id: string; name: string }[]> {
    return trx
      .selectFrom('home_group_members')
      .innerJoin('home_groups', 'home_groups.id', 'home_group_members.group_id')
      .select(['home_groups.id', 'home_groups.name'])
      .where('home_group_members.home_id', '=', homeId)
      .orderBy('home_groups.name')
      .execute();
  }

  async setHomeGroups(homeId: string, groupIds: string[], trx: Kysely<DB>): Promise<void> {
    await trx.deleteFrom('home_group_members').where('home_id', '=', homeId).execute();
    if (groupIds.length > 0) {
      await trx
        .insertInto('home_group_members')
        .values(groupIds.map((groupId) => ({ group_id: groupId, home_id: homeId })))
        .execute();
    }
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
