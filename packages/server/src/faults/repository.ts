import { type Kysely, type Selectable, sql } from 'kysely';
import type { AlarmSpan } from '../analytics/quality-intervals.js';
import { homeInScope, type Scope } from '../auth/index.js';
import { putAtRevision, updateAtRevision } from '../db/revision.js';
import type { AlarmsTable, DB, FaultEvaluationsTable } from '../db/schema.js';
import { LeaseQueue } from '../jobs/lease-queue.js';

export type AlarmRow = Selectable<AlarmsTable>;
export type AlarmListRow = AlarmRow & { home_reference: string };
export type EvaluationRow = Selectable<FaultEvaluationsTable>;

export interface AlarmFilter {
  limit: number;
  after?: string;
  /** newest first (default) or oldest first */
  order: 'desc' | 'asc';
  agentId?: string;
  homeId?: string;
  state?: 'active' | 'cleared';
  severity?: string[];
  rule?: string[];
  groupId?: string;
  acknowledged?: boolean;
  /** raised at or after / before (epoch ms) */
  raisedFrom?: number;
  raisedTo?: number;
}

/** The ids of homes with an active alarm: a subquery the homes list filters with (hasActiveAlarms). */
export function alarmedHomes(db: Kysely<DB>) {
  return db.selectFrom('alarms').select('home_id').where('state', '=', 'active');
}

/** Alarms, their history, the evaluator's per-home state and the agents' rule settings. */
export class FaultsRepository {
  /** A home's evaluation lease: its owner is a token of one evaluation. */
  private readonly leases: LeaseQueue<'fault_evaluations'>;

  constructor(private readonly db: Kysely<DB>) {
    this.leases = new LeaseQueue(db, {
      table: 'fault_evaluations',
      key: 'home_id',
      until: 'lease_until',
      owner: 'lease_owner',
      free: 0,
    });
  }

  /**
   * The alarms of some rules over homes (at most a few hundred ids) whose condition overlaps
   * [from, to), oldest raised first, with the meter their evidence names: analytics' data quality.
   */
  async alarmSpans(
    homeIds: readonly string[],
    rules: readonly string[],
    from: number,
    to: number,
  ): Promise<AlarmSpan[]> {
    if (homeIds.length === 0 || rules.length === 0) return [];
    const rows = await this.db
      .selectFrom('alarms')
      .select([
        'id',
        'home_id',
        'rule',
        'channel_id',
        'evidence',
        'raised_at',
        'condition_since',
        'cleared_at',
      ])
      .where('home_id', 'in', homeIds)
      .where('rule', 'in', rules)
      .where((eb) => eb(eb.fn.coalesce('condition_since', 'raised_at'), '<', to))
      .where((eb) => eb.or([eb('cleared_at', 'is', null), eb('cleared_at', '>', from)]))
      .orderBy('raised_at')
      .execute();
    return rows.map((row) => {
      const evidence = row.evidence ? (JSON.parse(row.evidence) as { meterSerial?: unknown }) : {};
      return {
        id: row.id,
        homeId: row.home_id,
        rule: row.rule,
        channelId: row.channel_id,
        meterSerial: typeof evidence.meterSerial === 'string' ? evidence.meterSerial : null,
        raisedAt: Number(row.raised_at),
        conditionSince: row.condition_since === null ? null : Number(row.condition_since),
        clearedAt: row.cleared_at === null ? null : Number(row.cleared_at),
      };
    });
  }

  /** One alarm the caller may see (its home visible), with its home's reference; or undefined. */
  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<AlarmListRow | undefined> {
    return trx
      .selectFrom('alarms')
      .innerJoin('homes', 'homes.id', 'alarms.home_id')
      .selectAll('alarms')
      .select('homes.reference as home_reference')
      .where('alarms.id', '=', id)
      .where(homeInScope(scope, 'alarms.home_id'))
      .executeTakeFirst();
  }

