import { type Static, Type } from 'typebox';
import { PageQuery } from '../http/paging.js';
import { Id } from '../http/schemas.js';
import { MAX_READINGS_PER_REQUEST } from './types.js';

export const ReadingSchema = Type.Object(
  {
    channelId: Type.String({ maxLength: 64, description: 'a channel id from GET /homes/{id}/meters' }),
    time: Type.String({
      maxLength: 64,
      description: 'RFC 3339 with an offset, e.g. 2026-01-31T12:00:00Z; at most 5 minutes ahead',
    }),
    value: Type.Number({ description: 'a finite number in the channel unit' }),
  },
  { additionalProperties: false },
);

export const PushBody = Type.Object(
  {
    readings: Type.Array(ReadingSchema, {
      description: `up to ${MAX_READINGS_PER_REQUEST} readings, in any order; a re-sent reading is not stored twice`,
    }),
  },
  { additionalProperties: false },
);
export type PushInput = Static<typeof PushBody>;

export const RefusalSchema = Type.Object({
  index: Type.Integer({ description: 'position of the reading in the request' }),
  channelId: Type.String(),
  reason: Type.Union([
    Type.Literal('unknown_channel'),
    Type.Literal('channel_not_writable'),
    Type.Literal('not_collecting'),
    Type.Literal('time_invalid'),
    Type.Literal('time_in_future'),
    Type.Literal('before_channel'),
    Type.Literal('value_not_finite'),
    Type.Literal('value_out_of_range'),
    Type.Literal('temperature_out_of_range'),
    Type.Literal('power_negative'),
    Type.Literal('power_too_high'),
    Type.Literal('flow_out_of_range'),
    Type.Literal('percent_out_of_range'),
    Type.Literal('register_negative'),
    Type.Literal('register_too_high'),
    Type.Literal('register_fell'),
    Type.Literal('register_too_fast'),
    Type.Literal('conflicting_value'),
  ]),
  detail: Type.String({ description: 'why, naming the value and the limit it broke' }),
});

export const PushResultSchema = Type.Object({
  received: Type.Integer(),
  stored: Type.Integer({ description: 'readings newly stored (durably committed) by this request' }),
  duplicates: Type.Integer({ description: 'readings already stored with the same channel, time and value' }),
  refused: Type.Array(RefusalSchema),
});

const ResolutionSchema = Type.Union(
  [
    Type.Literal('raw'),
    Type.Literal('5m'),
    Type.Literal('15m'),
    Type.Literal('hour'),
    Type.Literal('day'),
    Type.Literal('month'),
  ],
  { description: 'raw readings or buckets; day and month follow the agent time zone (default raw)' },
);
export type Resolution = Static<typeof ResolutionSchema>;
const AggregationSchema = Type.Union(
  [
    Type.Literal('avg'),
    Type.Literal('min'),
    Type.Literal('max'),
    Type.Literal('sum'),
    Type.Literal('last'),
    Type.Literal('delta'),
  ],
  {
    description:
      'per bucket: avg, min, max, sum, last value, or delta (consumption of a register); default delta for registers, avg otherwise',
  },
);
export type Aggregation = Static<typeof AggregationSchema>;

