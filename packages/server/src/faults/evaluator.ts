import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { calendarFor, HOUR } from '../analytics/buckets.js';
import type { FaultsConfig } from '../config.js';
import type { DB } from '../db/schema.js';
import { type StorageHealth, storageFaultOf } from '../db/storage-faults.js';
import { isoTime } from '../db/time.js';
import { type HomeRecords, monitoredFromRow } from '../homes/index.js';
import { PassLoop } from '../jobs/loop.js';
import type { Logger } from '../log.js';
import type { ProvisioningService } from '../provisioning/index.js';
import type { AlarmEvent } from './events.js';
import { factsAt, type HomeData, type HomeDataSource, loadHomeData } from './loader.js';
import { applyFinding, episodeOf, type TrackedAlarm, type Transition } from './reconcile.js';
import type { AlarmRow, FaultsRepository } from './repository.js';
import { RULES, resolveParams, ruleById } from './rules/index.js';
import type { Rule } from './rules/types.js';
import { type HomeThresholds, thresholdsOf } from './thresholds.js';

/** Where alarm events go (NotificationsService): queued in the transaction that changed the alarm. */
export interface AlarmEventSink {
  enqueue(events: AlarmEvent[], trx: Kysely<DB>): Promise<void>;
  kick(): void;
}

export interface EvaluatorDeps {
  db: Kysely<DB>;
  repo: FaultsRepository;
  homes: HomeRecords;
  /** the homes' hourly history (faults/loader.ts) */
  telemetry: HomeDataSource['telemetry'];
  /** a home's own thresholds (its fault_management definition), and definitions to take up */
  provisioning: HomeThresholds & Pick<ProvisioningService, 'activatePending'>;
  /** where alarm events go (none: not told) */
  notifications?: AlarmEventSink | undefined;
  config: FaultsConfig;
  workerId: string;
  log: Logger;
  now?: () => number;
  /** Where storage faults are recorded; one ends the pass instead of failing every home in turn. */
  storage?: StorageHealth;
}

export interface EvaluationOutcome {
  homeId: string;
  /** instants judged: replayed hours plus the present */
  steps: number;
  raised: number;
  cleared: number;
  /** judged up to (epoch ms) */
  evaluatedTo: number;
  /** history is still arriving: the present was not judged yet */
  catchingUp: boolean;
}

/** A lease outlives any one evaluation by far; a worker that dies frees its homes after it. */
const LEASE_MS = 5 * 60_000;
/** Homes claimed per pass. */
const BATCH = 20;
/** Hours replayed per evaluation at most; a longer backlog continues in the next pass at once. */
const MAX_STEPS = 24 * 31;
/** Readings arrived this recently while the newest is older than CATCH_UP_LAG: a backfill is running. */
const TOUCH_RECENT_MS = 10 * 60_000;
const CATCH_UP_LAG_MS = 2 * HOUR;
/** A home that never sent anything is judged 'now' only this long after it was created. */
const FIRST_DATA_GRACE_MS = HOUR;
/** Events older than this are history (a backfill's past), not news: no immediate email. */
const HISTORIC_MS = 24 * HOUR;

/** Hours every channel is loaded for; rules with a longer lookback read only BASELINE_KEYS beyond it. */
const LOOKBACK = Math.max(...RULES.filter((r) => r.lookbackHours <= 73).map((r) => r.lookbackHours));
const LONG_LOOKBACK = Math.max(...RULES.map((r) => r.lookbackHours));
/**
 * The channels low_performance and high_flow_temperature learn the home's baseline from (weeks of
 * hours: only these).
 */
const BASELINE_KEYS = [
  'heat_energy',
  'electricity_energy',
  'flow_temperature',
  'outdoor_temperature',
  'hot_water_mode',
];
/** Compressor starts (from raw power readings) are read this far back: short cycling's window at most. */
const STARTS_LOOKBACK = 25;

/**
 * Judges homes against the rule catalogue. Each home has a row in fault_evaluations: how far it
 * has been judged (`evaluated_to`), when it is next due and who holds its lease. A pass claims due
 * homes (a lease, so several workers never judge one home at once), replays the hours of history
 * that arrived since (each hour boundary an instant judged, so a backfill's faults are raised and
 * cleared at the data's times), then judges the present — unless history is still arriving — and
 * writes the alarms' changes, their events and their notifications in one transaction that also
 * checks the lease is still held. Readings arriving make their home due within streamDelayMs
 * (streaming); every home is due again scanIntervalMs after its last evaluation (absence rules).
 */
