import { type Static, Type } from 'typebox';
import { Nullable, PeriodParam, WindowFrom, WindowTo } from '../analytics/schemas.js';

export const InsightQuery = Type.Object(
  {
    from: WindowFrom('the start of the local period 11 periods back (day: 29 days)'),
    to: WindowTo(),
    period: PeriodParam,
  },
  { additionalProperties: false },
);
export type InsightQueryInput = Static<typeof InsightQuery>;

const FuelCostSchema = Type.Object({
  currency: Type.String({ description: 'ISO 4217 code of the tariff' }),
  energy: Type.Number({ description: 'unit-rate charges, in the currency (e.g. pounds), to 0.01' }),
  standing: Type.Number({ description: 'standing charges of the days in the period, in the currency' }),
  total: Type.Number({ description: 'energy + standing, in the currency' }),
  tariffs: Type.Array(Type.String({ format: 'uuid' }), { description: 'the tariffs applied' }),
});

const DegreeDaysSchema = Type.Object({
  value: Type.Number({ description: 'heating degree days, K·day (base 15.5 °C, daily mean method)' }),
  daysMeasured: Type.Integer({ description: 'days with outdoor readings in at least 75% of their hours' }),
  days: Type.Integer({ description: 'days in the period' }),
});

const EnergyFigures = {
  electricityKwh: Nullable(
    Type.Number(),
    'electricity used (null: no electricity meter, or the period ends before monitoredFrom)',
  ),
  heatKwh: Nullable(Type.Number(), 'heat delivered (null: no heat meter)'),
  gasKwh: Nullable(Type.Number(), 'gas burned, kWh (m³ × 11.1; null: no gas meter)'),
  pvKwh: Nullable(Type.Number(), 'PV generation (null: no PV meter)'),
};

export const InsightPeriodSchema = Type.Object({
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  ...EnergyFigures,
  cost: Type.Object({
    electricity: Nullable(FuelCostSchema, 'null: no electricity meter or no tariff'),
    gas: Nullable(FuelCostSchema, 'null: no gas meter or no tariff'),
    total: Nullable(Type.Number(), 'the fuels’ totals, when they share a currency'),
    currency: Nullable(Type.String()),
  }),
  carbonKg: Nullable(
    Type.Number(),
    'kgCO2e of the electricity and gas used (tariff factor, else the default)',
  ),
  degreeDays: Nullable(DegreeDaysSchema, 'null: no outdoor temperature sensor'),
  expectedKwh: Nullable(
    Type.Number(),
    'the heating fuel the home’s energy signature predicts for this period’s degree days (null: no signature)',
  ),
  lastYear: Nullable(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      end: Type.String({ format: 'date-time' }),
      ...EnergyFigures,
      degreeDays: Nullable(DegreeDaysSchema),
      weatherAdjustedKwh: Nullable(
        Type.Number(),
        'the heating fuel this year’s signature predicts for last year’s degree days: compare it with this year’s figure',
      ),
    }),
    'the same period a year earlier, when the home has data for it',
  ),
});
export type InsightPeriod = Static<typeof InsightPeriodSchema>;

export const InsightAnswerSchema = Type.Object({
  homeId: Type.String({ format: 'uuid' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  timeZone: Type.String(),
  period: Type.String(),
  monitoredFrom: Type.String({
    format: 'date-time',
    description:
      'the local day the home could first have readings (its commissioning date, or its creation if earlier): nothing is counted before it, and a period that ends by then states no figures (all null)',
  }),
  meters: Type.Object({
    electricity: Type.Array(Type.String(), { description: 'serials of the electricity meters counted' }),
    heat: Type.Array(Type.String()),
    gas: Type.Array(Type.String()),
    pv: Type.Array(Type.String()),
    outdoor: Nullable(Type.String(), 'the outdoor temperature sensor degree days come from'),
  }),
  region: Type.String({
    description:
      'the region whose series the home uses: its own, else the platform default (GET /homes/{id})',
  }),
  degreeDaysSource: Nullable(
    Type.Union([Type.Literal('outdoor_sensor'), Type.Literal('region')]),
    'where degree days come from: the home’s outdoor sensor, else its region’s daily weather series; null: neither',
  ),
  carbonSource: Type.Union([Type.Literal('intensity_series'), Type.Literal('factor')], {
    description:
      'electricity’s carbon: the region’s half-hourly intensity series (loaded for some of the window), or the tariff’s fixed factor; gas always uses its factor',
  }),
  periods: Type.Array(InsightPeriodSchema),
  window: Type.Object({
    ...EnergyFigures,
    cost: InsightPeriodSchema.properties.cost,
    carbonKg: Nullable(Type.Number()),
    carbonFallbackHalfHours: Nullable(
      Type.Integer(),
      'intensity series only: half hours with electricity use the series lacks, counted at the tariff’s factor',
    ),
    degreeDays: Nullable(DegreeDaysSchema),
    outdoorQuality: Type.Object(
      {
        suspectHours: Type.Integer({
          description:
            'hours of the outdoor sensor in the window that a data-quality alarm (stuck sensor, out of range) covers: left out of the degree days',
        }),
        regionHours: Type.Integer({
          description:
            'of those, hours given the region’s daily mean instead (when the region has a weather series)',
        }),
        alarms: Type.Array(Type.String(), { description: 'the alarms behind them, named' }),
      },
      { description: 'the outdoor sensor’s data quality behind degreeDays (docs/insight.md)' },
    ),
    signature: Nullable(
      Type.Object({
        fuel: Type.Union([Type.Literal('electricity'), Type.Literal('gas')]),
        baseKwhPerDay: Type.Number({ description: 'use on a day needing no heating (hot water, standby)' }),
        slopeKwhPerDegreeDay: Type.Number({ description: 'extra use per degree day' }),
        r2: Type.Number({ description: 'share of the daily variation the line explains, 0–1' }),
        days: Type.Integer({ description: 'whole days the fit used' }),
      }),
      'daily heating fuel = base + slope × HDD, least squares over the window’s whole days (null: under 14 days or no degree days)',
    ),
  }),
});
export type InsightAnswer = Static<typeof InsightAnswerSchema>;
