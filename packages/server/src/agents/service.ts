import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AuditService } from '../audit/index.js';
import type { Actor } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTime } from '../db/time.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { AgentFilter, AgentRow, AgentsRepository } from './repository.js';
import type { AgentView, CreateAgentInput, UpdateAgentInput } from './schemas.js';

export interface AgentsDeps {
  db: Kysely<DB>;
  audit: AuditService;
  /**
   * Called when an agent is suspended or deleted, so this node stops serving its users from its token
   * cache. Runs before the change is answered: the users' very next call must already be refused.
   */
  onSuspend: () => void;
}

/**
 * Something that still belongs to an agent and forbids deleting it (homes, once orders create
 * them): returns a sentence naming what is left, or undefined.
 */
export type DeletionGuard = (agentId: string, trx: Kysely<DB>) => Promise<string | undefined>;

/** Work another feature does in an agent's deletion transaction (invitations: cancel their unsent mail). */
export type DeletionStep = (agentId: string, trx: Kysely<DB>) => Promise<void>;

/** An IANA zone the runtime knows, or a 400 naming the field: a typo must not shift every day bucket. */
function checkTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new ApiError('validation_failed', `${zone} is not an IANA time zone (e.g. Europe/London)`, {
      errors: [{ field: '/body/timeZone', message: 'is not an IANA time zone' }],
    });
  }
}

/** An agent as other features see it. */
export interface Agent {
  id: string;
  name: string;
  status: AgentRow['status'];
  /** the IANA time zone its days and months are counted in */
  timeZone: string;
  /** the region its homes use when they name none; null: the platform default */
  region: string | null;
}

const agentOf = (row: AgentRow): Agent => ({
  id: row.id,
  name: row.name,
  status: row.status,
  timeZone: row.time_zone,
  region: row.region,
});

export const toAgentView = (row: AgentRow): AgentView => ({
  id: row.id,
  name: row.name,
  status: row.status,
  timeZone: row.time_zone,
  region: row.region,
  createdAt: isoTime(row.created_at),
  updatedAt: isoTime(row.updated_at),
});

/** Agents (companies): created, listed, renamed, suspended and deleted by the platform operator. */
export class AgentsService {
  private readonly deletionGuards: DeletionGuard[] = [];
  private readonly deletionSteps: DeletionStep[] = [];

  constructor(
    private readonly repo: AgentsRepository,
    private readonly deps: AgentsDeps,
  ) {}

  /** Lets another feature (homes) refuse an agent's deletion while it still has data there. */
  addDeletionGuard(guard: DeletionGuard): void {
    this.deletionGuards.push(guard);
  }

  /** Lets another feature (invitations) do its part of an agent's deletion in the same transaction. */
  addDeletionStep(step: DeletionStep): void {
    this.deletionSteps.push(step);
  }

  /**
   * Serialises changes within one agent (its users, invitations, default tariffs): the agent's row
   * is locked until the caller's transaction ends, on PostgreSQL; SQLite has one writer already.
   */
  lock(agentId: string, trx: Kysely<DB>, strength: 'update' | 'no_key_update' = 'update'): Promise<void> {
    return this.repo.lock(agentId, trx, strength);
  }

  /** The agent's IANA time zone, which its days and months are counted in (Europe/London if gone). */
  async timeZoneOf(agentId: string, trx?: Kysely<DB>): Promise<string> {
    return (await this.repo.findById(agentId, trx))?.time_zone ?? 'Europe/London';
  }

  /** The region the agent's homes use when they name none (null: the platform default). */
  async defaultRegionOf(agentId: string, trx?: Kysely<DB>): Promise<string | null> {
    return (await this.repo.findById(agentId, trx))?.region ?? null;
  }

  /** The agent as other features see it, or undefined when there is none. */
  async findById(id: string, trx?: Kysely<DB>): Promise<Agent | undefined> {
    const row = await this.repo.findById(id, trx);
    return row && agentOf(row);
  }

  async list(filter: AgentFilter): Promise<AgentView[]> {
    return (await this.repo.list(filter)).map(toAgentView);
  }