export class FaultEvaluator {
  /** Due times live in the database (any worker may set them): look again within a second. */
  private readonly loop: PassLoop<number>;
  /** Homes with readings not yet recorded as touched, and the write recording them. */
  private readonly touched = new Set<string>();
  private flushing: Promise<void> | undefined;
  private lastTakeUp = Number.NEGATIVE_INFINITY;
  /** Stopped for good: the database may close, touches are no longer recorded. */
  private closed = false;
  /** This process's evaluations under way, by home: a second one here waits or is 'busy'. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: EvaluatorDeps) {
    this.loop = new PassLoop({
      pass: () => this.runDue(),
      intervalMs: Math.min(deps.config.scanIntervalMs, 1000),
      more: (evaluated) => evaluated >= BATCH,
      log: deps.log,
      failure: 'faults: evaluation pass failed',
      ...(deps.storage ? { storage: deps.storage } : {}),
    });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.loop.stop();
    await this.flushing;
  }

  /**
   * Readings were stored for these homes (TelemetryService, after its commit). Recorded in the
   * database at once (touched_at, due_at), so any worker judging the home sees history arriving.
   */
  touch(homeIds: Iterable<string>): void {
    if (this.closed) return;
    for (const id of homeIds) this.touched.add(id);
    if (!this.flushing) {
      this.flushing = this.flushTouches()
        .catch((err: unknown) => this.deps.log.error({ err }, 'faults: recording new readings failed'))
        .finally(() => {
          this.flushing = undefined;
        });
    }
  }

  /**
   * One pass: takes up homes newly given fault management, records touches, and evaluates every
   * due home this worker can lease. Returns how many homes were evaluated.
   */
  async runDue(): Promise<number> {
    // Taking up (pending → active, homes without a row) at the scan's pace, as the AMR service does.
    if (this.now() - this.lastTakeUp >= this.deps.config.scanIntervalMs) {
      this.lastTakeUp = this.now();
      await this.takeUp();
    }
    await this.flushing;
    const now = this.now();
    const due = await this.deps.repo.due(now, BATCH);
    let evaluated = 0;
    for (const { home_id } of due) {
      const outcome = await this.evaluateHome(home_id).catch((err: unknown) => {
        // A full disk fails every home alike: end the pass, and the loop backs off.
        if (storageFaultOf(err)) throw err;
        this.deps.log.error({ err, homeId: home_id }, 'faults: evaluating a home failed');
        return undefined;
      });
      if (outcome !== 'busy') evaluated++;
    }
    return evaluated;
  }

  /**
   * Gives homes with fault management their evaluation row, judged from when they could first have
   * data: one home, inside the transaction that provisions it (ProvisioningService), or every home
   * still without one (homes older than fault management itself). Returns how many.
   */
  async takeUp(homeId?: string, trx?: Kysely<DB>): Promise<number> {
    if (!trx) await this.deps.provisioning.activatePending('fault_management');
    const homes = await this.deps.repo.homesToTakeUp(homeId, trx);
    const now = this.now();
    await this.deps.repo.insertEvaluations(
      homes.map((h) => ({
        home_id: h.id,
        agent_id: h.agent_id,
        evaluated_to: Math.floor(monitoredFromRow(h, calendarFor(h.time_zone)) / HOUR) * HOUR,
        due_at: now,
        lease_owner: null,
        lease_until: 0,
        // Taken up = touched: a new home's history may be arriving right now.
        touched_at: now,
        last_run_at: null,
        last_error: null,
      })),
      trx,
    );
    return homes.length;
  }

  /** ProvisioningService: a home was given fault_management (in the transaction that did it). */
  async startEvaluation(trx: Kysely<DB>, homeId: string): Promise<void> {
    await this.takeUp(homeId, trx);
  }

  /** Writes the touched homes until none are left (touches during a write go in the next). */
  private async flushTouches(): Promise<void> {
    while (this.touched.size > 0) {
      const ids = [...this.touched];
      this.touched.clear();
      const now = this.now();
      await this.deps.repo.touch(ids, now, now + this.deps.config.streamDelayMs);
    }
  }

