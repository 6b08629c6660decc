import { type Static, Type } from 'typebox';
import { Nullable } from '../analytics/schemas.js';
import { InstallationSchema } from '../homes/index.js';
import { InsightAnswerSchema } from '../insights/index.js';
import { PerformanceAnswerSchema } from '../performance/index.js';

export const MonthlyReportQuery = Type.Object(
  {
    month: Type.Optional(
      Type.String({
        pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
        description:
          'YYYY-MM, a month of the agent’s local calendar: the current one (to date) or an earlier one since the home’s monitoring began; default the current month',
      }),
    ),
    period: Type.Optional(
      Type.Union([Type.Literal('day'), Type.Literal('week')], {
        description: 'the rows of the COP table: local days or ISO weeks clipped to the month (default week)',
      }),
    ),
    boundary: Type.Optional(
      Type.Union([Type.Literal('H1'), Type.Literal('H2'), Type.Literal('H3'), Type.Literal('H4')], {
        description:
          'SEPEMO boundary, as for GET /homes/{id}/performance; default the widest the meters support',
      }),
    ),
    minCoverage: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'percent of hours with data below which no COP or SPF is stated (default 90)',
      }),
    ),
    annualDegreeDays: Type.Optional(
      Type.Number({
        minimum: 100,
        maximum: 10_000,
        description: 'reference year degree days for the heat demand against design (default 2462)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MonthlyReportQueryInput = Static<typeof MonthlyReportQuery>;

const GapSchema = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time', description: 'exclusive' }),
  hours: Type.Integer(),
});

export const MeterCoverageSchema = Type.Object({
  serial: Type.String(),
  kind: Type.String(),
  measures: Type.Optional(Type.String()),
  location: Type.Optional(Type.String()),
  intervalSeconds: Type.Integer({ description: 'expected seconds between readings (from the order)' }),
  hours: Type.Integer({
    description: 'hours of the month that have begun since the home could have readings',
  }),
  hoursWithData: Type.Integer({
    description: 'of those, hours in which any channel of the meter has a reading',
  }),
  percent: Type.Number({ description: 'hoursWithData / hours × 100, one decimal' }),
  gapCount: Type.Integer({ description: 'runs of hours without a reading at least minGapHours long' }),
  gapHours: Type.Integer({ description: 'hours in those gaps' }),
  minGapHours: Type.Integer({
    description: 'shortest run counted as a gap: twice the reading interval, at least one hour',
  }),
  gaps: Type.Array(GapSchema, { description: 'the longest gaps, at most 10, in time order' }),
});

export const MonthlyReportSchema = Type.Object({
  kind: Type.Literal('monthly'),
  month: Type.String({ description: 'YYYY-MM' }),
  from: Type.String({ format: 'date-time', description: 'local start of the month' }),
  to: Type.String({ format: 'date-time', description: 'local start of the next month (exclusive)' }),
  timeZone: Type.String(),
  complete: Type.Boolean({ description: 'false: the month is not over, figures are to date' }),
  generatedAt: Type.String({ format: 'date-time' }),
  home: Type.Object({
    id: Type.String({ format: 'uuid' }),
    reference: Type.String(),
    status: Type.String(),
    address: Type.Object({
      addressLines: Type.Array(Type.String()),
      town: Nullable(Type.String()),
      postcode: Nullable(Type.String()),
      country: Nullable(Type.String()),
    }),
  }),
  installation: InstallationSchema,
  performance: PerformanceAnswerSchema,
  insight: InsightAnswerSchema,
  dataQuality: Type.Object({
    monitoredFrom: Type.String({
      format: 'date-time',
      description:
        'when the home could first have readings (its creation, or its commissioning day if earlier)',
    }),
    meters: Type.Array(MeterCoverageSchema),
  }),
});
export type MonthlyReport = Static<typeof MonthlyReportSchema>;
export type MeterCoverage = Static<typeof MeterCoverageSchema>;