  async get(id: string): Promise<Versioned<AgentView>> {
    const row = await this.repo.findById(id);
    if (!row) throw new ApiError('not_found', `No agent ${id}`);
    return { view: toAgentView(row), revision: row.revision };
  }

  /**
   * Creates the agent in the caller's transaction (onboarding/: with its first admin's invitation)
   * and audits it.
   */
  async createInTransaction(
    trx: Kysely<DB>,
    actor: Actor,
    input: Pick<CreateAgentInput, 'name' | 'timeZone' | 'region'>,
  ): Promise<AgentView> {
    const now = Date.now();
    const row: AgentRow = {
      id: uuidv7(),
      name: input.name.trim(),
      status: 'active',
      time_zone: checkTimeZone(input.timeZone ?? 'Europe/London'),
      region: input.region ?? null,
      created_at: now,
      updated_at: now,
      revision: 1,
    };
    await this.repo.insert(row, trx);
    await this.deps.audit.record(trx, actor, {
      agentId: row.id,
      action: 'agent.created',
      targetType: 'agent',
      targetId: row.id,
      details: { name: row.name },
    });
    return toAgentView(row);
  }

  async update(
    actor: Actor,
    id: string,
    input: UpdateAgentInput,
    ifMatch?: string,
  ): Promise<Versioned<AgentView>> {
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.findById(id, trx);
      if (!row) throw new ApiError('not_found', `No agent ${id}`);
      checkIfMatch(ifMatch, row.revision);
      const revision = row.revision;
      const patch = {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.timeZone !== undefined ? { time_zone: checkTimeZone(input.timeZone) } : {}),
        ...(input.region !== undefined ? { region: input.region } : {}),
        updated_at: Date.now(),
      };
      if (!(await this.repo.update(id, revision, patch, trx))) {
        throw new ApiError(
          'precondition_failed',
          'The agent changed while you were updating it; read it again',
        );
      }
      const changes: Record<string, unknown> = {};
      if (patch.name !== undefined && patch.name !== row.name)
        changes.name = { from: row.name, to: patch.name };
      if (patch.status !== undefined && patch.status !== row.status)
        changes.status = { from: row.status, to: patch.status };
      if (patch.time_zone !== undefined && patch.time_zone !== row.time_zone)
        changes.timeZone = { from: row.time_zone, to: patch.time_zone };
      if (patch.region !== undefined && patch.region !== row.region)
        changes.region = { from: row.region, to: patch.region };
      const action =
        patch.status === 'suspended' && row.status !== 'suspended'
          ? 'agent.suspended'
          : patch.status === 'active' && row.status === 'suspended'
            ? 'agent.reactivated'
            : 'agent.updated';
      await this.deps.audit.record(trx, actor, {
        agentId: id,
        action,
        targetType: 'agent',
        targetId: id,
        details: changes,
      });
      return { ...row, ...patch, revision: revision + 1 };
    });
    if (result.status === 'suspended') this.deps.onSuspend();
    return { view: toAgentView(result), revision: result.revision };
  }

  /** Deletes an agent with everything of it (users, invitations), unless a guard says it still has homes. */
  async delete(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.findById(id, trx);
      if (!row) throw new ApiError('not_found', `No agent ${id}`);
      checkIfMatch(ifMatch, row.revision);
      const revision = row.revision;
      for (const guard of this.deletionGuards) {
        const reason = await guard(id, trx);
        if (reason) throw new ApiError('conflict', `Agent "${row.name}" cannot be deleted: ${reason}`);
      }
      for (const step of this.deletionSteps) await step(id, trx);
      if (!(await this.repo.delete(id, revision, trx))) {
        throw new ApiError(
          'precondition_failed',
          'The agent changed while you were deleting it; read it again',
        );
      }
      await this.deps.audit.record(trx, actor, {
        agentId: id,
        action: 'agent.deleted',
        targetType: 'agent',
        targetId: id,
        details: { name: row.name },
      });
    });
    this.deps.onSuspend();
  }
}