  /**
   * Leases and judges one home now. 'busy' when another evaluation holds it; undefined for a home
   * without an evaluation row (no fault management). `present`: judge the present even while
   * history seems to be arriving, after replaying all of it (a person asked: POST …/evaluate).
   * `wait`: an evaluation of the home already running in this process is waited for, then this
   * one runs (a person's request meeting the background pass is not turned away).
   */
  async evaluateHome(
    homeId: string,
    options: { present?: boolean; wait?: boolean } = {},
  ): Promise<EvaluationOutcome | 'busy' | undefined> {
    for (let running = this.inFlight.get(homeId); running; running = this.inFlight.get(homeId)) {
      if (!options.wait) return 'busy';
      await running.catch(() => undefined);
    }
    const work = this.leaseAndJudge(homeId, options.present ?? false);
    this.inFlight.set(homeId, work);
    try {
      return await work;
    } finally {
      if (this.inFlight.get(homeId) === work) this.inFlight.delete(homeId);
    }
  }

  private async leaseAndJudge(
    homeId: string,
    present: boolean,
  ): Promise<EvaluationOutcome | 'busy' | undefined> {
    const { repo } = this.deps;
    const now = this.now();
    // A token of this evaluation alone: two evaluations never share a lease, even in one process.
    const lease = `${this.deps.workerId}/${uuidv7()}`;
    const row = await repo.claim(homeId, lease, now, now + LEASE_MS);
    // Not claimed: leased by another evaluation, or no row at all (no fault management).
    if (!row) return (await repo.evaluation(homeId)) ? 'busy' : undefined;
    try {
      return await this.judge(
        row.home_id,
        row.agent_id,
        Number(row.evaluated_to),
        row.touched_at,
        now,
        present,
        lease,
      );
    } catch (err) {
      await repo.release(homeId, lease, {
        dueAt: now + this.deps.config.scanIntervalMs,
        lastRunAt: now,
        lastError: (err instanceof Error ? err.message : String(err)).slice(0, 1000),
      });
      throw err;
    }
  }

  private async judge(
    homeId: string,
    agentId: string,
    judgedTo: number,
    touchedAt: number | null,
    now: number,
    present: boolean,
    lease: string,
  ): Promise<EvaluationOutcome> {
    const { config } = this.deps;
    const replayFrom = Math.max(judgedTo, now - config.replayDays * 24 * HOUR);
    const data = await loadHomeData(
      { homes: this.deps.homes, telemetry: this.deps.telemetry },
      homeId,
      replayFrom - LOOKBACK * HOUR,
      now + HOUR,
      replayFrom - STARTS_LOOKBACK * HOUR,
      { from: replayFrom - LONG_LOOKBACK * HOUR, keys: BASELINE_KEYS },
    );
    const params = await this.paramsOf(homeId, agentId);

    // The instants to judge: each hour boundary after the last one judged that the data has passed,
    // then the present — unless history is still arriving (judging 'now' would call it lost).
    const newest = data.newestT;
    // History still arriving (a backfill: readings came lately, yet the newest is hours old), or a
    // home that has sent nothing yet: judge only the hours its data has passed, not the present.
    const arriving =
      !present &&
      ((newest !== null &&
        newest < now - CATCH_UP_LAG_MS &&
        touchedAt !== null &&
        touchedAt > now - TOUCH_RECENT_MS) ||
        (newest === null && now - data.home.createdAt < FIRST_DATA_GRACE_MS));
    const nowHour = Math.floor(now / HOUR) * HOUR;
    const replayEnd = arriving ? arrivedUpTo(data, judgedTo) : nowHour;
    const steps: number[] = [];
    const maxSteps = present ? Number.POSITIVE_INFINITY : MAX_STEPS;
    for (
      let t = Math.floor(replayFrom / HOUR) * HOUR + HOUR;
      t <= replayEnd && steps.length < maxSteps;
      t += HOUR
    ) {
      if (t > judgedTo) steps.push(t);
    }
    const backlog = steps.length === MAX_STEPS && (steps.at(-1) as number) < replayEnd;
    const catchingUp = arriving || backlog;
    if (!catchingUp && now > judgedTo && (steps.length === 0 || (steps.at(-1) as number) < now))
      steps.push(now);

    const active = new Map<string, TrackedAlarm>();
    for (const row of await this.deps.repo.active(homeId)) active.set(row.rule, tracked(row));
    const touched = new Set<TrackedAlarm>(active.values());
    const transitions: Transition[] = [];
    let previousAt = judgedTo;
    for (const at of steps) {
      for (const rule of RULES) {
        const ruleParams = params.get(rule.id);
        if (!ruleParams) continue; // disabled
        const episode = episodeOf(active.get(rule.id));
        const finding = rule.evaluate({
          at,
          home: factsAt(data, at, rule.lookbackHours),
          params: ruleParams,
          ...(episode ? { active: episode } : {}),
        });
        const result = applyFinding(rule, finding, at, previousAt, active.get(rule.id));
        if (result.active) {
          active.set(rule.id, result.active);
          touched.add(result.active);
        } else active.delete(rule.id);
        if (result.transition) {
          transitions.push(result.transition);
          touched.add(result.transition.alarm);
        }
      }
      previousAt = at;
    }
    const evaluatedTo = steps.at(-1) ?? judgedTo;
    await this.write(data, homeId, agentId, [...touched], transitions, {
      lease,
      evaluatedTo,
      dueAt: backlog ? now : now + config.scanIntervalMs,
      now,
    });
    return {
      homeId,
      steps: steps.length,
      raised: transitions.filter((t) => t.type === 'raised').length,
      cleared: transitions.filter((t) => t.type === 'cleared').length,
      evaluatedTo,
      catchingUp,
    };
  }

