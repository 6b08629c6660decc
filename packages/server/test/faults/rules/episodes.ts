/**
 * Alarms as the evaluator would keep them over a simulated run: the rules stepped hour by hour,
 * each finding applied to the rule's alarm with the server's own reconcile (raise, hold while the
 * rule still sees its condition — it is told its alarm is active — and clear after the rule's
 * clearing time). Then each injected fault scored against its rule's alarms: found, how soon,
 * the share of the fault's hours the alarm was active, and how many alarms it took.
 * Used by the sim-driven tests and by `npm run bench:fault-detection`.
 */
import type { FaultKind, HomeSpec } from '@hearth/simulator';
import { applyFinding, episodeOf, type TrackedAlarm } from '../../../src/faults/reconcile.js';
import { RULES, resolveParams } from '../../../src/faults/rules/index.js';
import type { Rule, RuleContext } from '../../../src/faults/rules/types.js';
import { factsAt, HOUR, type SimRun } from './sim-data.js';

export interface AlarmEpisode {
  rule: string;
  raisedAt: number;
  /** null: still active at the end of the run */
  clearedAt: number | null;
  conditionSince: number;
  lastSeenAt: number;
  occurrences: number;
  /** the summary when raised, and the latest */
  firstSummary: string;
  summary: string;
  channelKey: string | undefined;
  meterSerial: string | undefined;
}

/** Every alarm the evaluator would raise over the run, stepping hourly from `from` (default: an hour in). */
export function alarmEpisodes(
  run: SimRun,
  options: { from?: number; overrides?: Record<string, number>; rules?: readonly Rule[] } = {},
): AlarmEpisode[] {
  const rules = options.rules ?? RULES;
  const params = new Map(rules.map((r) => [r.id, resolveParams(r, options.overrides ?? {})]));
  const lookbacks = [...new Set(rules.map((r) => r.lookbackHours))];
  const active = new Map<string, TrackedAlarm>();
  const first = new Map<TrackedAlarm, string>();
  const done: AlarmEpisode[] = [];
  const record = (a: TrackedAlarm): AlarmEpisode => ({
    rule: a.rule,
    raisedAt: a.raisedAt,
    clearedAt: a.clearedAt,
    conditionSince: a.conditionSince,
    lastSeenAt: a.lastSeenAt,
    occurrences: a.occurrences,
    firstSummary: first.get(a) ?? a.summary,
    summary: a.summary,
    channelKey: a.evidence?.channelKey,
    meterSerial: a.evidence?.meterSerial,
  });
  let previousAt = Number.NEGATIVE_INFINITY;
  for (let at = options.from ?? run.start + HOUR; at <= run.end; at += HOUR) {
    const facts = new Map(lookbacks.map((l) => [l, factsAt(run, at, l)]));
    for (const rule of rules) {
      const current = active.get(rule.id);
      const episode = episodeOf(current);
      const context: RuleContext = {
        at,
        home: facts.get(rule.lookbackHours) as ReturnType<typeof factsAt>,
        params: params.get(rule.id) ?? {},
      };
      // Set, not spread in: V8 11 builds a literal with a spread on a slow path.
      if (episode) context.active = episode;
      const finding = rule.evaluate(context);
      const result = applyFinding(rule, finding, at, previousAt, current);
      if (result.transition?.type === 'raised')
        first.set(result.transition.alarm, result.transition.alarm.summary);
      if (result.transition?.type === 'cleared') done.push(record(result.transition.alarm));
      if (result.active) active.set(rule.id, result.active);
      else active.delete(rule.id);
    }
    previousAt = at;
  }
  for (const a of active.values()) done.push(record(a));
  return done.sort((a, b) => a.raisedAt - b.raisedAt);
}

/** An injected fault and the rule that must find it. */
export interface InjectedFault {
  kind: FaultKind | 'heat_meter_scale';
  rule: string;
  start: number;
  /** equal to start for a fault of an instant (a register reset) */
  end: number;
}

export interface FaultScore {
  found: boolean;
  /** raisedAt − fault start of the first alarm of the rule raised in the fault (or within its grace) */
  detectMs: number | null;
  /** share of the fault's whole hours the rule's alarm was active (null for a fault of an instant) */
  activeShare: number | null;
  /** alarms of the rule overlapping the fault (and its grace afterwards) */
  alarms: number;
  /** the first of them */
  alarm: AlarmEpisode | undefined;
}

/**
 * Scores one fault against the alarms of a run: an alarm counts if it was active at some time in
 * [start, end + graceMs] (a rule needs its window to see a fault; a short fault may be found just
 * after it ended).
 */
export function scoreFault(
  episodes: AlarmEpisode[],
  fault: InjectedFault,
  runEnd: number,
  graceMs: number,
): FaultScore {
  const until = Math.min(runEnd, fault.end + graceMs);
  const mine = episodes.filter(
    (e) =>
      e.rule === fault.rule && e.raisedAt <= until && (e.clearedAt ?? Number.POSITIVE_INFINITY) > fault.start,
  );
  const alarm = mine[0];
  let activeShare: number | null = null;
  if (fault.end > fault.start) {
    let hours = 0;
    let on = 0;
    // Whole hours of the fault, judged at each hour's end (as the evaluator's instants are).
    for (let t = Math.ceil(fault.start / HOUR) * HOUR + HOUR; t <= Math.min(fault.end, runEnd); t += HOUR) {
      hours++;
      if (mine.some((e) => e.raisedAt <= t && (e.clearedAt ?? Number.POSITIVE_INFINITY) > t)) on++;
    }
    activeShare = hours > 0 ? on / hours : null;
  }
  return {
    found: alarm !== undefined,
    detectMs: alarm ? Math.max(0, alarm.raisedAt - fault.start) : null,
    activeShare,
    alarms: mine.length,
    alarm,
  };
}

/** Which rule must find a simulator fault, or undefined when the home cannot show it. */
export function ruleFor(kind: InjectedFault['kind'], spec: HomeSpec): string | undefined {
  const heatPump = spec.technology !== 'gas_boiler';
  switch (kind) {
    case 'communication_loss':
      return 'communication_lost';
    case 'stuck_sensor':
      return 'stuck_sensor';
    case 'register_reset':
    case 'register_rollback':
      return spec.meters.includes('heat_meter') ? 'register_fall' : undefined;
    case 'immersion_stuck_on':
      return heatPump && spec.backupHeaterKw > 0 ? 'backup_heater_running' : undefined;
    // At 5-minute readings a 3-minute cycle is invisible (docs/faults.md, short_cycling).
    case 'short_cycling':
      return heatPump && spec.intervalSeconds <= 60 ? 'short_cycling' : undefined;
    case 'degraded_cop':
      return heatPump ? 'low_performance' : undefined;
    case 'high_flow_temperature':
      return spec.meters.includes('heat_meter') ? 'high_flow_temperature' : undefined;
    case 'clock_drift':
      return 'clock_drift';
    case 'heat_meter_scale':
      return heatPump ? 'implausible_cop' : undefined;
  }
}
