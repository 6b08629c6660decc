import {
  type Alarm,
  type AlarmDetail,
  type AlarmHistoryEntry,
  type AlarmListQuery,
  type AlarmSeverity,
  type AlarmState,
  type FaultRule,
  type FaultRuleCatalogue,
  type FaultThresholds,
  HearthError,
  type Page,
  PreconditionFailedError,
  type TaggedAlarm,
} from '@hearth/client';
import { type Command, Option } from 'commander';
import type { Act } from '../cli.js';
import { type Context, optionsOf, positiveInteger } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';

const SEVERITIES: AlarmSeverity[] = ['critical', 'major', 'minor', 'warning'];
const STATES: AlarmState[] = ['active', 'cleared'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const THRESHOLD_KEY = /^([a-z][a-zA-Z0-9_]*)\.([a-zA-Z][a-zA-Z0-9_]*)$/;

/** An id checked before anything is sent: a mistyped one is a usage error, not a server round trip. */
function idOf(value: unknown, what: string, where: string): string {
  const id = String(value);
  if (!UUID.test(id)) throw new UsageError(`${id} is not ${what} (a UUID, as \`${where}\` shows)`);
  return id;
}
const alarmIdOf = (value: unknown) => idOf(value, 'an alarm id', 'hearth alarms list');
const homeIdOf = (value: unknown) => idOf(value, 'a home id', 'hearth homes list');

/** `--severity critical,major`: each checked. */
function severityList(value: string): string {
  const given = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = given.filter((s) => !SEVERITIES.includes(s as AlarmSeverity));
  if (given.length === 0 || unknown.length > 0) {
    throw new UsageError(`--severity takes a comma-separated list of ${SEVERITIES.join(', ')}`);
  }
  return given.join(',');
}

/** `--since 2026-11-01T00:00:00Z` (a date alone means its midnight UTC). */
function timeOption(name: string, value: string): string {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`${name} ${value} is not a date-time; give one like 2026-11-01T00:00:00Z`);
  }
  return new Date(text).toISOString();
}

/** An ISO time shortened for a table: `2026-11-28 09:00Z`. */
const shortTime = (value: string | null | undefined): string | null =>
  value ? `${value.slice(0, 10)} ${value.slice(11, 16)}Z` : null;

const alarmColumns: Column<Alarm>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'severity', value: (a) => a.severity },
  { header: 'state', value: (a) => a.state },
  { header: 'home', value: (a) => a.homeReference },
  { header: 'rule', value: (a) => a.rule },
  { header: 'raised', value: (a) => shortTime(a.raisedAt) },
  { header: 'ack', value: (a) => (a.acknowledged ? 'yes' : 'no') },
  { header: 'summary', value: (a) => a.summary },
];

const cleared = (a: AlarmDetail): string | null =>
  a.clearedAt
    ? `${a.clearedAt} (${a.clearedBy === 'auto' ? 'by itself' : `by ${a.clearedByUserId ?? 'hand'}`})`
    : null;

const alarmFields: Column<AlarmDetail>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'home', value: (a) => `${a.homeReference} (${a.homeId})` },
  { header: 'rule', value: (a) => `${a.ruleTitle} (${a.rule})` },
  { header: 'severity', value: (a) => a.severity },
  { header: 'state', value: (a) => a.state },
  { header: 'summary', value: (a) => a.summary },
  { header: 'raised', value: (a) => a.raisedAt },
  { header: 'last seen', value: (a) => a.lastSeenAt },
  { header: 'occurrences', value: (a) => a.occurrences },
  {
    header: 'acknowledged',
    value: (a) => (a.acknowledged ? `yes, ${a.acknowledgedAt ?? ''} by ${a.acknowledgedBy ?? '?'}` : 'no'),
  },
  { header: 'note', value: (a) => a.note },
  { header: 'cleared', value: cleared },
];

interface EvidenceRow {
  name: string;
  value: unknown;
}

