import { Type } from 'typebox';
import type { AlarmEvent, AlarmEventType } from './events.js';
import type { Severity } from './rules/types.js';

/** Every event type a webhook or subscription can ask for (docs/notifications.md). */
export const EVENT_TYPES = [
  'alarm.raised',
  'alarm.cleared',
  'alarm.acknowledged',
  'alarm.reopened',
] as const satisfies readonly AlarmEventType[];

/** Every alarm severity, most severe first. */
export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const satisfies readonly Severity[];

/** What a webhook or an email subscription wants: every list must match; no groups means every home. */
export interface EventFilter {
  events: readonly string[];
  severities: readonly string[];
  groupIds: readonly string[];
}

export function matches(filter: EventFilter, event: AlarmEvent): boolean {
  return (
    filter.events.includes(event.type) &&
    filter.severities.includes(event.alarm.severity) &&
    (filter.groupIds.length === 0 || event.groupIds.some((id) => filter.groupIds.includes(id)))
  );
}

/** A filter as stored (three JSON columns). */
export interface FilterColumns {
  events: string;
  severities: string;
  group_ids: string;
}

export const filterOf = (
  row: FilterColumns,
): { events: string[]; severities: string[]; groupIds: string[] } => ({
  events: JSON.parse(row.events) as string[],
  severities: JSON.parse(row.severities) as string[],
  groupIds: JSON.parse(row.group_ids) as string[],
});

export const columnsOfFilter = (filter: EventFilter): FilterColumns => ({
  events: JSON.stringify([...filter.events]),
  severities: JSON.stringify([...filter.severities]),
  group_ids: JSON.stringify([...filter.groupIds]),
});

/** The filter fields webhooks and email subscriptions share. */
export const filterFields = {
  events: Type.Array(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))), {
    minItems: 1,
    maxItems: EVENT_TYPES.length,
    uniqueItems: true,
    description:
      'the event types wanted; default every one (alarm.raised, .cleared, .acknowledged, .reopened)',
  }),
  severities: Type.Array(Type.Union(SEVERITIES.map((s) => Type.Literal(s))), {
    minItems: 1,
    maxItems: SEVERITIES.length,
    uniqueItems: true,
    description: 'the alarm severities wanted; default every one (critical, major, minor, warning)',
  }),
  groupIds: Type.Array(Type.String({ format: 'uuid' }), {
    maxItems: 100,
    uniqueItems: true,
    description: 'only homes in one of these home groups; empty (the default): every home of the agent',
  }),
};

/** The filter as views show it. */
export const filterView = {
  events: Type.Array(Type.String()),
  severities: Type.Array(Type.String()),
  groupIds: Type.Array(Type.String({ format: 'uuid' })),
};
