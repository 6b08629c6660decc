import type { Alarm } from '@hearth/client';
import { canManageAlarms, useMe, useTimeZone } from '../api/session';
import { dateTime } from '../format';
import { AlarmActions } from './alarm-actions';
import { type Severity, SeverityBadge } from './badges';
import { ScrollRegion } from './scroll-region';

/** A link to the home's charts around the time the alarm was raised (a day before to now or clearing). */
export function homeAtAlarm(alarm: Alarm): string {
  const raised = Date.parse(alarm.raisedAt);
  const end = alarm.clearedAt ? Date.parse(alarm.clearedAt) + 6 * 3_600_000 : Date.now();
  const from = new Date(raised - 24 * 3_600_000).toISOString();
  const to = new Date(Math.min(end, Date.now())).toISOString();
  return `/homes/${encodeURIComponent(alarm.homeReference ?? alarm.homeId)}?from=${from}&to=${to}`;
}

const STATE_TEXT: Record<string, string> = { active: 'Active', cleared: 'Cleared' };

/** Alarms with severity, rule, summary and, for roles that may act, acknowledge and clear. */
export function AlarmTable({
  alarms,
  showHome,
  onChange,
  label,
}: {
  alarms: Alarm[];
  showHome: boolean;
  onChange: () => void;
  label: string;
}) {
  const me = useMe();
  const zone = useTimeZone();
  const manage = canManageAlarms(me);
  return (
    <ScrollRegion label={label}>
      <table class="alarms cards">
        <thead>
          <tr>
            <th scope="col">Severity</th>
            {showHome && <th scope="col">Home</th>}
            <th scope="col">Problem</th>
            <th scope="col">Raised</th>
            <th scope="col">State</th>
            {manage && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {alarms.map((alarm) => (
            <tr key={alarm.id}>
              <td data-label="Severity">
                <SeverityBadge severity={alarm.severity as Severity} />
              </td>
              {showHome && (
                <td data-label="Home">
                  <a href={homeAtAlarm(alarm)}>{alarm.homeReference ?? 'home'}</a>
                </td>
              )}
              <td class="summary" data-label="Problem">
                <strong>{alarm.ruleTitle}</strong>
                <span>{alarm.summary}</span>
                {alarm.note && <span class="muted small">Note: {alarm.note}</span>}
              </td>
              <td data-label="Raised">{dateTime(alarm.raisedAt, zone)}</td>
              <td data-label="State">
                {STATE_TEXT[alarm.state] ?? alarm.state}
                {alarm.state === 'active' && alarm.acknowledged && (
                  <span class="muted small block">
                    Acknowledged{alarm.acknowledgedBy ? ` by ${alarm.acknowledgedBy}` : ''}
                  </span>
                )}
                {alarm.clearedAt && <span class="muted small block">{dateTime(alarm.clearedAt, zone)}</span>}
              </td>
              {manage && (
                <td data-label="Actions">
                  <AlarmActions alarm={alarm} onDone={onChange} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