const historyColumns: Column<AlarmHistoryEntry>[] = [
  { header: 'at', value: (h) => h.at },
  { header: 'event', value: (h) => h.type },
  { header: 'by', value: (h) => h.actor ?? 'evaluator' },
  {
    header: 'detail',
    value: (h) => {
      // The summary is the alarm's own (shown above): the rest is what this event adds.
      const { summary: _summary, ...rest } = h.detail ?? {};
      return Object.keys(rest).length > 0 ? rest : null;
    },
  },
];

/** An alarm, its evidence and history for people; with --json the alarm and its ETag. */
function printAlarm(ctx: Context, { alarm, etag }: TaggedAlarm): void {
  if (ctx.out.json) {
    ctx.out.writeJson({ ...alarm, etag: etag ?? null });
    return;
  }
  ctx.out.record(alarm, [...alarmFields, { header: 'etag', value: () => etag }]);
  const evidence = alarm.evidence;
  if (evidence) {
    ctx.out.say('');
    ctx.out.say(`Evidence: ${evidence.summary}`);
    const where = [
      evidence.meterSerial ? `meter ${evidence.meterSerial}` : '',
      evidence.channelKey ? `channel ${evidence.channelKey}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    ctx.out.say(`${where ? `${where}, ` : ''}${evidence.from} to ${evidence.to}`);
    const rows: EvidenceRow[] = Object.entries(evidence.values).map(([name, value]) => ({ name, value }));
    ctx.out.table(
      rows,
      [
        { header: 'name', value: (r) => r.name },
        { header: 'value', value: (r) => r.value },
      ],
      'No values.',
    );
  }
  ctx.out.say('');
  ctx.out.say('History:');
  ctx.out.table(alarm.history, historyColumns, 'No events.');
}

/** A 412 said in the CLI's words: what changed and how to go on. */
function staleAlarm(id: string, ifMatch: string | undefined): (err: unknown) => never {
  return (err) => {
    if (err instanceof PreconditionFailedError) {
      throw new HearthError(
        `alarm ${id} changed since you read it (--if-match ${ifMatch ?? '?'} is stale): ` +
          `run \`hearth alarms show ${id}\` and try again with its ETag${err.requestId ? `; request id ${err.requestId}` : ''}`,
        err.code,
        { cause: err },
      );
    }
    throw err;
  };
}

/** Rules as rows of a table: one per parameter (a rule without parameters has one row). */
interface RuleRow {
  rule: FaultRule;
  parameter: string | null;
  /** The agent set this parameter itself. */
  own: boolean;
}

function ruleRows(catalogue: FaultRuleCatalogue): RuleRow[] {
  return catalogue.rules.flatMap((rule): RuleRow[] => {
    const names = Object.keys(rule.parameters);
    if (names.length === 0) return [{ rule, parameter: null, own: false }];
    return names.map((parameter) => ({
      rule,
      parameter,
      own: `${rule.id}.${parameter}` in catalogue.thresholds,
    }));
  });
}

const parameterOf = (row: RuleRow) => (row.parameter ? row.rule.parameters[row.parameter] : undefined);

const ruleColumns: Column<RuleRow>[] = [
  { header: 'rule', value: (r) => r.rule.id },
  { header: 'severity', value: (r) => r.rule.severity },
  { header: 'enabled', value: (r) => (r.rule.enabled ? 'yes' : 'no') },
  { header: 'parameter', value: (r) => r.parameter },
  {
    header: 'value',
    value: (r) => {
      const p = parameterOf(r);
      if (!p) return null;
      return r.own ? `${p.value} *` : p.value;
    },
  },
  { header: 'default', value: (r) => parameterOf(r)?.default },
  { header: 'unit', value: (r) => parameterOf(r)?.unit },
];

/**
 * `rule.param=value …` merged into the agent's thresholds; `value` `default` removes an override.
 * Keys are checked against the catalogue so a typo is a usage error naming what exists.
 */
