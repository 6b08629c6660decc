import type { Evidence, Severity } from './rules/types.js';

/**
 * What happened to an alarm, as notifications (email, webhooks) carry it. The alarms service hands
 * these to NotificationsService.enqueue inside the transaction that changed the alarm, so an event
 * is queued exactly when its change commits (transactional outbox), and none is lost on a restart.
 */
export type AlarmEventType = 'alarm.raised' | 'alarm.cleared' | 'alarm.acknowledged' | 'alarm.reopened';

export interface AlarmEvent {
  /** uuid v7 of the event itself (webhook receivers de-duplicate on it) */
  id: string;
  type: AlarmEventType;
  /** when it happened (for a replayed history: the data's time, not the wall clock), RFC 3339 */
  at: string;
  agentId: string;
  homeId: string;
  homeReference: string;
  /** the home's groups (subscriptions filter by group) */
  groupIds: string[];
  alarm: {
    id: string;
    rule: string;
    ruleTitle: string;
    severity: Severity;
    state: 'active' | 'cleared';
    raisedAt: string;
    /** when the condition began (the episode's start; at or before raisedAt), RFC 3339 */
    conditionSince: string;
    lastSeenAt: string;
    clearedAt: string | null;
    acknowledged: boolean;
    occurrences: number;
    summary: string;
    /** as the API shows it: times RFC 3339 */
    evidence: (Omit<Evidence, 'from' | 'to'> & { from: string; to: string }) | null;
  };
  /**
   * The event was found while replaying history older than a day (e.g. a gateway's backfill) and
   * is over: it goes to webhooks and digests, but no immediate email is sent about a long-past
   * fault. An alarm raised in that history and still active is not historic: it is news.
   */
  historic: boolean;
}
