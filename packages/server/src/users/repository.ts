import type { Kysely, Selectable, Updateable } from 'kysely';
import { inScope, type Scope } from '../auth/index.js';
import { deleteAtRevision, updateAtRevision } from '../db/revision.js';
import type { DB, Role, UsersTable } from '../db/schema.js';
import { insertUnlessTaken } from '../db/sql.js';

export type UserRow = Selectable<UsersTable>;

export interface UserFilter {
  agentId?: string;
  role?: Role;
  status?: UserRow['status'];
  q?: string;
  after?: string;
  limit: number;
}

/** The SQL of users. Usernames and emails are stored lower-cased. */
export class UsersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  findByUsername(username: string, trx: Kysely<DB> = this.db): Promise<UserRow | undefined> {
    return trx
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.toLowerCase())
      .executeTakeFirst();
  }

  /** The active users of agents with this email address (an address may have one per agent). */
  findActiveByEmail(email: string, limit: number): Promise<UserRow[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.trim().toLowerCase())
      .where('status', '=', 'active')
      .where('agent_id', 'is not', null)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A user the caller may see: their own agent's (the operator: any agent's user, not other operators). */
  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<UserRow | undefined> {
    return trx
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .where('agent_id', 'is not', null)
      .where(inScope(scope, 'agent_id'))
      .executeTakeFirst();
  }

  list(scope: Scope, filter: UserFilter): Promise<UserRow[]> {
    // Agents' users only: operator accounts are platform staff, not managed here (as find() agrees).
    let query = this.db
      .selectFrom('users')
      .selectAll()
      .where('agent_id', 'is not', null)
      .where(inScope(scope, 'agent_id'));
    if (filter.agentId) query = query.where('agent_id', '=', filter.agentId);
    if (filter.role) query = query.where('role', '=', filter.role);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.q) {
      const pattern = `%${filter.q.toLowerCase().replaceAll(/[%_]/g, '')}%`;
      query = query.where((eb) =>
        eb.or([
          eb('username', 'like', pattern),
          eb('email', 'like', pattern),
          eb(eb.fn('lower', ['name']), 'like', pattern),
        ]),
      );
    }
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  async insert(row: UserRow, trx: Kysely<DB> = this.db): Promise<void> {
    await trx.insertInto('users').values(row).execute();
  }

  /**
   * Inserts a user unless the username is taken; false when it is. The unique index decides, so two
   * acceptances racing for one username get one user and one false, never a database error.
   */
  async insertIfUsernameFree(row: UserRow, trx: Kysely<DB>): Promise<boolean> {
    return insertUnlessTaken(trx, 'users', row);
  }

  async update(
    id: string,
    revision: number,
    patch: Updateable<UsersTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'users', id, revision, patch);
  }

  async delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    return deleteAtRevision(trx, 'users', id, revision);
  }

  async setPasswordHash(
    id: string,
    passwordHash: string,
    now: number,
    trx: Kysely<DB> = this.db,
  ): Promise<void> {
    await trx
      .updateTable('users')
      .set((eb) => ({ password_hash: passwordHash, updated_at: now, revision: eb('revision', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  /** Enabled admins of an agent other than `exceptId`: an agent must always keep one. */
  async countOtherEnabledAdmins(agentId: string, exceptId: string, trx: Kysely<DB>): Promise<number> {
    const row = await trx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', agentId)
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .where('id', '!=', exceptId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