export function mergeThresholds(
  catalogue: FaultRuleCatalogue,
  assignments: string[],
): { thresholds: FaultThresholds; changes: string[] } {
  const thresholds: FaultThresholds = { ...catalogue.thresholds };
  const changes: string[] = [];
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    const key = at < 0 ? assignment : assignment.slice(0, at);
    const text = at < 0 ? '' : assignment.slice(at + 1).trim();
    const match = THRESHOLD_KEY.exec(key);
    if (at < 0 || !match || text === '') {
      throw new UsageError(
        `${assignment} is not <rule>.<parameter>=<value>; e.g. communication_lost.lostIntervals=30 or stuck_sensor.enabled=0`,
      );
    }
    const [, ruleId = '', parameter = ''] = match;
    const rule = catalogue.rules.find((r) => r.id === ruleId);
    if (!rule) {
      throw new UsageError(
        `there is no rule ${ruleId}; the rules: ${catalogue.rules.map((r) => r.id).join(', ')}`,
      );
    }
    if (parameter !== 'enabled' && !(parameter in rule.parameters)) {
      const known = ['enabled', ...Object.keys(rule.parameters)].join(', ');
      throw new UsageError(`rule ${ruleId} has no parameter ${parameter}; its parameters: ${known}`);
    }
    if (text === 'default') {
      delete thresholds[key];
      changes.push(`${key} back to its default`);
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value))
      throw new UsageError(`${key}=${text}: the value must be a number (or default)`);
    if (parameter === 'enabled' && value !== 0 && value !== 1) {
      throw new UsageError(`${key} takes 0 (off) or 1 (on)`);
    }
    if (parameter === 'enabled' && value === 1) {
      // On is the default: no override kept.
      delete thresholds[key];
    } else {
      thresholds[key] = value;
    }
    changes.push(`${key}=${value}`);
  }
  return { thresholds, changes };
}

interface ListOptions {
  state?: AlarmState;
  severity?: string;
  rule?: string;
  home?: string;
  group?: string;
  agent?: string;
  unacknowledged?: boolean;
  acknowledged?: boolean;
  since?: string;
  until?: string;
  oldestFirst?: boolean;
  all?: boolean;
  limit?: number;
}

