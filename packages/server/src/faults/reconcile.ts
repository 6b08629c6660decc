import type { Evidence, Finding, Rule, Severity } from './rules/types.js';

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
    const summary = finding.evidence?.summary ?? rule.title;
    if (active) {
      // Absent when last judged, present again: the same fault is back before the alarm cleared.
      if (active.lastSeenAt < previousAt) active.occurrences += 1;
      active.lastSeenAt = at;
      active.severity = severity;
      active.summary = summary;
      active.evidence = finding.evidence ?? active.evidence;
      active.channelId = finding.evidence?.channelId ?? active.channelId;
      active.dirty = true;
      return { active };
    }
    const raised: TrackedAlarm = {
      id: null,
      rule: rule.id,
      severity,
      state: 'active',
      summary,
      evidence: finding.evidence ?? null,
      channelId: finding.evidence?.channelId ?? null,
      raisedAt: at,
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
