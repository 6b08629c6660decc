import type { AlarmEvent, AlarmEventType } from '../faults/events.js';
import type { Severity } from '../faults/rules/types.js';

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