export const TelemetryQuery = Type.Object(
  {
    channels: Type.Optional(
      Type.String({
        maxLength: 4000,
        description: 'comma-separated channel ids of the home; default: all its channels',
      }),
    ),
    from: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'start (inclusive, rounded down to its bucket); default: to - 1 day',
      }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'end (exclusive); default: now' })),
    resolution: Type.Optional(ResolutionSchema),
    agg: Type.Optional(AggregationSchema),
    points: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 5000,
        description:
          'chart-ready series: at most this many points per channel, in buckets of a round width the server ' +
          'picks (1m … 30d, aligned on multiples of the width since the epoch, UTC); each point has mean or ' +
          'delta, min, max, first, last and count. Not with resolution or agg',
      }),
    ),
    includeExcluded: Type.Optional(
      Type.Boolean({
        description:
          'true: readings under an exclusion count too (raw points say `excluded: true`; buckets are ' +
          'folded from the raw readings). Default false: they are left out, as everywhere else',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TelemetryQueryInput = Static<typeof TelemetryQuery>;

const PointSchema = Type.Object({
  time: Type.String({ format: 'date-time', description: 'the reading time, or the bucket start' }),
  value: Type.Number(),
  count: Type.Optional(Type.Integer({ description: 'readings in the bucket' })),
  min: Type.Optional(Type.Number({ description: 'with points: the lowest reading in the bucket' })),
  max: Type.Optional(Type.Number({ description: 'with points: the highest reading in the bucket' })),
  first: Type.Optional(Type.Number({ description: 'with points: the first reading in the bucket' })),
  last: Type.Optional(Type.Number({ description: 'with points: the last reading in the bucket' })),
  excluded: Type.Optional(
    Type.Boolean({ description: 'raw readings with includeExcluded=true: an exclusion covers this reading' }),
  ),
});

export const ChannelSeriesSchema = Type.Object({
  channelId: Type.String({ format: 'uuid' }),
  key: Type.String(),
  quantity: Type.String(),
  unit: Type.String(),
  kind: Type.Union([Type.Literal('register'), Type.Literal('instantaneous')]),
  agg: Type.Union([AggregationSchema, Type.Null()], { description: 'null for raw readings' }),
  points: Type.Array(PointSchema),
});

export const TelemetryAnswerSchema = Type.Object({
  homeId: Type.String({ format: 'uuid' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  resolution: Type.String({ description: 'as asked, or auto with points' }),
  bucketSeconds: Type.Optional(
    Type.Integer({ description: 'with points: the width of the buckets the server chose, in seconds' }),
  ),
  timeZone: Type.String(),
  channels: Type.Array(ChannelSeriesSchema),
});
export type TelemetryAnswer = Static<typeof TelemetryAnswerSchema>;

export const LatestSchema = Type.Object({
  homeId: Type.String({ format: 'uuid' }),
  channels: Type.Array(
    Type.Object({
      channelId: Type.String({ format: 'uuid' }),
      meterId: Type.String({ format: 'uuid' }),
      key: Type.String(),
      quantity: Type.String(),
      unit: Type.String(),
      time: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'null: no reading yet',
      }),
      value: Type.Union([Type.Number(), Type.Null()]),
      excluded: Type.Optional(
        Type.Boolean({ description: 'with includeExcluded=true: an exclusion covers this reading' }),
      ),
    }),
  ),
});
export const LatestQuery = Type.Object(
  {
    includeExcluded: Type.Optional(
      Type.Boolean({
        description:
          "true: each channel's newest stored reading, excluded or not. Default false: the newest no exclusion covers",
      }),
    ),
  },
  { additionalProperties: false },
);
export type LatestAnswer = Static<typeof LatestSchema>;

/** Exclusions: a channel's readings over a time range left out of rollups, queries and analytics. */
export const MAX_EXCLUSION_REASON = 500;

export const CreateExclusionBody = Type.Object(
  {
    channelId: Type.String({
      format: 'uuid',
      description: 'a channel of this home (GET /homes/{id}/meters)',
    }),
    from: Type.String({
      format: 'date-time',
      maxLength: 64,
      description: 'start, inclusive: RFC 3339 with an offset, e.g. 2026-01-31T12:00:00Z',
    }),
    to: Type.String({
      format: 'date-time',
      maxLength: 64,
      description: 'end, exclusive; after from, at most one year ahead of the server clock',
    }),
    reason: Type.String({
      minLength: 1,
      maxLength: MAX_EXCLUSION_REASON,
      description: 'why these readings do not count (shown in the list and the audit trail)',
    }),
  },
  { additionalProperties: false },
);
export type CreateExclusionInput = Static<typeof CreateExclusionBody>;

export const ExclusionViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  homeId: Type.String({ format: 'uuid' }),
  channelId: Type.String({ format: 'uuid' }),
  meterId: Type.String({ format: 'uuid' }),
  key: Type.String({ description: "the channel's key, e.g. heat_energy" }),
  from: Type.String({ format: 'date-time', description: 'start, inclusive' }),
  to: Type.String({ format: 'date-time', description: 'end, exclusive' }),
  reason: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Union([Type.Object({ id: Type.String(), username: Type.String() }), Type.Null()], {
    description: 'who made it, as they were then',
  }),
});
export type ExclusionView = Static<typeof ExclusionViewSchema>;

export const ExclusionListQuery = Type.Object(
  {
    ...PageQuery,
    channelId: Type.Optional(Type.String({ format: 'uuid', description: "one channel's exclusions" })),
  },
  { additionalProperties: false },
);

export const ExclusionParams = Type.Object({ id: Id('the home id'), exclusionId: Id('the exclusion id') });
