import { type Static, Type } from 'typebox';
import { TECHNOLOGIES } from '../homes/index.js';
import { PageQuery } from '../http/paging.js';

export const CONNECTIONS = ['online', 'late', 'offline', 'never_seen'] as const;

const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const FleetQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'part of the reference, postcode, town or street (any case)',
      }),
    ),
    connection: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'comma-separated: online, late, offline, never_seen (decommissioned homes match none)',
      }),
    ),
    technology: Type.Optional(Type.Union(TECHNOLOGIES.map((t) => Type.Literal(t)))),
    groupId: Type.Optional(Type.String({ format: 'uuid', description: 'homes of one home group' })),
    manufacturer: Type.Optional(Type.String({ maxLength: 100, description: 'exact manufacturer, any case' })),
    model: Type.Optional(Type.String({ maxLength: 100, description: 'exact model, any case' })),
    hasActiveAlarms: Type.Optional(
      Type.Boolean({ description: 'true: homes with an active alarm; false: homes without one' }),
    ),
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('reference'),
          Type.Literal('town'),
          Type.Literal('postcode'),
          Type.Literal('technology'),
          Type.Literal('manufacturer'),
          Type.Literal('model'),
          Type.Literal('lastReadingAt'),
          Type.Literal('connection'),
          Type.Literal('alarms'),
          Type.Literal('spf'),
          Type.Literal('spfRatio'),
        ],
        {
          description:
            'default reference; connection ranks online < late < offline < never_seen < decommissioned; ' +
            'alarms sorts by critical, then major, minor, warning counts',
        },
      ),
    ),
    order: Type.Optional(
      Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
        description:
          'default asc; homes without the figure come last in both orders; ties by reference, then id',
      }),
    ),
  },
  { additionalProperties: false },
);
export type FleetQueryInput = Static<typeof FleetQuery>;

const ConnectionSchema = Type.Union(
  [
    Type.Literal('online'),
    Type.Literal('late'),
    Type.Literal('offline'),
    Type.Literal('never_seen'),
    Type.Literal('decommissioned'),
  ],
  {
    description:
      'the worst state among its meters (meter status: online ≤ 3 intervals, late ≤ 12, else offline; never_seen: no reading); a home without meters is never_seen; decommissioned homes say so',
  },
);

export const FleetRowSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('decommissioned')]),
  town: Nullable(Type.String()),
  postcode: Nullable(Type.String()),
  technology: Nullable(Type.String()),
  manufacturer: Nullable(Type.String()),
  model: Nullable(Type.String()),
  lastReadingAt: Nullable(
    Type.String({ format: 'date-time', description: "the newest reading over the home's meters" }),
  ),
  connection: ConnectionSchema,
  alarms: Type.Object(
    {
      critical: Type.Integer(),
      major: Type.Integer(),
      minor: Type.Integer(),
      warning: Type.Integer(),
      total: Type.Integer(),
    },
    { description: 'active alarms by severity' },
  ),
  spf: Nullable(
    Type.Object(
      {
        value: Nullable(Type.Number({ description: 'null below 90 % coverage or without electricity' })),
        design: Nullable(Type.Number()),
        ratio: Nullable(Type.Number({ description: 'value / design' })),
        boundary: Nullable(
          Type.Union([Type.Literal('H1'), Type.Literal('H2'), Type.Literal('H3'), Type.Literal('H4')]),
        ),
        coveragePercent: Nullable(Type.Number()),
      },
      {
        description:
          'over the window, as GET /portfolio/performance states it for the same window; null for homes that are no heat pump',
      },
    ),
  ),
});
export type FleetRow = Static<typeof FleetRowSchema>;

const count = Type.Integer({ minimum: 0 });

export const FleetAnswerSchema = Type.Object({
  items: Type.Array(FleetRowSchema),
  nextCursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page' })),
  total: Type.Integer({ description: 'homes matching the filters' }),
  counts: Type.Object(
    { online: count, late: count, offline: count, never_seen: count, decommissioned: count },
    { description: 'homes by connection, over the filtered homes ignoring the connection filter' },
  ),
  facets: Type.Object(
    {
      technologies: Type.Array(Type.String()),
      manufacturers: Type.Array(
        Type.Object({ manufacturer: Type.String(), models: Type.Array(Type.String()) }),
      ),
    },
    { description: 'the values the filters can take, over every home you may see' },
  ),
  window: Type.Object(
    { from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) },
    { description: 'the SPF window: the last 30 days up to now, on whole UTC hours' },
  ),
});
export type FleetAnswer = Static<typeof FleetAnswerSchema>;