/** `hearth alarms …` and `hearth fault-rules …`. */
export function registerAlarms(program: Command, act: Act): void {
  const alarms = program
    .command('alarms')
    .description('alarms: faults the rules found in a home’s data; acknowledge, annotate, clear')
    .addHelpText(
      'after',
      '\nThe rules, their evidence and thresholds: docs/faults.md; `hearth fault-rules`.',
    );

  alarms
    .command('list')
    .description('alarms of the homes you may see, newest first: the first page, or every page with --all')
    .addOption(new Option('--state <state>', 'active or cleared').choices(STATES))
    .option('--severity <list>', 'one or more of critical,major,minor,warning', severityList)
    .option('--rule <list>', 'one or more rule ids, comma-separated (hearth fault-rules)')
    .option('--home <id>', "one home's alarms")
    .option('--group <id>', 'alarms of the homes of one home group')
    .option('--agent <id>', "operator: one agent's alarms")
    .option('--unacknowledged', 'only alarms nobody has acknowledged')
    .option('--acknowledged', 'only acknowledged alarms')
    .option('--since <date-time>', 'raised at or after (RFC 3339, or a date: its midnight UTC)')
    .option('--until <date-time>', 'raised before')
    .option('--oldest-first', 'oldest first instead of newest first')
    .option('--all', 'every page, not only the first')
    .option('--limit <n>', 'alarms per page (1-200, default 50)', positiveInteger('--limit'))
    .addHelpText(
      'after',
      '\nExample: hearth alarms list --state active --severity critical,major --unacknowledged\n' +
        '         hearth alarms list --home <homeId> --since 2026-11-01 --all --json',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<ListOptions>(command);
        if (o.unacknowledged && o.acknowledged) {
          throw new UsageError('give --acknowledged or --unacknowledged, not both');
        }
        if (o.home && (o.group || o.agent)) {
          throw new UsageError('--home names one home: leave out --group and --agent');
        }
        const query: AlarmListQuery = {
          ...(o.state ? { state: o.state } : {}),
          ...(o.severity ? { severity: o.severity } : {}),
          ...(o.rule ? { rule: o.rule } : {}),
          ...(o.group ? { groupId: idOf(o.group, 'a home group id', 'hearth home-groups list') } : {}),
          ...(o.agent ? { agentId: idOf(o.agent, 'an agent id', 'hearth agents list') } : {}),
          ...(o.unacknowledged ? { acknowledged: false } : {}),
          ...(o.acknowledged ? { acknowledged: true } : {}),
          ...(o.since ? { from: timeOption('--since', o.since) } : {}),
          ...(o.until ? { to: timeOption('--until', o.until) } : {}),
          ...(o.oldestFirst ? { order: 'asc' as const } : {}),
          ...(o.limit ? { limit: Math.min(o.limit, 200) } : {}),
        };
        const client = await ctx.client();
        const home = o.home ? homeIdOf(o.home) : undefined;
        let rows: Alarm[];
        if (o.all) {
          rows = await (home ? client.alarms.forHome(home, query) : client.alarms.list(query)).toArray();
        } else {
          const page: Page<Alarm> = home
            ? await client.alarms.forHomePage(home, query)
            : await client.alarms.listPage(query);
          rows = page.items;
          if (page.nextCursor && !ctx.out.json)
            ctx.out.note('More alarms match: add --all to list them all.');
        }
        ctx.out.table(rows, alarmColumns, 'No alarms.');
      }),
    );

  alarms
    .command('show')
    .description('one alarm: its details, evidence values and history (and ETag, for --if-match)')
    .argument('<id>', 'alarm id')
    .action(
      act(async (ctx, _command, id) => {
        printAlarm(ctx, await (await ctx.client()).alarms.get(alarmIdOf(id)));
      }),
    );

  const ifMatch = '--if-match <etag>';
  const ifMatchHelp = 'refuse (exit 1) if the alarm changed since you read this ETag (hearth alarms show)';

  alarms
    .command('ack')
    .description('acknowledge an alarm: someone is on it')
    .argument('<id>', 'alarm id')
    .option('--note <text>', 'a note to leave with it (replaces the note)')
    .option(ifMatch, ifMatchHelp)
    .addHelpText('after', "\nExample: hearth alarms ack <alarmId> --note 'engineer booked for Tuesday'")
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<{ note?: string; ifMatch?: string }>(command);
        const alarmId = alarmIdOf(id);
        const done = await (await ctx.client()).alarms
          .acknowledge(alarmId, o.note, o.ifMatch ? { ifMatch: o.ifMatch } : {})
          .catch(staleAlarm(alarmId, o.ifMatch));
        if (ctx.out.json) printAlarm(ctx, done);
        else ctx.out.say(`Acknowledged alarm ${alarmId} (${done.alarm.rule}, ${done.alarm.homeReference}).`);
      }),
    );

  alarms
    .command('clear')
    .description('clear an alarm by hand (a condition that persists raises a new one at the next evaluation)')
    .argument('<id>', 'alarm id')
    .option('--note <text>', 'a note to leave with it (replaces the note)')
    .option(ifMatch, ifMatchHelp)
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<{ note?: string; ifMatch?: string }>(command);
        const alarmId = alarmIdOf(id);
        const done = await (await ctx.client()).alarms
          .clear(alarmId, o.note, o.ifMatch ? { ifMatch: o.ifMatch } : {})
          .catch(staleAlarm(alarmId, o.ifMatch));
        if (ctx.out.json) printAlarm(ctx, done);
        else ctx.out.say(`Cleared alarm ${alarmId} (${done.alarm.rule}, ${done.alarm.homeReference}).`);
      }),
    );

  alarms
    .command('note')
    .description("set an alarm's note (replacing the one it has), or remove it with --remove")
    .argument('<id>', 'alarm id')
    .argument('[text]', 'the note')
    .option('--remove', 'remove the note')
    .option(ifMatch, ifMatchHelp)
    .action(
      act(async (ctx, command, id, text) => {
        const o = optionsOf<{ remove?: boolean; ifMatch?: string }>(command);
        const alarmId = alarmIdOf(id);
        if (o.remove === (text !== undefined && text !== '')) {
          throw new UsageError('give the note text, or --remove (not both)');
        }
        const done = await (await ctx.client()).alarms
          .update(alarmId, { note: o.remove ? null : String(text) }, o.ifMatch ? { ifMatch: o.ifMatch } : {})
          .catch(staleAlarm(alarmId, o.ifMatch));
        if (ctx.out.json) printAlarm(ctx, done);
        else ctx.out.say(o.remove ? `Removed the note of alarm ${alarmId}.` : `Noted on alarm ${alarmId}.`);
      }),
    );

  alarms
    .command('evaluate')
    .description("judge a home's data against the rules now, as the background evaluator does")
    .argument('<homeId>', 'home id')
    .addHelpText(
      'after',
      '\nRefused (exit 1) while another worker is judging the home, or when it has no fault_management.',
    )
    .action(
      act(async (ctx, _command, homeId) => {
        const outcome = await (await ctx.client()).alarms.evaluate(homeIdOf(homeId));
        if (ctx.out.json) {
          ctx.out.writeJson(outcome);
          return;
        }
        const catching = outcome.catchingUp
          ? ' (history is still arriving: the present is judged once it has)'
          : '';
        ctx.out.say(
          `Judged home ${outcome.homeId} up to ${outcome.evaluatedTo} (${outcome.steps} ${outcome.steps === 1 ? 'step' : 'steps'}): ` +
            `${outcome.raised} raised, ${outcome.cleared} cleared${catching}.`,
        );
      }),
    );

  const faultRules = program
    .command('fault-rules')
    .description("the fault rules: each parameter's value in force and default; set the agent's thresholds");

  faultRules
    .command('show', { isDefault: true })
    .description("the rules and their parameters (* marks the agent's own values); the default subcommand")
    .option('--agent <id>', 'operator: the agent whose thresholds')
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ agent?: string }>(command);
        const agentId = o.agent ? idOf(o.agent, 'an agent id', 'hearth agents list') : undefined;
        const { catalogue, etag } = await (await ctx.client()).faultRules.get(agentId);
        if (ctx.out.json) {
          ctx.out.writeJson({ ...catalogue, etag: etag ?? null });
          return;
        }
        ctx.out.table(ruleRows(catalogue), ruleColumns, 'No rules.');
      }),
    );

  faultRules
    .command('set')
    .description(
      "change the agent's thresholds: reads them, merges yours in, writes them back guarded by the ETag",
    )
    .argument('<assignments...>', '<rule>.<parameter>=<value> (value `default` removes an override)')
    .option('--agent <id>', 'operator: the agent whose thresholds')
    .addHelpText(
      'after',
      "\n<rule>.enabled=0 turns a rule off, =1 on again. Values outside a parameter's range are refused.\n" +
        "A home's own fault_management thresholds override the agent's. See docs/faults.md.\n\n" +
        'Example: hearth fault-rules set communication_lost.lateIntervals=15 stuck_sensor.enabled=0\n' +
        '         hearth fault-rules set low_performance.minSpf=default',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ agent?: string }>(command);
        const assignments = command.processedArgs[0] as string[];
        const agentId = o.agent ? idOf(o.agent, 'an agent id', 'hearth agents list') : undefined;
        const client = await ctx.client();
        const { catalogue, etag } = await client.faultRules.get(agentId);
        const { thresholds, changes } = mergeThresholds(catalogue, assignments);
        const written = await client.faultRules
          .put(thresholds, { ...(etag ? { ifMatch: etag } : {}), ...(agentId ? { agentId } : {}) })
          .catch((err: unknown) => {
            if (err instanceof PreconditionFailedError) {
              throw new HearthError(
                'the thresholds changed while they were being set (someone else wrote them): run the command again',
                err.code,
                { cause: err },
              );
            }
            throw err;
          });
        if (ctx.out.json) {
          ctx.out.writeJson({ ...written.catalogue, etag: written.etag ?? null });
          return;
        }
        ctx.out.say(`Set ${changes.join(', ')}.`);
        const touched = new Set(assignments.map((a) => a.split('.')[0]));
        ctx.out.table(
          ruleRows(written.catalogue).filter((r) => touched.has(r.rule.id)),
          ruleColumns,
          'No rules.',
        );
      }),
    );
}