  /** Each enabled rule's parameters for this home; a rule set `<id>.enabled = 0` is left out. */
  private async paramsOf(homeId: string, agentId: string): Promise<Map<string, Record<string, number>>> {
    const overrides = await thresholdsOf(this.deps.repo, this.deps.provisioning, homeId, agentId);
    const result = new Map<string, Record<string, number>>();
    for (const rule of RULES) {
      if (overrides[`${rule.id}.enabled`] === 0) continue;
      result.set(rule.id, resolveParams(rule, overrides));
    }
    return result;
  }

  private async write(
    data: HomeData,
    homeId: string,
    agentId: string,
    alarms: TrackedAlarm[],
    transitions: Transition[],
    outcome: { lease: string; evaluatedTo: number; dueAt: number; now: number },
  ): Promise<void> {
    const { repo } = this.deps;
    const { now } = outcome;
    const release = {
      evaluatedTo: outcome.evaluatedTo,
      dueAt: outcome.dueAt,
      lastRunAt: now,
      lastError: null,
    };
    const lost = () => new Error('the evaluation lease was lost to another worker; its changes are dropped');
    if (transitions.length === 0 && !alarms.some((a) => a.dirty)) {
      // No alarm changed (the steady state of most homes): recording the evaluation is one
      // statement, which checks the lease as the transaction's last step would.
      if (!(await repo.release(homeId, outcome.lease, release))) throw lost();
      return;
    }
    const sink = this.deps.notifications;
    await this.deps.db.transaction().execute(async (trx) => {
      for (const alarm of alarms) {
        if (!alarm.dirty) continue;
        const fields = {
          severity: alarm.severity,
          state: alarm.state,
          summary: alarm.summary,
          evidence: alarm.evidence ? JSON.stringify(alarm.evidence) : null,
          channel_id: alarm.channelId,
          last_seen_at: alarm.lastSeenAt,
          cleared_at: alarm.clearedAt,
          cleared_by: alarm.state === 'cleared' ? 'auto' : null,
          occurrences: alarm.occurrences,
        };
        if (alarm.id === null) {
          alarm.id = uuidv7();
          await repo.insert(
            {
              id: alarm.id,
              agent_id: agentId,
              home_id: homeId,
              rule: alarm.rule,
              raised_at: alarm.raisedAt,
              condition_since: alarm.conditionSince,
              acknowledged_at: null,
              acknowledged_by: null,
              note: null,
              created_at: now,
              updated_at: now,
              revision: 1,
              ...fields,
            },
            trx,
          );
        } else if (!(await repo.updateJudged(alarm.id, fields, now, trx))) {
          // Cleared by hand meanwhile: that clearing stands; a lasting condition raises a new alarm next time.
          transitions.splice(0, transitions.length, ...transitions.filter((t) => t.alarm !== alarm));
        }
      }
      await repo.insertEvents(
        transitions.map((t) => ({
          id: uuidv7(),
          alarm_id: t.alarm.id as string,
          type: t.type,
          at: t.at,
          actor: null,
          detail:
            t.type === 'raised'
              ? JSON.stringify({ summary: t.alarm.summary, severity: t.alarm.severity })
              : null,
        })),
        trx,
      );
      if (sink && transitions.length > 0) {
        const groupIds = await repo.groupIdsOf(homeId, trx);
        await sink.enqueue(
          transitions.map((t) => eventOf(t, data, groupIds, now)),
          trx,
        );
      }
      if (!(await repo.release(homeId, outcome.lease, release, trx))) throw lost();
    });
    if (sink && transitions.length > 0) sink.kick();
  }
}

