export type Connection = 'online' | 'late' | 'offline' | 'never_seen' | 'decommissioned';

const CONNECTION_TEXT: Record<Connection, string> = {
  online: 'Online',
  late: 'Late',
  offline: 'Offline',
  never_seen: 'No data yet',
  decommissioned: 'Decommissioned',
};

export const CONNECTION_HELP: Record<Connection, string> = {
  online: 'every meter sent a reading within 3 of its intervals',
  late: 'a meter is more than 3 intervals behind',
  offline: 'a meter sent nothing for more than 12 intervals',
  never_seen: 'no reading has arrived yet',
  decommissioned: 'collection stopped; history is kept',
};

export function ConnectionBadge({ state }: { state: Connection }) {
  return (
    <span class={`badge badge-${state}`} title={CONNECTION_HELP[state]}>
      {CONNECTION_TEXT[state]}
    </span>
  );
}

export type Severity = 'critical' | 'major' | 'minor' | 'warning';
export const SEVERITIES: Severity[] = ['critical', 'major', 'minor', 'warning'];

export function SeverityBadge({ severity, count }: { severity: Severity; count?: number }) {
  const label = severity[0]?.toUpperCase() + severity.slice(1);
  return (
    <span class={`badge sev-${severity}`}>
      {count !== undefined ? `${count} ${label.toLowerCase()}` : label}
    </span>
  );
}
