import { type Static, Type } from 'typebox';
import { Nullable, WindowFrom, WindowTo } from '../analytics/schemas.js';

/** The query parameters both portfolio routes share. */
const common = {
  agentId: Type.Optional(
    Type.String({
      format: 'uuid',
      description: 'the agent (the operator must name one; others get their own, and 404 for another)',
    }),
  ),
  from: WindowFrom('local midnight 29 days before today'),
  to: WindowTo('the coming local midnight (the end of today)'),
  technology: Type.Optional(Type.String({ maxLength: 100, description: 'only homes of this technology' })),
  group: Type.Optional(Type.String({ format: 'uuid', description: 'only homes in this home group' })),
  order: Type.Optional(
    Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
      description: 'default desc (asc for belowDesign); homes without the figure always come last',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'rows per page (1-1000)' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
};

export const PortfolioPerformanceQuery = Type.Object(
  {
    ...common,
    boundary: Type.Optional(
      Type.Union([Type.Literal('H1'), Type.Literal('H2'), Type.Literal('H3'), Type.Literal('H4')], {
        description:
          'only homes whose meters support this SEPEMO boundary, stated at it; default each home’s widest',
      }),
    ),
    minCoverage: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'coverage (percent of expected readings) below which no SPF is stated (default 90)',
      }),
    ),
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('spf'),
          Type.Literal('coverage'),
          Type.Literal('electricity'),
          Type.Literal('heat'),
          Type.Literal('belowDesign'),
        ],
        { description: 'default spf; belowDesign sorts by spfRatio' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PortfolioPerformanceQueryInput = Static<typeof PortfolioPerformanceQuery>;

export const PortfolioInsightQuery = Type.Object(
  {
    ...common,
    sort: Type.Optional(
      Type.Union(
        [Type.Literal('electricity'), Type.Literal('heat'), Type.Literal('gas'), Type.Literal('pv')],
        {
          description: 'default electricity',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PortfolioInsightQueryInput = Static<typeof PortfolioInsightQuery>;

export const DistributionSchema = Nullable(
  Type.Object({
    min: Type.Number(),
    q1: Type.Number(),
    median: Type.Number(),
    q3: Type.Number(),
    max: Type.Number(),
  }),
  'quartiles by linear interpolation (type 7) over the homes with the figure; null when none has it',
);
export type Distribution = Static<typeof DistributionSchema>;

export const PerformanceRowSchema = Type.Object({
  homeId: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  technology: Nullable(Type.String()),
  boundary: Nullable(Type.String(), 'the SEPEMO level (H1–H4); null when the meters support none'),
  heatKwh: Nullable(Type.Number()),
  electricityKwh: Nullable(Type.Number()),
  spf: Nullable(
    Type.Number(),
    'null when coverage < minCoverage, no boundary, no electricity, or outside the plausible 1.5–6 (spfWithheld says which)',
  ),
  spfWithheld: Nullable(
    Type.Union([
      Type.Literal('no_boundary'),
      Type.Literal('low_coverage'),
      Type.Literal('no_electricity'),
      Type.Literal('implausible_spf'),
    ]),
    'why spf is null (as the per-home quality codes); null when it is stated',
  ),
  coveragePercent: Nullable(
    Type.Number(),
    'the least-covered register of the boundary; readings in hours a data-quality alarm covers do not count',
  ),
  suspectHours: Type.Integer({
    description:
      'hours of the window left out of heat, electricity and coverage because a data-quality alarm covers a register of the boundary or the whole home (docs/portfolio.md)',
  }),
  designSpf: Nullable(Type.Number(), 'installation.designSpf, else designScop'),
  spfRatio: Nullable(Type.Number()),
  flowTemperatureC: Nullable(
    Type.Number(),
    "°C: the heat meters' daily mean flow temperature weighted by each day's heat (hourly when resolution is hour); null without a flow_temperature channel or heat in the window",
  ),
});
export type PerformanceRow = Static<typeof PerformanceRowSchema>;

export const PortfolioPerformanceSchema = Type.Object({
  agentId: Type.String({ format: 'uuid' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  timeZone: Type.String(),
  resolution: Type.Union([Type.Literal('day'), Type.Literal('hour')], {
    description: 'day: the window is whole local days, read from the daily rollups; else hourly',
  }),
  minCoveragePercent: Type.Number(),
  summary: Type.Object({
    homes: Type.Integer(),
    withSpf: Type.Integer(),
    spf: DistributionSchema,
    coverage: DistributionSchema,
    electricity: DistributionSchema,
    heat: DistributionSchema,
    spfRatio: DistributionSchema,
    flowTemperature: DistributionSchema,
  }),
  belowDesign: Type.Array(PerformanceRowSchema, {
    description: 'up to 10 homes with spfRatio below 1, lowest first',
  }),
  items: Type.Array(PerformanceRowSchema),
  nextCursor: Nullable(Type.String(), 'pass as ?cursor= for the next page'),
});
export type PortfolioPerformance = Static<typeof PortfolioPerformanceSchema>;

export const InsightRowSchema = Type.Object({
  homeId: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  technology: Nullable(Type.String()),
  electricityKwh: Nullable(Type.Number(), 'null: no such meter'),
  heatKwh: Nullable(Type.Number()),
  gasKwh: Nullable(Type.Number()),
  pvKwh: Nullable(Type.Number()),
});
export type InsightRow = Static<typeof InsightRowSchema>;

export const PortfolioInsightSchema = Type.Object({
  agentId: Type.String({ format: 'uuid' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  timeZone: Type.String(),
  resolution: Type.Union([Type.Literal('day'), Type.Literal('hour')]),
  summary: Type.Object({
    homes: Type.Integer(),
    electricity: DistributionSchema,
    heat: DistributionSchema,
    gas: DistributionSchema,
    pv: DistributionSchema,
  }),
  items: Type.Array(InsightRowSchema),
  nextCursor: Nullable(Type.String(), 'pass as ?cursor= for the next page'),
});
export type PortfolioInsight = Static<typeof PortfolioInsightSchema>;
