import { type Static, Type } from 'typebox';
import { Nullable, PeriodParam, WindowFrom, WindowTo } from '../analytics/schemas.js';

export const PerformanceQuery = Type.Object(
  {
    from: WindowFrom('local midnight 29 days before today'),
    to: WindowTo(),
    period: PeriodParam,
    boundary: Type.Optional(
      Type.Union([Type.Literal('H1'), Type.Literal('H2'), Type.Literal('H3'), Type.Literal('H4')], {
        description: 'SEPEMO boundary; default: the widest the meters support',
      }),
    ),
    minCoverage: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'percent of hours with data below which no COP or SPF is stated (default 90)',
      }),
    ),
    startThresholdW: Type.Optional(
      Type.Number({
        minimum: 1,
        maximum: 1_000_000,
        description:
          'electrical power (W) above which the compressor counts as running, for starts; default max(100, 25 × ratedCapacityKw), 200 without a rating',
      }),
    ),
    annualDegreeDays: Type.Optional(
      Type.Number({
        minimum: 100,
        maximum: 10_000,
        description:
          'heating degree days (base 15.5 °C) of the reference year the measured heat demand is normalised to (default 2462, the UK standard year)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PerformanceQueryInput = Static<typeof PerformanceQuery>;

const CoverageSchema = Type.Object({
  percent: Type.Number({ description: 'hoursWithData / hours × 100, one decimal' }),
  hoursWithData: Type.Integer({
    description:
      'hours in which every register of the boundary has a reading and no data-quality alarm covers them (quality.leftOut)',
  }),
  hours: Type.Integer({ description: 'hours of the period within the window and before now' }),
});

const QualitySchema = Type.Object({
  ok: Type.Boolean({ description: 'false: the COP / SPF is withheld (null), for the reasons listed' }),
  reasons: Type.Array(
    Type.Object({
      code: Type.Union([
        Type.Literal('no_boundary'),
        Type.Literal('low_coverage'),
        Type.Literal('too_little_data'),
        Type.Literal('no_electricity'),
        Type.Literal('not_finite'),
        Type.Literal('implausible_cop'),
        Type.Literal('implausible_spf'),
      ]),
      message: Type.String(),
    }),
  ),
  leftOut: Type.Array(
    Type.Object({
      alarmId: Nullable(
        Type.String({ format: 'uuid' }),
        'the alarm; null: a day left out for its own COP outside 0.75–7.5 (note says which)',
      ),
      rule: Type.String({ description: 'the fault rule of the alarm, e.g. implausible_cop, stuck_sensor' }),
      note: Type.Optional(Type.String({ description: 'why, when no alarm: the day and its COP' })),
      channel: Nullable(Type.String(), 'the channel key it is about; null: a whole meter or the whole home'),
      meterSerial: Nullable(Type.String(), 'the meter it is about; null: the whole home'),
      hours: Type.Integer({ description: 'hours with data of the period or window it left out' }),
    }),
    {
      description:
        'the data-quality alarms whose hours were left out of the COP / SPF (docs/performance.md, "Data-quality alarms"); empty when none',
    },
  ),
});

const SplitPartSchema = (what: string) =>
  Type.Object({
    heatKwh: Type.Number({ description: `heat at the boundary attributed to ${what}, kWh` }),
    electricityKwh: Type.Number({ description: `electricity at the boundary attributed to ${what}, kWh` }),
    cop: Nullable(
      Type.Number(),
      'heatKwh / electricityKwh; null without electricity or when quality refuses the COP',
    ),
  });

const SplitSchema = Type.Object(
  {
    spaceHeating: Nullable(
      SplitPartSchema('space heating (the hot water flag at 0, idle standby included)'),
      'null: no hot_water_mode channel, or no boundary (window.unavailable says which)',
    ),
    hotWater: Nullable(
      SplitPartSchema('hot water (the hot water flag at 1, and any immersion heater)'),
      'null: no hot_water_mode channel, or no boundary (window.unavailable says which)',
    ),
    running: Nullable(
      Type.Object({
        heatKwh: Type.Number({ description: 'heat of the running hours, kWh' }),
        electricityKwh: Type.Number({ description: 'electricity of the running hours, kWh' }),
        cop: Nullable(Type.Number(), 'running-only COP: heatKwh / electricityKwh; null as for cop'),
        hours: Type.Integer({
          description: 'hours with data, not just after a gap, in which the heat meters registered heat',
        }),
      }),
      'null: no boundary',
    ),
    coveragePercent: Nullable(
      Type.Number(),
      '(spaceHeating + hotWater electricity) / electricity × 100: the share the split attributes (hours without flag readings go to neither); null without the flag channel or without electricity',
    ),
    method: Type.String({
      description: 'how the split was made, with the hours behind it, to check by hand',
    }),
  },
  {
    description:
      'COP split into space heating, hot water and running-only (the hours the heat pump ran); docs/performance.md',
  },
);

export const PeriodSchema = Type.Object({
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time', description: 'exclusive' }),
  heatKwh: Nullable(Type.Number(), 'heat at the boundary, kWh; null without a boundary'),
  electricityKwh: Nullable(Type.Number(), 'electricity at the boundary, kWh; null without a boundary'),
  cop: Nullable(Type.Number(), 'heatKwh / electricityKwh; null without electricity or when quality refuses'),
  coverage: CoverageSchema,
  quality: QualitySchema,
  split: SplitSchema,
});

const BoundarySchema = Type.Object({
  level: Type.Union([Type.Literal('H1'), Type.Literal('H2'), Type.Literal('H3'), Type.Literal('H4')]),
  description: Type.String(),
  electricityMeters: Type.Array(Type.String(), {
    description:
      'serials of the electricity meters read (at H1 and H2 a backup heater meter is subtracted from the heat)',
  }),
  heatMeters: Type.Array(Type.String(), { description: 'serials of the heat meters summed' }),
  assumptions: Type.Array(Type.String()),
  supported: Type.Array(Type.String(), { description: 'every boundary these meters support' }),
});

export const PerformanceAnswerSchema = Type.Object({
  homeId: Type.String({ format: 'uuid' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  timeZone: Type.String(),
  period: Type.String(),
  minCoveragePercent: Type.Number(),
  boundary: Nullable(BoundarySchema, 'null: the meters support no boundary (see window.quality)'),
  periods: Type.Array(PeriodSchema),
  window: Type.Object({
    heatKwh: Nullable(Type.Number()),
    electricityKwh: Nullable(Type.Number()),
    spf: Nullable(Type.Number(), 'seasonal performance factor at the boundary; null when quality refuses'),
    coverage: CoverageSchema,
    quality: QualitySchema,
    split: SplitSchema,
    carnotPercent: Nullable(
      Type.Number(),
      'running COP / practical Carnot COP × 100 (condensing at flow + 2 K, evaporating at outdoor − 6 K), weighted by heat, over running hours: carnotConvention',
    ),
    carnotConvention: Type.Object(
      {
        condensingOffsetK: Type.Number({
          description: 'condensing temperature = flow temperature + this, K',
        }),
        evaporatingOffsetK: Type.Number({
          description: 'evaporating temperature = outdoor temperature + this (negative), K',
        }),
        over: Type.Literal('running_hours', {
          description:
            'the hours compared: those the heat pump ran (heat registered), with both temperatures',
        }),
        weighting: Type.Literal('heat', { description: 'each hour’s Carnot COP counts by its heat' }),
        description: Type.String(),
      },
      {
        description:
          'how carnotPercent is computed (heatpumpmonitor.org’s % of Carnot convention; docs/performance.md)',
      },
    ),
    carnotHours: Type.Integer({ description: 'running hours the Carnot figure is computed over' }),
    flowTemperatureWeightedC: Nullable(Type.Number(), 'mean flow temperature weighted by heat, °C'),
    starts: Nullable(Type.Integer(), 'compressor starts (off → on) in the window'),
    runningHours: Nullable(Type.Number(), 'hours with electrical power above startThresholdW'),
    powerReadingHours: Nullable(
      Type.Number(),
      'hours the electricity_power readings cover (readings × the meter’s interval): the hours of data of the starts',
    ),
    startsPerHourOfData: Nullable(
      Type.Number(),
      'starts / powerReadingHours: starts per hour of data, as heatpumpmonitor.org and emoncms count them',
    ),
    startsPerRunningHour: Nullable(
      Type.Number(),
      'starts / runningHours: starts per hour the compressor ran',
    ),
    startsPerHour: Type.Union([Type.Number(), Type.Null()], {
      description:
        'Deprecated: the same figure as startsPerRunningHour (starts per running hour), kept in /v/1; use startsPerRunningHour or startsPerHourOfData',
      deprecated: true,
    }),
    startThresholdW: Type.Number({
      description: 'electrical power above which the compressor counts as on, W',
    }),
    defrostKwh: Nullable(Type.Number(), 'reverse heat of defrost cycles, kWh; null when not metered'),
    design: Type.Object({
      spf: Nullable(Type.Number(), 'installation.designSpf'),
      scop: Nullable(Type.Number(), 'installation.designScop'),
      spfRatio: Nullable(Type.Number(), 'measured spf / design spf (or scop when there is no design spf)'),
      spfRatioAgainst: Nullable(Type.Union([Type.Literal('designSpf'), Type.Literal('designScop')])),
      heatLossWPerK: Nullable(Type.Number(), 'design heat loss, W/K'),
      measuredHeatLossWPerK: Nullable(
        Type.Number(),
        'slope of daily heat power against indoor − outdoor, W/K',
      ),
      heatLossDays: Type.Integer({ description: 'days the measured heat loss is fitted on' }),
      annualHeatDemandKwh: Nullable(Type.Number(), 'installation.annualHeatDemandKwh, kWh/year'),
      normalisedAnnualHeatKwh: Nullable(
        Type.Number(),
        'measured heat per degree day × annualDegreeDays, kWh/year (degree-day normalised heat demand)',
      ),
      heatDemandRatio: Nullable(Type.Number(), 'normalisedAnnualHeatKwh / annualHeatDemandKwh'),
      heatPerDegreeDayKwh: Nullable(Type.Number(), 'measured heat per heating degree day, kWh/(K·day)'),
      degreeDays: Type.Number({
        description: 'heating degree days (base 15.5 °C) of the days the heat demand is measured on',
      }),
      degreeDayDays: Type.Integer({ description: 'whole local days the heat demand is measured on' }),
      annualDegreeDays: Type.Number({ description: 'the reference year’s heating degree days used' }),
      degreeDaysSource: Nullable(
        Type.Union([Type.Literal('outdoor_sensor'), Type.Literal('region')]),
        'where the degree days come from: the home’s outdoor sensor, else its region’s daily weather series; null: neither (no heat demand against design)',
      ),
      region: Type.String({
        description:
          'the region whose weather series a home without an outdoor sensor uses (and a sensor’s hours under a data-quality alarm): its own, else the platform default',
      }),
      outdoorSuspectHours: Type.Integer({
        description:
          'hours of the outdoor sensor a data-quality alarm (stuck, out of range) covers: left out of degreeDays and of the heat-loss fit',
      }),
      outdoorRegionHours: Type.Integer({
        description: 'of outdoorSuspectHours, those given the region’s daily mean for degreeDays instead',
      }),
      assumptions: Type.Array(Type.String()),
    }),
    unavailable: Type.Array(Type.Object({ field: Type.String(), reason: Type.String() }), {
      description: 'each null figure of the window and why',
    }),
  }),
});
export type PerformanceAnswer = Static<typeof PerformanceAnswerSchema>;
export type Quality = Static<typeof QualitySchema>;
export type Split = Static<typeof SplitSchema>;
