import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { type AgentsService, agentFor } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTime, isoTimeOrNull } from '../db/time.js';
import type { HomeRecords } from '../homes/index.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { AlarmEventSink, EvaluationOutcome, FaultEvaluator } from './evaluator.js';
import type { AlarmEvent } from './events.js';
import type { AlarmListRow, FaultsRepository } from './repository.js';
import { RULES, resolveParams, ruleById } from './rules/index.js';
import type { AlarmListQueryInput, AlarmView, RuleCatalogue, UpdateAlarmInput } from './schemas.js';
import { agentThresholds, checkThresholds, type HomeThresholds, thresholdsOf } from './thresholds.js';

export interface AlarmsDeps {
  db: Kysely<DB>;
  audit: AuditService;
  agents: AgentsService;
  homes: HomeRecords;
  evaluator: FaultEvaluator;
  /** a home's own thresholds live in its fault_management definition */
  provisioning: HomeThresholds;
  /** where alarm events go (none: not told) */
  notifications?: AlarmEventSink | undefined;
}

const ruleTitle = (id: string) => ruleById(id)?.title ?? id;

export function alarmView(row: AlarmListRow): AlarmView {
  return {
    id: row.id,
    agentId: row.agent_id,
    homeId: row.home_id,
    homeReference: row.home_reference,
    rule: row.rule,
    ruleTitle: ruleTitle(row.rule),
    severity: row.severity,
    state: row.state,
    summary: row.summary,
    evidence: row.evidence ? evidenceView(JSON.parse(row.evidence)) : null,
    channelId: row.channel_id,
    raisedAt: isoTime(row.raised_at),
    conditionSince: isoTime(row.condition_since ?? row.raised_at),
    lastSeenAt: isoTime(row.last_seen_at),
    clearedAt: isoTimeOrNull(row.cleared_at),
    clearedBy: row.cleared_by === null ? null : row.cleared_by === 'auto' ? 'auto' : 'user',
    clearedByUserId: row.cleared_by !== null && row.cleared_by !== 'auto' ? row.cleared_by : null,
    acknowledged: row.acknowledged_at !== null,
    acknowledgedAt: isoTimeOrNull(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    note: row.note,
    occurrences: Number(row.occurrences),
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

/** Evidence as stored (epoch ms) to the wire (RFC 3339). */
function evidenceView(
  e: { from: number; to: number } & Record<string, unknown>,
): NonNullable<AlarmView['evidence']> {
  return {
    ...(e as unknown as NonNullable<AlarmView['evidence']>),
    from: isoTime(e.from),
    to: isoTime(e.to),
  };
}

/** A comma-separated filter: each value must be one of `allowed`, else a 400 naming it. */
function listOf(value: string | undefined, field: string, allowed: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  const wrong = items.filter((v) => !allowed.includes(v));
  if (wrong.length > 0 || items.length === 0) {
    throw new ApiError('validation_failed', `${field} must be among ${allowed.join(', ')}`, {
      errors: [
        { field: `/query/${field}`, message: wrong.length > 0 ? `unknown: ${wrong.join(', ')}` : 'is empty' },
      ],
    });
  }
  return items;
}

function timeOf(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw new ApiError('validation_failed', `${field} is not a date-time`, {
      errors: [{ field: `/query/${field}`, message: 'must be an RFC 3339 date-time' }],
    });
  }
  return t;
}

/** A home's active alarms by severity. */
export interface ActiveAlarmCounts {
  critical: number;
  major: number;
  minor: number;
  warning: number;
  total: number;
}

/** Alarms as people see and handle them, and the rule catalogue with each agent's thresholds. */
export class AlarmsService {
  constructor(
    private readonly repo: FaultsRepository,
    private readonly deps: AlarmsDeps,
  ) {}

  /** Active alarms counted by severity for each of the given homes the caller may see (absent: none). */
  async activeCounts(scope: Scope, homeIds: string[]): Promise<Map<string, ActiveAlarmCounts>> {
    const result = new Map<string, ActiveAlarmCounts>();
    for (const r of await this.repo.activeCounts(scope, homeIds)) {
      let counts = result.get(r.home_id);
      if (!counts) {
        counts = { critical: 0, major: 0, minor: 0, warning: 0, total: 0 };
        result.set(r.home_id, counts);
      }
      counts[r.severity] += r.n;
      counts.total += r.n;
    }
    return result;
  }

  async list(
    scope: Scope,
    query: Partial<AlarmListQueryInput> & { limit: number; cursorId?: string },
  ): Promise<AlarmView[]> {
    if (query.agentId && scope.role !== 'operator' && query.agentId !== scope.agentId) return [];
    if (query.homeId) await this.deps.homes.requireVisible(scope, query.homeId);
    const severity = listOf(query.severity, 'severity', ['critical', 'major', 'minor', 'warning']);
    const rule = listOf(
      query.rule,
      'rule',
      RULES.map((r) => r.id),
    );
    const raisedFrom = timeOf(query.from, 'from');
    const raisedTo = timeOf(query.to, 'to');
    const rows = await this.repo.list(scope, {
      limit: query.limit,
      order: query.order ?? 'desc',
      ...(query.cursorId ? { after: query.cursorId } : {}),
      ...(query.agentId ? { agentId: query.agentId } : {}),
      ...(query.homeId ? { homeId: query.homeId } : {}),
      ...(query.state ? { state: query.state } : {}),
      ...(severity ? { severity } : {}),
      ...(rule ? { rule } : {}),
      ...(query.groupId ? { groupId: query.groupId } : {}),
      ...(query.acknowledged !== undefined ? { acknowledged: query.acknowledged } : {}),
      ...(raisedFrom !== undefined ? { raisedFrom } : {}),
      ...(raisedTo !== undefined ? { raisedTo } : {}),
    });
    return rows.map(alarmView);
  }

  async get(scope: Scope, id: string) {
    const row = await this.repo.find(scope, id);
    if (!row) throw new ApiError('not_found', `No alarm ${id}`);
    const history = (await this.repo.events(id)).map((e) => ({
      type: e.type,
      at: isoTime(e.at),
      actor: e.actor,
      detail: e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : null,
    }));
    return { view: { ...alarmView(row), history }, revision: Number(row.revision) };
  }

  /** Acknowledge (or take back), annotate, or clear by hand; at the revision read (If-Match). */
  async update(actor: Actor, id: string, input: UpdateAlarmInput, ifMatch?: string) {
    const { scope } = actor;
    const now = Date.now();
    const events: AlarmEvent[] = [];
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(scope, id, trx);
      if (!row) throw new ApiError('not_found', `No alarm ${id}`);
      checkIfMatch(ifMatch, Number(row.revision));
      const changes: Parameters<FaultsRepository['updateByHand']>[2] = {};
      const history: { type: string; detail: Record<string, unknown> | null }[] = [];
      if (input.acknowledged === true && row.acknowledged_at === null) {
        changes.acknowledged_at = now;
        changes.acknowledged_by = scope.userId;
        history.push({ type: 'acknowledged', detail: null });
      } else if (input.acknowledged === false && row.acknowledged_at !== null) {
        changes.acknowledged_at = null;
        changes.acknowledged_by = null;
        history.push({ type: 'unacknowledged', detail: null });
      }
      if (input.note !== undefined && input.note !== row.note) {
        changes.note = input.note;
        history.push({ type: 'noted', detail: { note: input.note } });
      }
      if (input.state === 'cleared' && row.state === 'active') {
        changes.state = 'cleared';
        changes.cleared_at = now;
        changes.cleared_by = scope.userId;
        history.push({ type: 'cleared', detail: { by: 'user' } });
      }
      if (history.length === 0) return;
      if (!(await this.repo.updateByHand(id, Number(row.revision), changes, now, trx))) {
        throw new ApiError(
          'precondition_failed',
          'The alarm changed while you were changing it: read it again',
        );
      }
      await this.repo.insertEvents(
        history.map((h) => ({
          id: uuidv7(),
          alarm_id: id,
          type: h.type,
          at: now,
          actor: scope.userId,
          detail: h.detail ? JSON.stringify(h.detail) : null,
        })),
        trx,
      );
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'alarm.updated',
        targetType: 'alarm',
        targetId: id,
        details: { changes: history.map((h) => h.type) },
      });
      const sink = this.deps.notifications;
      const after = {
        ...row,
        ...changes,
        revision: Number(row.revision) + 1,
        updated_at: now,
      } as AlarmListRow;
      const notify = history.filter((h) => h.type === 'acknowledged' || h.type === 'cleared');
      if (sink && notify.length > 0) {
        const groupIds = await this.repo.groupIdsOf(row.home_id, trx);
        for (const h of notify)
          events.push(
            this.eventOf(h.type === 'cleared' ? 'alarm.cleared' : 'alarm.acknowledged', after, groupIds, now),
          );
        await sink.enqueue(events, trx);
      }
    });
    if (events.length > 0) this.deps.notifications?.kick();
    return this.get(scope, id);
  }

  private eventOf(type: AlarmEvent['type'], row: AlarmListRow, groupIds: string[], now: number): AlarmEvent {
    const view = alarmView(row);
    return {
      id: uuidv7(),
      type,
      at: isoTime(now),
      agentId: row.agent_id,
      homeId: row.home_id,
      homeReference: row.home_reference,
      groupIds,
      alarm: {
        id: view.id,
        rule: view.rule,
        ruleTitle: view.ruleTitle,
        severity: view.severity,
        state: view.state,
        raisedAt: view.raisedAt,
        conditionSince: view.conditionSince,
        lastSeenAt: view.lastSeenAt,
        clearedAt: view.clearedAt,
        acknowledged: view.acknowledged,
        occurrences: view.occurrences,
        summary: view.summary,
        evidence: view.evidence,
      },
      historic: false,
    };
  }

  /**
   * Judges a home now (the same evaluation the background worker runs). This process's worker
   * judging the home meanwhile is waited for; 409 while another process's worker has it.
   */
  async evaluateNow(scope: Scope, homeId: string): Promise<EvaluationOutcome> {
    await this.deps.homes.requireVisible(scope, homeId);
    const { evaluator } = this.deps;
    let outcome = await evaluator.evaluateHome(homeId, { present: true, wait: true });
    // Fault management given to the home since the worker's last pass: take it up now.
    if (outcome === undefined && (await evaluator.takeUp()) > 0) {
      outcome = await evaluator.evaluateHome(homeId, { present: true, wait: true });
    }
    if (outcome === undefined) {
      throw new ApiError('conflict', 'The home has no active fault_management provisioning definition');
    }
    if (outcome === 'busy') {
      throw new ApiError(
        'conflict',
        'Another worker is evaluating this home right now; try again in a moment',
      );
    }
    return outcome;
  }

  // ---- rules and thresholds ----

  private async agentFor(scope: Scope, named: string | undefined): Promise<string | null> {
    if (scope.role === 'operator') {
      if (!named) return null;
      if (!(await this.deps.agents.findById(named))) throw new ApiError('not_found', `No agent ${named}`);
      return named;
    }
    if (named && named !== scope.agentId) throw new ApiError('not_found', `No agent ${named}`);
    return scope.agentId;
  }

  /** The agent's thresholds (`<rule>.<parameter>`: value), and their revision (0: none set). */
  agentThresholds(agentId: string): Promise<{ thresholds: Record<string, number>; revision: number }> {
    return agentThresholds(this.repo, agentId);
  }

  /** What the evaluator uses for a home: its agent's thresholds, overridden by the home's own. */
  thresholdsOf(homeId: string, agentId: string): Promise<Record<string, number>> {
    return thresholdsOf(this.repo, this.deps.provisioning, homeId, agentId);
  }

  async catalogue(scope: Scope, agentId: string | undefined): Promise<Versioned<RuleCatalogue>> {
    const agent = await this.agentFor(scope, agentId);
    const { thresholds, revision } = agent
      ? await this.agentThresholds(agent)
      : { thresholds: {}, revision: 0 };
    return {
      view: {
        agentId: agent,
        thresholds,
        rules: RULES.map((rule) => {
          const values = resolveParams(rule, thresholds);
          return {
            id: rule.id,
            title: rule.title,
            description: rule.description,
            severity: rule.severity,
            clearAfterSeconds: rule.clearAfterMs / 1000,
            enabled: thresholds[`${rule.id}.enabled`] !== 0,
            parameters: Object.fromEntries(
              Object.entries(rule.parameters).map(([name, p]) => [
                name,
                { ...p, value: values[name] ?? p.default },
              ]),
            ),
          };
        }),
      },
      revision,
    };
  }

  /** Replaces the agent's thresholds (validated: known rules and parameters, values in range). */
  async putThresholds(
    actor: Actor,
    named: string | undefined,
    thresholds: Record<string, number>,
    ifMatch?: string,
  ): Promise<Versioned<RuleCatalogue>> {
    const agentId = await agentFor(actor.scope, named, this.deps.agents, 'set of thresholds');
    checkThresholds(thresholds, '/body/thresholds');
    const current = await this.agentThresholds(agentId);
    checkIfMatch(ifMatch, current.revision);
    const ok = await this.deps.db.transaction().execute(async (trx) => {
      const written = await this.repo.putSettings(
        agentId,
        JSON.stringify(thresholds),
        current.revision,
        Date.now(),
        trx,
      );
      if (written) {
        await this.deps.audit.record(trx, actor, {
          agentId,
          action: 'fault_rules.updated',
          targetType: 'agent',
          targetId: agentId,
          details: { thresholds },
        });
      }
      return written;
    });
    if (!ok)
      throw new ApiError(
        'precondition_failed',
        'The thresholds changed while you were changing them: read them again',
      );
    return this.catalogue(actor.scope, agentId);
  }
}
