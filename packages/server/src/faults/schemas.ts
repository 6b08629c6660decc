import { type Static, Type } from 'typebox';
import { PageQuery } from '../http/paging.js';

export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export const SeveritySchema = Type.Union(
  [Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('warning')],
  { description: 'critical, major, minor or warning' },
);
export const AlarmStateSchema = Type.Union([Type.Literal('active'), Type.Literal('cleared')], {
  description: 'active, or cleared (by itself or by hand)',
});
const Order = Type.Union([Type.Literal('desc'), Type.Literal('asc')], {
  description: 'newest first (desc, the default) or oldest first',
});

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

export const EvidenceSchema = Type.Object(
  {
    summary: Type.String(),
    channelId: Type.Optional(Type.String({ format: 'uuid' })),
    channelKey: Type.Optional(Type.String()),
    meterSerial: Type.Optional(Type.String()),
    from: Time,
    to: Time,
    values: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Null()]), {
      description: 'the numbers behind the judgement; each name carries its unit',
    }),
  },
  { description: "the latest occurrence's proof: the channel, the span and the values" },
);

export const AlarmViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  agentId: Type.String({ format: 'uuid' }),
  homeId: Type.String({ format: 'uuid' }),
  homeReference: Type.String(),
  rule: Type.String({ description: 'the rule that raised it (GET /fault-rules)' }),
  ruleTitle: Type.String(),
  severity: SeveritySchema,
  state: AlarmStateSchema,
  summary: Type.String({ description: 'what is wrong, in one sentence' }),
  evidence: Type.Union([EvidenceSchema, Type.Null()]),
  channelId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  raisedAt: Type.String({
    format: 'date-time',
    description: 'when the condition was first seen (the data’s time)',
  }),
  conditionSince: Type.String({
    format: 'date-time',
    description:
      'when the condition behind the alarm began, as far as the rule could see (at or before raisedAt): the episode the alarm is about',
  }),
  lastSeenAt: Type.String({ format: 'date-time', description: 'when the condition was last seen' }),
  clearedAt: NullableTime,
  clearedBy: Type.Union([Type.Literal('auto'), Type.Literal('user'), Type.Null()], {
    description: 'auto: the condition was absent for the rule’s clearing time; user: cleared by hand',
  }),
  clearedByUserId: Type.Union([Type.String(), Type.Null()]),
  acknowledged: Type.Boolean(),
  acknowledgedAt: NullableTime,
  acknowledgedBy: Type.Union([Type.String(), Type.Null()], {
    description: 'the user id who acknowledged it',
  }),
  note: Type.Union([Type.String(), Type.Null()]),
  occurrences: Type.Integer({
    description: 'how often the condition came back while the alarm stayed active',
  }),
  createdAt: Time,
  updatedAt: Time,
});
export type AlarmView = Static<typeof AlarmViewSchema>;

export const AlarmHistorySchema = Type.Array(
  Type.Object({
    type: Type.String({ description: 'raised, cleared, acknowledged, unacknowledged, noted' }),
    at: Time,
    actor: Type.Union([Type.String(), Type.Null()], { description: 'user id; null for the evaluator' }),
    detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  }),
);

export const AlarmDetailSchema = Type.Intersect([
  AlarmViewSchema,
  Type.Object({ history: AlarmHistorySchema }),
]);

const CsvList = (description: string) => Type.Optional(Type.String({ maxLength: 500, description }));

export const AlarmListQuery = Type.Object(
  {
    ...PageQuery,
    state: Type.Optional(AlarmStateSchema),
    severity: CsvList('one or more severities, comma-separated (critical,major)'),
    rule: CsvList('one or more rule ids, comma-separated'),
    groupId: Type.Optional(Type.String({ format: 'uuid', description: 'homes of one group' })),
    homeId: Type.Optional(Type.String({ format: 'uuid', description: 'one home' })),
    acknowledged: Type.Optional(Type.Boolean()),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'raised at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'raised before' })),
    order: Type.Optional(Order),
    agentId: Type.Optional(Type.String({ format: 'uuid', description: 'operator: one agent' })),
  },
  { additionalProperties: false },
);
export type AlarmListQueryInput = Static<typeof AlarmListQuery>;

export const HomeAlarmListQuery = Type.Object(
  {
    ...PageQuery,
    state: Type.Optional(AlarmStateSchema),
    severity: CsvList('one or more severities, comma-separated'),
    rule: CsvList('one or more rule ids, comma-separated'),
    acknowledged: Type.Optional(Type.Boolean()),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'raised at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'raised before' })),
    order: Type.Optional(Order),
  },
  { additionalProperties: false },
);

export const UpdateAlarmBody = Type.Object(
  {
    acknowledged: Type.Optional(Type.Boolean({ description: 'true: someone is on it; false: take it back' })),
    note: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()], {
        description: 'null removes it',
      }),
    ),
    state: Type.Optional(
      Type.Literal('cleared', {
        description: 'clear by hand (a condition that persists raises a new alarm at the next evaluation)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAlarmInput = Static<typeof UpdateAlarmBody>;

export const RuleViewSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  severity: SeveritySchema,
  clearAfterSeconds: Type.Number(),
  enabled: Type.Boolean({ description: "false when the agent set '<rule>.enabled' to 0" }),
  parameters: Type.Record(
    Type.String(),
    Type.Object({
      default: Type.Number(),
      value: Type.Number({
        description: "in force for the agent's homes (a home's own thresholds override it)",
      }),
      unit: Type.String(),
      description: Type.String(),
      min: Type.Optional(Type.Number()),
      max: Type.Optional(Type.Number()),
    }),
  ),
});

export const RuleCatalogueSchema = Type.Object({
  agentId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  thresholds: Type.Record(Type.String(), Type.Number(), { description: "the agent's overrides" }),
  rules: Type.Array(RuleViewSchema),
});
export type RuleCatalogue = Static<typeof RuleCatalogueSchema>;

export const RuleCatalogueQuery = Type.Object(
  { agentId: Type.Optional(Type.String({ format: 'uuid', description: 'operator: whose thresholds' })) },
  { additionalProperties: false },
);

export const PutThresholdsBody = Type.Object(
  {
    agentId: Type.Optional(Type.String({ format: 'uuid', description: 'operator: the agent' })),
    thresholds: Type.Record(Type.String({ pattern: '^[a-z][a-zA-Z0-9_.]{0,63}$' }), Type.Number(), {
      additionalProperties: false,
      description:
        "'<rule>.<parameter>': value; '<rule>.enabled': 0 turns a rule off. Replaces the agent's set.",
    }),
  },
  { additionalProperties: false },
);

export const EvaluationSchema = Type.Object({
  homeId: Type.String({ format: 'uuid' }),
  steps: Type.Integer({ description: 'instants judged: hours of history replayed, and the present' }),
  raised: Type.Integer(),
  cleared: Type.Integer(),
  evaluatedTo: Type.String({ format: 'date-time' }),
  catchingUp: Type.Boolean({ description: 'history is still arriving: the present is judged once it has' }),
});
