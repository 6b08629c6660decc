import { sinceText } from './rules/common.js';
import type { ActiveEpisode, Evidence, Finding, Rule, Severity } from './rules/types.js';

/** An alarm as the evaluator tracks it while judging one home: loaded active, or raised now. */
export interface TrackedAlarm {
  /** null until it is inserted */
  id: string | null;
  rule: string;
  severity: Severity;
  state: 'active' | 'cleared';
  summary: string;
  evidence: Evidence | null;
  channelId: string | null;
  raisedAt: number;
  /** when the episode's condition began (at or before raisedAt): alarms.condition_since */
  conditionSince: number;
  lastSeenAt: number;
  clearedAt: number | null;
  occurrences: number;
  acknowledged: boolean;
  /** changed since loaded (written back at the end) */
  dirty: boolean;
}

export interface Transition {
  type: 'raised' | 'cleared';
  at: number;
  alarm: TrackedAlarm;
}

/** What a rule sees of its active alarm (it then judges whether the condition still holds). */
export function episodeOf(alarm: TrackedAlarm | undefined): ActiveEpisode | undefined {
  return alarm
    ? { since: alarm.conditionSince, raisedAt: alarm.raisedAt, evidence: alarm.evidence }
    : undefined;
}

/**
 * The alarm's sentence: the whole episode since its condition began, then the latest evidence, so
 * an alarm raised days ago does not read as if it began with the latest look-back.
 */
export function episodeSummary(
  rule: Rule,
  evidence: Evidence | undefined,
  since: number,
  at: number,
): string {
  const episode = rule.episode?.(evidence, since, at) ?? `${rule.title} ${sinceText(since, at)}`;
  return evidence ? `${episode}. Latest: ${evidence.summary}` : `${episode}.`;
}

/**
 * Applies one rule's finding at `at` to its alarm: a present condition raises an alarm (or keeps
 * the active one seen, counting a re-occurrence after an absence); an absent one clears the active
 * alarm once absent for the rule's clearAfterMs since it was last seen; no finding (cannot judge)
 * changes nothing. `previousAt` is the instant judged before this one. Returns the transition, if any.
 */
export function applyFinding(
  rule: Rule,
  finding: Finding | undefined,
  at: number,
  previousAt: number,
  active: TrackedAlarm | undefined,
): { active: TrackedAlarm | undefined; transition?: Transition } {
  if (!finding) return { active };
  if (finding.present) {
    const severity = finding.severity ?? rule.severity;
    if (active) {
      // Absent when last judged, present again: the same fault is back before the alarm cleared.
      if (active.lastSeenAt < previousAt) active.occurrences += 1;
      active.lastSeenAt = at;
      active.severity = severity;
      active.summary = episodeSummary(rule, finding.evidence, active.conditionSince, at);
      active.evidence = finding.evidence ?? active.evidence;
      active.channelId = finding.evidence?.channelId ?? active.channelId;
      active.dirty = true;
      return { active };
    }
    const since = Math.min(at, finding.since ?? finding.evidence?.from ?? at);
    const raised: TrackedAlarm = {
      id: null,
      rule: rule.id,
      severity,
      state: 'active',
      summary: episodeSummary(rule, finding.evidence, since, at),
      evidence: finding.evidence ?? null,
      channelId: finding.evidence?.channelId ?? null,
      raisedAt: at,
      conditionSince: since,
      lastSeenAt: at,
      clearedAt: null,
      occurrences: 1,
      acknowledged: false,
      dirty: true,
    };
    return { active: raised, transition: { type: 'raised', at, alarm: raised } };
  }
  if (active && at - active.lastSeenAt >= rule.clearAfterMs) {
    active.state = 'cleared';
    active.clearedAt = at;
    active.dirty = true;
    return { active: undefined, transition: { type: 'cleared', at, alarm: active } };
  }
  return { active };
}
