import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTime } from '../db/time.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { HomeGroupRow, HomeGroupsRepository } from './repository.js';
import type { HomeGroupView } from './schemas.js';

const toView = (row: HomeGroupRow): HomeGroupView => ({
  id: row.id,
  agentId: row.agent_id,
  name: row.name,
  homeCount: Number(row.home_count ?? 0),
  createdAt: isoTime(row.created_at),
  updatedAt: isoTime(row.updated_at),
});

const nameTaken = (name: string) =>
  new ApiError('conflict', `There is already a home group called "${name}"`, {
    errors: [{ field: '/body/name', message: 'is already used' }],
  });

/**
 * Home groups: how an admin decides which homes each editor or viewer sees (the seed's "manage
 * visibility of their own information").
 */
export class HomeGroupsService {
  constructor(
    private readonly repo: HomeGroupsRepository,
    private readonly deps: { db: Kysely<DB>; audit: AuditService },
  ) {}

  async allExist(agentId: string, ids: string[], trx: Kysely<DB>): Promise<boolean> {
    return (await this.repo.countInAgent(agentId, ids, trx)) === new Set(ids).size;
  }

  /** A home's groups, by name (the home's view). */
  groupsOfHome(homeId: string, trx?: Kysely<DB>): Promise<{ id: string; name: string }[]> {
    return this.repo.groupsOfHome(homeId, trx);
  }

  /** Puts a home in exactly these groups (checked to be its agent's by the caller), in its transaction. */
  setHomeGroups(homeId: string, groupIds: string[], trx: Kysely<DB>): Promise<void> {
    return this.repo.setHomeGroups(homeId, groupIds, trx);
  }

  setUserGroups(userId: string, groupIds: string[], trx: Kysely<DB>): Promise<void> {
    return this.repo.setUserGroups(userId, groupIds, trx);
  }

  userGroupIds(userId: string, trx?: Kysely<DB>): Promise<string[]> {
    return this.repo.userGroupIds(userId, trx);
  }

  async list(scope: Scope): Promise<HomeGroupView[]> {
    return (await this.repo.list(scope)).map(toView);
  }

  async get(scope: Scope, id: string): Promise<Versioned<HomeGroupView>> {
    const row = await this.repo.find(scope, id);
    if (!row) throw new ApiError('not_found', `No home group ${id}`);
    return { view: toView(row), revision: row.revision };
  }

  private async ensureNameFree(agentId: string, name: string, exceptId: string | null, trx: Kysely<DB>) {
    if (await this.repo.nameTaken(agentId, name, exceptId, trx)) throw nameTaken(name);
  }

  async create(actor: Actor, name: string): Promise<HomeGroupView> {
    const agentId = actor.scope.agentId;
    if (!agentId) throw new ApiError('forbidden', 'Home groups belong to an agent: log in as its admin');
    const now = Date.now();
    const row = {
      id: uuidv7(),
      agent_id: agentId,
      name: name.trim(),
      created_at: now,
      updated_at: now,
      revision: 1,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await this.ensureNameFree(agentId, row.name, null, trx);
      // Checked above for the common case; the unique index settles two creates at the same moment.
      if (!(await this.repo.insert(row, trx))) throw nameTaken(row.name);
      await this.deps.audit.record(trx, actor, {
        agentId,
        action: 'home_group.created',
        targetType: 'home_group',
        targetId: row.id,
        details: { name: row.name },
      });
    });
    return toView({ ...row, home_count: 0 });
  }

  async rename(actor: Actor, id: string, name: string, ifMatch?: string): Promise<Versioned<HomeGroupView>> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No home group ${id}`);
      checkIfMatch(ifMatch, row.revision);
      await this.ensureNameFree(row.agent_id, name.trim(), row.id, trx);
      const now = Date.now();
      const renamed = await this.repo.rename(row.id, row.revision, name.trim(), now, trx);
      if (renamed === 'taken') throw nameTaken(name.trim());
      if (renamed === 'stale') {
        throw new ApiError('precondition_failed', 'The group changed meanwhile; read it again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'home_group.updated',
        targetType: 'home_group',
        targetId: row.id,
        details: { name: { from: row.name, to: name.trim() } },
      });
      const updated = { ...row, name: name.trim(), updated_at: now, revision: row.revision + 1 };
      return { view: toView(updated), revision: updated.revision };
    });
  }

  /** Deletes a group; its homes stay, and users limited to it see none of them any more. */
  async delete(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No home group ${id}`);
      checkIfMatch(ifMatch, row.revision);
      if (!(await this.repo.delete(row.id, row.revision, trx))) {
        throw new ApiError('precondition_failed', 'The group changed meanwhile; read it again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'home_group.deleted',
        targetType: 'home_group',
        targetId: row.id,
        details: { name: row.name },
      });
    });
  }
}