  list(scope: Scope, filter: AlarmFilter): Promise<AlarmListRow[]> {
    let query = this.db
      .selectFrom('alarms')
      .innerJoin('homes', 'homes.id', 'alarms.home_id')
      .selectAll('alarms')
      .select('homes.reference as home_reference')
      .where(homeInScope(scope, 'alarms.home_id'));
    if (filter.agentId) query = query.where('alarms.agent_id', '=', filter.agentId);
    if (filter.homeId) query = query.where('alarms.home_id', '=', filter.homeId);
    if (filter.state) query = query.where('alarms.state', '=', filter.state);
    if (filter.severity?.length)
      query = query.where('alarms.severity', 'in', filter.severity as AlarmRow['severity'][]);
    if (filter.rule?.length) query = query.where('alarms.rule', 'in', filter.rule);
    if (filter.acknowledged !== undefined)
      query = query.where('alarms.acknowledged_at', filter.acknowledged ? 'is not' : 'is', null);
    if (filter.raisedFrom !== undefined) query = query.where('alarms.raised_at', '>=', filter.raisedFrom);
    if (filter.raisedTo !== undefined) query = query.where('alarms.raised_at', '<', filter.raisedTo);
    if (filter.groupId) {
      const groupId = filter.groupId;
      query = query.where('alarms.home_id', 'in', (eb) =>
        eb.selectFrom('home_group_members').select('home_id').where('group_id', '=', groupId),
      );
    }
    if (filter.after) query = query.where('alarms.id', filter.order === 'desc' ? '<' : '>', filter.after);
    return query
      .orderBy('alarms.id', filter.order)
      .limit(filter.limit + 1)
      .execute();
  }

  /** Active alarms per home and severity, of the given homes the caller may see: one grouped query per chunk. */
  async activeCounts(
    scope: Scope,
    homeIds: string[],
  ): Promise<{ home_id: string; severity: AlarmRow['severity']; n: number }[]> {
    const out: { home_id: string; severity: AlarmRow['severity']; n: number }[] = [];
    for (let i = 0; i < homeIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('alarms')
        .select((eb) => ['home_id', 'severity', eb.fn.countAll<number | string>().as('n')])
        .where('state', '=', 'active')
        .where('home_id', 'in', homeIds.slice(i, i + 500))
        .where(homeInScope(scope, 'alarms.home_id'))
        .groupBy(['home_id', 'severity'])
        .execute();
      for (const r of rows) out.push({ home_id: r.home_id, severity: r.severity, n: Number(r.n) });
    }
    return out;
  }

  active(homeId: string, trx: Kysely<DB> = this.db): Promise<AlarmRow[]> {
    return trx
      .selectFrom('alarms')
      .selectAll()
      .where('home_id', '=', homeId)
      .where('state', '=', 'active')
      .execute();
  }

  async insert(row: AlarmRow, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('alarms').values(row).execute();
  }

