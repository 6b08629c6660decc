import { DateTime } from 'luxon';
import type { AlarmEvent } from '../faults/index.js';
import type { MailMessage } from '../mail/index.js';

const VERBS: Record<AlarmEvent['type'], string> = {
  'alarm.raised': 'raised',
  'alarm.cleared': 'cleared',
  'alarm.acknowledged': 'acknowledged',
  'alarm.reopened': 'reopened',
};

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One line about an event, as a digest lists it and an email's subject starts. */
export const headline = (event: AlarmEvent): string =>
  `${capital(event.alarm.severity)} alarm ${VERBS[event.type]}: ${event.alarm.ruleTitle} at ${event.homeReference}`;

/** The email an immediate subscription gets for one event. */
export function immediateMail(to: string, event: AlarmEvent, publicUrl: string): MailMessage {
  const { alarm } = event;
  const lines = [
    `${headline(event)}.`,
    '',
    alarm.summary,
    '',
    `Home:        ${event.homeReference} (${event.homeId})`,
    `Rule:        ${alarm.ruleTitle} (${alarm.rule})`,
    `Severity:    ${alarm.severity}`,
    `State:       ${alarm.state}${alarm.acknowledged ? ', acknowledged' : ''}`,
    `Raised:      ${alarm.raisedAt}`,
    ...(alarm.conditionSince !== alarm.raisedAt
      ? [`Since:       ${alarm.conditionSince} (when the condition began)`]
      : []),
    `Last seen:   ${alarm.lastSeenAt}`,
    ...(alarm.clearedAt ? [`Cleared:     ${alarm.clearedAt}`] : []),
    `Occurrences: ${alarm.occurrences}`,
    `Event:       ${event.type} at ${event.at}`,
    '',
    `The alarm in the API: ${publicUrl}/api/v/1/alarms/${alarm.id}`,
    '',
    'You receive this because of an alarm email subscription of your agent in Hearth',
    '(/api/v/1/notification-subscriptions).',
  ];
  return { to, subject: `[Hearth] ${headline(event)}`, text: `${lines.join('\n')}\n` };
}

/** The daily digest: every event since the last one, oldest first, in the agent's time. */
export function digestMail(
  to: string,
  events: AlarmEvent[],
  timeZone: string,
  publicUrl: string,
): MailMessage {
  const raised = events.filter((e) => e.type === 'alarm.raised' || e.type === 'alarm.reopened').length;
  const subject = `[Hearth] Daily alarm digest: ${events.length} event${events.length === 1 ? '' : 's'}, ${raised} raised`;
  const lines = [`${events.length} alarm event${events.length === 1 ? '' : 's'} since the last digest:`, ''];
  for (const event of events) {
    const local = DateTime.fromISO(event.at, { zone: 'utc' }).setZone(timeZone).toFormat('yyyy-LL-dd HH:mm');
    lines.push(`- ${local}  ${headline(event)}`, `    ${event.alarm.summary}`);
  }
  lines.push(
    '',
    `Times are ${timeZone}. The alarms in the API: ${publicUrl}/api/v/1/alarms`,
    '',
    'You receive this because of a daily digest subscription of your agent in Hearth',
    '(/api/v/1/notification-subscriptions).',
  );
  return { to, subject, text: `${lines.join('\n')}\n` };
}