/**
 * While history is arriving, the hour boundary up to which it has arrived without holes: batches
 * may commit out of order (a gateway sends two at once), so an hour missing before the newest
 * data may yet come. Judging stops at the first missing hour of any channel that reads at least
 * twice an hour; once the history has arrived, the remaining hours — real gaps included — are judged.
 */
export function arrivedUpTo(data: HomeData, judgedTo: number): number {
  if (data.newestT === null) return Number.NEGATIVE_INFINITY;
  let end = Math.floor(data.newestT / HOUR) * HOUR;
  for (const channel of data.base.channels) {
    if (channel.intervalSeconds > 1800) continue;
    const hours = data.hours.get(channel.channelId) ?? [];
    let previous: number | undefined;
    for (const bucket of hours) {
      if (bucket.hour < judgedTo - HOUR) continue;
      if (previous !== undefined && bucket.hour - previous > HOUR) {
        end = Math.min(end, previous + HOUR);
        break;
      }
      previous = bucket.hour;
    }
    if (previous !== undefined) end = Math.min(end, previous + HOUR);
  }
  return end;
}

function tracked(row: AlarmRow): TrackedAlarm {
  return {
    id: row.id,
    rule: row.rule,
    severity: row.severity,
    state: row.state,
    summary: row.summary,
    evidence: row.evidence ? JSON.parse(row.evidence) : null,
    channelId: row.channel_id,
    raisedAt: Number(row.raised_at),
    // Alarms raised before episodes were recorded: their episode began when they were raised.
    conditionSince: row.condition_since === null ? Number(row.raised_at) : Number(row.condition_since),
    lastSeenAt: Number(row.last_seen_at),
    clearedAt: row.cleared_at === null ? null : Number(row.cleared_at),
    occurrences: Number(row.occurrences),
    acknowledged: row.acknowledged_at !== null,
    dirty: false,
  };
}

function eventOf(t: Transition, data: HomeData, groupIds: string[], now: number): AlarmEvent {
  const alarm = t.alarm;
  const rule = ruleById(alarm.rule) as Rule;
  return {
    id: uuidv7(),
    type: t.type === 'raised' ? 'alarm.raised' : 'alarm.cleared',
    at: isoTime(t.at),
    agentId: data.home.agentId,
    homeId: data.home.id,
    homeReference: data.home.reference,
    groupIds,
    alarm: {
      id: alarm.id as string,
      rule: alarm.rule,
      ruleTitle: rule.title,
      severity: alarm.severity,
      state: t.type === 'raised' ? 'active' : 'cleared',
      raisedAt: isoTime(alarm.raisedAt),
      conditionSince: isoTime(alarm.conditionSince),
      lastSeenAt: isoTime(alarm.lastSeenAt),
      clearedAt: t.type === 'cleared' && alarm.clearedAt !== null ? isoTime(alarm.clearedAt) : null,
      acknowledged: alarm.acknowledged,
      occurrences: alarm.occurrences,
      summary: alarm.summary,
      evidence: alarm.evidence
        ? { ...alarm.evidence, from: isoTime(alarm.evidence.from), to: isoTime(alarm.evidence.to) }
        : null,
    },
    // A past fault found in a backfill is history; one raised in the past and still going is news.
    historic: now - t.at > HISTORIC_MS && !(t.type === 'raised' && alarm.state === 'active'),
  };
}