  /** Writes what the evaluator changed on an alarm still active; false if it was cleared meanwhile. */
  async updateJudged(
    id: string,
    changes: Pick<
      AlarmRow,
      | 'severity'
      | 'state'
      | 'summary'
      | 'evidence'
      | 'channel_id'
      | 'last_seen_at'
      | 'cleared_at'
      | 'cleared_by'
      | 'occurrences'
    >,
    now: number,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('alarms')
      .set((eb) => ({ ...changes, updated_at: now, revision: eb('revision', '+', 1) }))
      .where('id', '=', id)
      .where('state', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** A person's change (acknowledge, note, clear) at the revision they read; false if it moved on. */
  async updateByHand(
    id: string,
    revision: number,
    changes: Partial<
      Pick<AlarmRow, 'state' | 'cleared_at' | 'cleared_by' | 'acknowledged_at' | 'acknowledged_by' | 'note'>
    >,
    now: number,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'alarms', id, revision, { ...changes, updated_at: now });
  }

  async insertEvents(
    rows: {
      id: string;
      alarm_id: string;
      type: string;
      at: number;
      actor: string | null;
      detail: string | null;
    }[],
    trx: Kysely<DB>,
  ): Promise<void> {
    if (rows.length > 0) await trx.insertInto('alarm_events').values(rows).execute();
  }

  events(
    alarmId: string,
  ): Promise<{ id: string; type: string; at: number; actor: string | null; detail: string | null }[]> {
    return this.db
      .selectFrom('alarm_events')
      .select(['id', 'type', 'at', 'actor', 'detail'])
      .where('alarm_id', '=', alarmId)
      .orderBy('id')
      .execute();
  }

  groupIdsOf(homeId: string, trx: Kysely<DB> = this.db): Promise<string[]> {
    return trx
      .selectFrom('home_group_members')
      .select('group_id')
      .where('home_id', '=', homeId)
      .execute()
      .then((rows) => rows.map((r) => r.group_id));
  }

  // ---- the evaluator's state ----

  /**
   * Homes with fault management (pending or active) but no evaluation row yet: the homes the
   * platform had before fault management existed (new ones get theirs with the definition), or one.
   */
  homesToTakeUp(
    homeId?: string,
    trx: Kysely<DB> = this.db,
  ): Promise<
    { id: string; agent_id: string; installation: string; created_at: number; time_zone: string }[]
  > {
    let query = trx
      .selectFrom('provisioning as p')
      .innerJoin('homes as h', 'h.id', 'p.home_id')
      .innerJoin('agents as a', 'a.id', 'h.agent_id')
      .select(['h.id', 'h.agent_id', 'h.installation', 'h.created_at', 'a.time_zone'])
      .where('p.service', '=', 'fault_management')
      .where('p.status', 'in', ['pending', 'active'])
      .where('h.status', '=', 'active')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(selectFrom('fault_evaluations as f').select('f.home_id').whereRef('f.home_id', '=', 'h.id')),
        ),
      );
    if (homeId) query = query.where('h.id', '=', homeId);
    return query.execute();
  }

  async insertEvaluations(rows: EvaluationRow[], trx: Kysely<DB> = this.db): Promise<void> {
    if (rows.length === 0) return;
    await trx
      .insertInto('fault_evaluations')
      .values(rows)
      .onConflict((oc) => oc.column('home_id').doNothing())
      .execute();
  }

  /** Homes due for evaluation whose fault management is not suspended, not leased by anyone. */
  due(now: number, limit: number): Promise<{ home_id: string }[]> {
    return this.db
      .selectFrom('fault_evaluations as f')
      .innerJoin('provisioning as p', (join) =>
        join
          .onRef('p.home_id', '=', 'f.home_id')
          .on('p.service', '=', 'fault_management')
          .on('p.status', 'in', ['pending', 'active']),
      )
      .select('f.home_id')
      .where('f.due_at', '<=', now)
      .where(this.leases.unleased(now, 'f'))
      .orderBy('f.due_at')
      .limit(limit)
      .execute();
  }

  /**
   * Leases a home to one evaluation (`owner`: a token unique to it); the row, or undefined while
   * another holds an unexpired lease — even one of the same process.
   */
  claim(homeId: string, owner: string, now: number, leaseUntil: number): Promise<EvaluationRow | undefined> {
    return this.leases.claim({ key: homeId, owner, until: leaseUntil }, now);
  }

  /** Records the outcome and lets the lease go; false if the lease was lost (the caller rolls back). */
  release(
    homeId: string,
    owner: string,
    outcome: { evaluatedTo?: number; dueAt: number; lastRunAt: number; lastError: string | null },
    trx: Kysely<DB> = this.db,
  ): Promise<boolean> {
    return this.leases.release(
      { key: homeId, owner, until: 0 }, // held is known by its owner alone
      {
        ...(outcome.evaluatedTo !== undefined ? { evaluated_to: outcome.evaluatedTo } : {}),
        // Readings that arrived during the evaluation (a touch since it began) keep the due time the
        // touch gave. Not `due_at < lastRunAt`: that holds for every home the pass finds due, so
        // each stayed due and was judged again at once, for ever.
        due_at: sql<number>`case when touched_at >= ${outcome.lastRunAt} then due_at else ${outcome.dueAt} end`,
        last_run_at: outcome.lastRunAt,
        last_error: outcome.lastError,
      },
      { trx },
    );
  }

  /** Readings arrived for these homes: evaluate them at `dueAt` at the latest. */
  async touch(homeIds: string[], now: number, dueAt: number): Promise<void> {
    if (homeIds.length === 0) return;
    await this.db
      .updateTable('fault_evaluations')
      .set({
        touched_at: now,
        due_at: sql<number>`case when due_at < ${dueAt} then due_at else ${dueAt} end`,
      })
      .where('home_id', 'in', homeIds)
      .execute();
  }

  evaluation(homeId: string): Promise<EvaluationRow | undefined> {
    return this.db
      .selectFrom('fault_evaluations')
      .selectAll()
      .where('home_id', '=', homeId)
      .executeTakeFirst();
  }

  // ---- agents' thresholds ----

  settings(agentId: string): Promise<{ thresholds: string; revision: number } | undefined> {
    return this.db
      .selectFrom('fault_settings')
      .select(['thresholds', 'revision'])
      .where('agent_id', '=', agentId)
      .executeTakeFirst();
  }

  /** Sets an agent's thresholds at `revision` (0: none yet); false if someone changed them meanwhile. */
  async putSettings(
    agentId: string,
    thresholds: string,
    revision: number,
    now: number,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return putAtRevision(trx, 'fault_settings', { column: 'agent_id', value: agentId }, revision, {
      thresholds,
      updated_at: now,
    });
  }
}
