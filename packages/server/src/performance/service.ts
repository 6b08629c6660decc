import { withholdNonFinite } from '../analytics/finite.js';
import {
  causeName,
  describeCauses,
  type QualityAlarms,
  type SuspectCause,
  SuspectHours,
} from '../analytics/quality-intervals.js';
import { round } from '../analytics/schemas.js';
import { withoutSuspectOutdoor } from '../analytics/suspect-outdoor.js';
import { invalidQuery, windowOf } from '../analytics/window.js';
import type { Scope } from '../auth/scope.js';
import { isoTime } from '../db/time.js';
import { monitoredFrom } from '../homes/monitored-from.js';
import type { HomesService } from '../homes/service.js';
import { dayHdd } from '../insights/degree-days.js';
import type { OrderDocument } from '../orders/schemas.js';
import { outdoorOrRegional } from '../regions/weather.js';
import { type Calendar, HOUR } from '../telemetry/buckets.js';
import type { HourRollup, TelemetryQueries } from '../telemetry/query.js';
import {
  type Boundary,
  type BoundaryLevel,
  boundaryTerms,
  compressorPowerChannel,
  findChannel,
  HOT_WATER_MODE_KEY,
  hotWaterModeChannel,
  REVERSE_HEAT_KEY,
  supportedBoundaries,
  type Term,
} from './boundary.js';
import {
  annualisedHeatKwh,
  CARNOT_CONDENSING_OFFSET_K,
  CARNOT_EVAPORATING_OFFSET_K,
  carnotPercent,
  compressorStartThresholdW,
  type DayPoint,
  type HourFigures,
  type HourSplit,
  heatLossSlope,
  heatWeightedFlowC,
  type Period,
  periodsOf,
  ratio,
  type SplitTotals,
  splitTotals,
} from './formulas.js';
import type { PerformanceAnswer, PerformanceQueryInput, Quality, Split } from './schemas.js';

const DEFAULT_MIN_COVERAGE = 90;
/** Below one day of data no SPF is stated, whatever the coverage of a short window. */
const MIN_HOURS_FOR_SPF = 24;
/** Design indoor and outdoor temperatures behind designHeatLossW when no W/K is given (UK MCS practice). */
const DESIGN_INDOOR_C = 21;
const DESIGN_OUTDOOR_C = -3;
/** Measured heat loss: heating days only (21 °C − outdoor ≥ 10 K), at least 10 of them over a 3 K spread. */
const HEAT_LOSS_MIN_DELTA_K = 10;
const HEAT_LOSS_MIN_DAYS = 10;
const HEAT_LOSS_MIN_SPREAD_K = 3;
const HEAT_LOSS_MIN_HOURS_A_DAY = 20;
/**
 * Heating degree days (base 15.5 °C) of the reference year heat demand is normalised to: the UK
 * standard year used for normalised performance indicators (Vesma / Degree Days Direct "Standard
 * heating and cooling degree days for the UK", 2,462 K·day at 15.5 °C). `annualDegreeDays` overrides
 * it, e.g. with the degree days the home's design used for its region (docs/performance.md).
 */
export const DEFAULT_ANNUAL_DEGREE_DAYS = 2462;
/** Below this many degree days (measured days together) heat demand is not annualised: too mild to scale. */
const HEAT_DEMAND_MIN_DEGREE_DAYS = 100;
/**
 * What a heat pump's COP can be over a day, and its SPF over longer: outside these the figure is a
 * metering fault, not performance, and is withheld. The daily bounds are the implausible_cop rule's
 * (faults/rules/performance.ts, docs/faults.md); over a week or more the weather and the hot water
 * average out, and published field trials (heatpumpmonitor.org's systems, the UK RHPP and EoH
 * trials) sit between about 2 and 5.5.
 */
export const PLAUSIBLE_DAILY_COP = { min: 0.75, max: 7.5 } as const;
export const PLAUSIBLE_SPF = { min: 1.5, max: 6 } as const;
/** A window or period this long or shorter is a day for plausibility (25 h: the DST day). */
const DAY_HOURS_FOR_PLAUSIBILITY = 25;

/** How % of Carnot is computed, stated with it (docs/performance.md). */
export const CARNOT_CONVENTION = {
  condensingOffsetK: CARNOT_CONDENSING_OFFSET_K,
  evaporatingOffsetK: CARNOT_EVAPORATING_OFFSET_K,
  over: 'running_hours',
  weighting: 'heat',
  description:
    'running COP / practical Carnot COP × 100, the Carnot COP taken between condensing (flow + 2 K) and evaporating (outdoor − 6 K) temperatures, weighted by heat, over the hours the heat pump ran (heatpumpmonitor.org’s convention)',
} as const;

export interface PerformanceDeps {
  homes: () => HomesService;
  telemetryQueries: () => TelemetryQueries;
  /** the data-quality alarms whose hours are left out (analytics/quality-intervals.ts) */
  qualityAlarms: () => QualityAlarms;
  now?: () => number;
}

type Installation = NonNullable<OrderDocument['installation']>;

const roundOrNull = (value: number | null, decimals: number): number | null =>
  value === null ? null : round(value, decimals);

/** Σ sign × consumption of the terms' registers in one hour (0 for a register without a reading). */
function sumTerms(terms: Term[], hour: number, rows: Map<string, Map<number, HourRollup>>): number {
  let total = 0;
  for (const t of terms) total += t.sign * (rows.get(t.channelId)?.get(hour)?.delta ?? 0);
  return total;
}

/** Per-home performance: COP per period, SPF at a SEPEMO boundary, coverage, Carnot, cycling, design. */
export class PerformanceService {
  constructor(private readonly deps: PerformanceDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async homePerformance(
    scope: Scope,
    homeId: string,
    query: PerformanceQueryInput,
  ): Promise<PerformanceAnswer> {
    const { home, meters } = await this.deps.homes().withMeters(scope, homeId);
    const telemetry = this.deps.telemetryQueries();
    const calendar = await telemetry.calendarOf(home.agent_id);
    const now = this.now();
    const { from, to } = windowOf(query, calendar, now);
    const period: Period = query.period ?? 'month';
    const minCoverage = query.minCoverage ?? DEFAULT_MIN_COVERAGE;

    const support = supportedBoundaries(meters);
    if (query.boundary !== undefined && !support.levels.includes(query.boundary)) {
      throw invalidQuery(
        'boundary',
        `is not supported by this home's meters`,
        `boundary ${query.boundary} is not supported by this home's meters` +
          (support.levels.length > 0 ? ` (they support ${support.levels.join(', ')})` : '') +
          `: ${support.limits.join('; ')}`,
      );
    }
    const level: BoundaryLevel | undefined = query.boundary ?? support.levels.at(-1);
    const boundary: Boundary | null = level ? boundaryTerms(meters, level) : null;

    // The heat meters' own terms (forward minus any reverse heat): the house's heat, for its heat loss.
    const heatMeterSerials = new Set(meters.filter((m) => m.kind === 'heat_meter').map((m) => m.serial));
    const heatMeterTerms: Term[] = boundary
      ? boundary.heat.filter((t) => heatMeterSerials.has(t.serial))
      : [];
    const reverse = meters
      .filter((m) => m.kind === 'heat_meter')
      .flatMap((m) =>
        m.channels.filter((c) => c.key === REVERSE_HEAT_KEY && c.kind === 'register').map((c) => c.id),
      );
    const flowChannel = findChannel(
      meters.filter((m) => m.kind === 'heat_meter'),
      'flow_temperature',
    );
    const outdoorChannel = findChannel(meters, 'outdoor_temperature');
    const hotWaterFlag = hotWaterModeChannel(meters);
    // An immersion heater heats the cylinder whatever the heat pump's valve does: hot water always.
    const immersionSerials = new Set(
      meters
        .filter((m) => m.kind === 'electricity_meter' && m.measures === 'immersion_heater')
        .map((m) => m.serial),
    );
    // The house's heat for its heat demand, whatever the boundary: the heat meters' forward minus reverse heat.
    const houseHeat: Term[] = meters
      .filter((m) => m.kind === 'heat_meter')
      .flatMap((m) =>
        m.channels
          .filter((c) => c.kind === 'register' && (c.key === 'heat_energy' || c.key === REVERSE_HEAT_KEY))
          .map((c): Term => ({ channelId: c.id, serial: m.serial, sign: c.key === 'heat_energy' ? 1 : -1 })),
      );
    const registers = boundary
      ? [...new Set([...boundary.heat, ...boundary.electricity].map((t) => t.channelId))]
      : [];
    const wanted = [
      ...new Set([
        ...registers,
        ...reverse,
        ...houseHeat.map((t) => t.channelId),
        ...[flowChannel, outdoorChannel, hotWaterFlag?.channelId ?? null].filter((c) => c !== null),
      ]),
    ];
    // From the hour before the window: whether the window's first hour ends a gap.
    const rollups = await telemetry.hourlyRollups(home.id, wanted, from - HOUR, to);
    const byHour = new Map<string, Map<number, HourRollup>>();
    for (const [channelId, rows] of rollups) byHour.set(channelId, new Map(rows.map((r) => [r.hour, r])));
    const meanOf = (channelId: string | null, hour: number): number | null => {
      if (channelId === null) return null;
      const row = byHour.get(channelId)?.get(hour);
      return row && row.count > 0 ? row.sum / row.count : null;
    };

    // The flag's mixed hours (a change in them or since the hour before), split reading by reading in one SQL pass.
    const flagSplit =
      boundary && hotWaterFlag
        ? await telemetry.flagSplit(
            home.id,
            hotWaterFlag.channelId,
            registers.filter((id) =>
              [...boundary.heat, ...boundary.electricity].some(
                (t) => t.channelId === id && !immersionSerials.has(t.serial),
              ),
            ),
            from,
            to,
          )
        : new Map<number, never>();
    const flagOf = (hour: number): HourSplit['flag'] => {
      if (!hotWaterFlag) return null;
      const rows = byHour.get(hotWaterFlag.channelId);
      const now = rows?.get(hour);
      if (!now || now.count === 0) return null;
      const before = rows?.get(hour - HOUR);
      const value = now.min;
      const pure =
        value !== undefined &&
        now.max === value &&
        before !== undefined &&
        before.min === value &&
        before.max === value;
      return pure ? (value >= 0.5 ? 'hot_water' : 'space_heating') : 'mixed';
    };
    // Σ sign × consumption of the terms in one hour, attributed to space heating and hot water.
    const attribute = (terms: Term[], hour: number, flag: HourSplit['flag']) => {
      let space = 0;
      let water = 0;
      if (flag === null) return { space, water };
      for (const t of terms) {
        const delta = byHour.get(t.channelId)?.get(hour)?.delta ?? 0;
        if (immersionSerials.has(t.serial) || flag === 'hot_water') water += t.sign * delta;
        else if (flag === 'space_heating') space += t.sign * delta;
        else {
          const split = flagSplit.get(hour)?.get(t.channelId);
          space += t.sign * (split?.off ?? 0);
          water += t.sign * (split?.on ?? 0);
        }
      }
      return { space, water };
    };

    const coveredAt = (hour: number): boolean =>
      registers.length > 0 && registers.every((id) => (byHour.get(id)?.get(hour)?.count ?? 0) > 0);
    // Hours a data-quality alarm flags (a stuck sensor, an implausible COP…): left out, hour by hour.
    const suspect = new SuspectHours(
      await this.deps.qualityAlarms().forHome(home.id, from - HOUR, to),
      meters,
      from - HOUR,
      to,
    );
    const houseHeatChannels = houseHeat.map((t) => t.channelId);
    // Hours before the home could have readings (its creation, or its commissioning day if earlier:
    // the platform refuses readings older than both) are not missing data: coverage starts there.
    const firstPossible = monitoredFrom(home, calendar);
    // Hour by hour: energy at the boundary, whether every register reported, the temperatures.
    const hours: (HourFigures & HourSplit & HourQuality & { elapsed: boolean; meterHeatKwh: number })[] = [];
    const none = { space: 0, water: 0 };
    for (let hour = from; hour < to; hour += HOUR) {
      const read = coveredAt(hour);
      // An hour a data-quality alarm covers is left out of COP and SPF: no energy, and no data.
      const energyCause = suspect.causeOf(registers, hour);
      const left = energyCause !== undefined;
      const covered = read && !left;
      const afterGap = read && !coveredAt(hour - HOUR);
      const meterHeatKwh = left ? 0 : sumTerms(heatMeterTerms, hour, byHour);
      const flag = boundary && !left ? flagOf(hour) : null;
      const heat = boundary ? attribute(boundary.heat, hour, flag) : none;
      const electricity = boundary ? attribute(boundary.electricity, hour, flag) : none;
      const outdoorSuspect = suspect.channelSuspect(outdoorChannel, hour);
      hours.push({
        hour,
        heatKwh: boundary && !left ? sumTerms(boundary.heat, hour, byHour) : 0,
        electricityKwh: boundary && !left ? sumTerms(boundary.electricity, hour, byHour) : 0,
        covered,
        afterGap,
        elapsed: hour < now && hour + HOUR > firstPossible,
        // Counted as left out only when it had data (an hour without is missing data already).
        suspectCause: read ? (energyCause ?? null) : null,
        // The heat-loss fit leaves out any day with a suspect hour of the house's heat or the outdoor sensor.
        suspectForHeatLoss:
          energyCause !== undefined ||
          outdoorSuspect ||
          suspect.causeOf(houseHeatChannels, hour) !== undefined,
        flowC: suspect.channelSuspect(flowChannel, hour) ? null : meanOf(flowChannel, hour),
        outdoorC: outdoorSuspect ? null : meanOf(outdoorChannel, hour),
        meterHeatKwh,
        flag,
        spaceHeatingHeatKwh: heat.space,
        spaceHeatingElectricityKwh: electricity.space,
        hotWaterHeatKwh: heat.water,
        hotWaterElectricityKwh: electricity.water,
        // Running: the heat meters registered heat in the hour (see docs/performance.md for why not power).
        running: boundary !== null && covered && !afterGap && meterHeatKwh > 0,
      });
    }

    leaveOutImplausibleDays(hours, calendar);

    const summarise = (slice: typeof hours, window: boolean, day: boolean) => {
      let heat = 0;
      let electricity = 0;
      let withData = 0;
      let elapsed = 0;
      const causes = new Map<SuspectCause, number>();
      for (const h of slice) {
        heat += h.heatKwh;
        electricity += h.electricityKwh;
        if (h.elapsed) elapsed++;
        if (h.elapsed && h.covered) withData++;
        if (h.elapsed && h.suspectCause) causes.set(h.suspectCause, (causes.get(h.suspectCause) ?? 0) + 1);
      }
      const suspectHours = [...causes.values()].reduce((n, k) => n + k, 0);
      const percent = elapsed > 0 ? (100 * withData) / elapsed : 0;
      const quality = qualityOf({
        boundary,
        electricity,
        percent,
        withData,
        minCoverage,
        window,
        suspectHours,
        causes,
      });
      const figure = quality.ok ? ratio(heat, electricity) : null;
      if (figure !== null) plausibility(quality, figure, day);
      const totals = splitTotals(slice);
      return {
        split: splitOf({ totals, electricity, boundary, quality, flag: hotWaterFlag }),
        totals,
        heatKwh: boundary ? round(heat, 3) : null,
        electricityKwh: boundary ? round(electricity, 3) : null,
        ratio: quality.ok ? roundOrNull(figure, 3) : null,
        coverage: { percent: round(percent, 1), hoursWithData: withData, hours: elapsed },
        quality,
      };
    };

    const periods: PerformanceAnswer['periods'] = [];
    let index = 0;
    for (const [start, end] of periodsOf(from, to, period, calendar.zone)) {
      const first = index;
      while (index < hours.length && (hours[index] as HourFigures).hour < end) index++;
      const s = summarise(hours.slice(first, index), false, isDay(start, end));
      periods.push({
        start: isoTime(start),
        end: isoTime(end),
        heatKwh: s.heatKwh,
        electricityKwh: s.electricityKwh,
        cop: s.ratio,
        coverage: s.coverage,
        quality: s.quality,
        split: s.split,
      });
    }
    const whole = summarise(hours, true, isDay(from, to));
    const unavailable: PerformanceAnswer['window']['unavailable'] = [];
    unavailable.push(...splitUnavailable(whole.split, whole.totals, whole.quality, boundary));

    // % of Carnot and the heat-weighted flow temperature, from the hourly means.
    const carnot = carnotPercent(hours);
    if (carnot.percent === null)
      unavailable.push({
        field: 'carnotPercent',
        reason: !boundary
          ? 'no boundary: no heat and electricity to compare'
          : flowChannel === null
            ? 'no heat meter reports flow_temperature'
            : outdoorChannel === null
              ? 'no outdoor temperature sensor (temperature_sensor, location outdoor)'
              : 'no running hour (heat registered, data in the hour and the one before) with flow and outdoor temperatures in the window',
      });
    const flowC = heatWeightedFlowC(hours);
    if (flowC === null)
      unavailable.push({
        field: 'flowTemperatureWeightedC',
        reason:
          flowChannel === null
            ? 'no heat meter reports flow_temperature'
            : 'no hour with heat and a flow temperature',
      });

    // Compressor starts from the raw power readings (one pass over the window's rows of one channel).
    const installation = JSON.parse(home.installation) as Installation;
    const startThresholdW = query.startThresholdW ?? compressorStartThresholdW(installation.ratedCapacityKw);
    const power = compressorPowerChannel(meters);
    let starts: number | null = null;
    let runningHours: number | null = null;
    let powerReadingHours: number | null = null;
    let startsPerRunningHour: number | null = null;
    let startsPerHourOfData: number | null = null;
    const startFields = [
      'starts',
      'runningHours',
      'powerReadingHours',
      'startsPerHourOfData',
      'startsPerRunningHour',
      'startsPerHour',
    ];
    if (power) {
      const meter = meters.find((m) => m.serial === power.serial);
      const interval = meter?.reading.intervalSeconds ?? 60;
      const t = await telemetry.powerTransitions(home.id, power.channelId, from, to, startThresholdW);
      if (t.readings > 0) {
        starts = t.starts;
        runningHours = round((t.above * interval) / 3600, 2);
        powerReadingHours = round((t.readings * interval) / 3600, 2);
        // Per hour of data (heatpumpmonitor.org's starts per hour) and per running hour.
        startsPerHourOfData = powerReadingHours > 0 ? round(starts / powerReadingHours, 3) : null;
        startsPerRunningHour = runningHours > 0 ? round(starts / runningHours, 3) : null;
        if (startsPerRunningHour === null)
          for (const field of ['startsPerRunningHour', 'startsPerHour'])
            unavailable.push({ field, reason: 'the compressor did not run in the window' });
      } else {
        for (const field of startFields)
          unavailable.push({
            field,
            reason: `no electricity_power readings from ${power.serial} in the window`,
          });
      }
    } else {
      for (const field of startFields)
        unavailable.push({
          field,
          reason: 'no electricity meter of the compressor or heat pump reports electricity_power',
        });
    }

    // Defrost: only a heat meter that registers reverse heat shows it.
    let defrostKwh: number | null = null;
    if (reverse.length > 0) {
      defrostKwh = 0;
      for (const id of reverse)
        for (const r of rollups.get(id) ?? []) if (r.hour >= from) defrostKwh += r.delta;
      defrostKwh = round(defrostKwh, 3);
    } else {
      unavailable.push({
        field: 'defrostKwh',
        reason: `the heat meters count forward heat only, so defrost (heat taken back from the water) is not metered; give the heat meter a ${REVERSE_HEAT_KEY} register to see it`,
      });
    }

    const design = designOf(installation, whole.ratio, hours, calendar, outdoorChannel);
    if (design.measuredHeatLossWPerK === null)
      unavailable.push({ field: 'design.measuredHeatLossWPerK', reason: design.reason });
    // No outdoor sensor: the home's region's daily weather (regions/weather.ts). A sensor's hours
    // under a data-quality alarm take the region's mean of their day, or are left out.
    const region = (await this.deps.homes().regionOf(home)).name;
    let outdoorRows = byHour;
    let outdoorCleaning = { suspectHours: 0, regionHours: 0 };
    const sensor = meters.find((m) => m.channels.some((c) => c.id === outdoorChannel));
    if (outdoorChannel !== null) {
      const cleaned = await withoutSuspectOutdoor({
        rows: byHour.get(outdoorChannel),
        suspectAt: (hour) => suspect.channelSuspect(outdoorChannel, hour),
        from: calendar.dayOf(from),
        to: Math.min(to, now),
        readingsPerHour: 3600 / (sensor?.reading.intervalSeconds || 3600),
        calendar,
        regional: async (fromDate, toDate) =>
          (await this.deps.homes().regionalWeather(region, fromDate, toDate))?.means ?? null,
      });
      outdoorRows = new Map([...byHour, [outdoorChannel, cleaned.rows]]);
      outdoorCleaning = cleaned.cleaning;
    }
    const weather = await outdoorOrRegional(
      this.deps.homes(),
      region,
      outdoorChannel,
      outdoorRows,
      calendar,
      from,
      Math.min(to, now),
    );
    const degreeDaysSource =
      outdoorChannel !== null
        ? ('outdoor_sensor' as const)
        : weather.outdoorChannel !== null
          ? ('region' as const)
          : null;
    const demand = heatDemandOf({
      installation,
      houseHeat,
      ...weather,
      calendar,
      from,
      to: Math.min(to, now),
      annualDegreeDays: query.annualDegreeDays ?? DEFAULT_ANNUAL_DEGREE_DAYS,
    });
    if (demand.normalisedAnnualHeatKwh === null)
      unavailable.push({ field: 'design.normalisedAnnualHeatKwh', reason: demand.reason });
    if (demand.heatDemandRatio === null)
      unavailable.push({
        field: 'design.heatDemandRatio',
        reason:
          demand.annualHeatDemandKwh === null
            ? 'the order gives no installation.annualHeatDemandKwh'
            : 'no normalised annual heat demand to compare',
      });
    if (whole.ratio === null)
      unavailable.push({
        field: 'spf',
        reason: whole.quality.ok
          ? 'no electricity at the boundary'
          : whole.quality.reasons.map((r) => r.message).join('; '),
      });

    return withholdOverflow({
      homeId: home.id,
      from: isoTime(from),
      to: isoTime(to),
      timeZone: calendar.zone,
      period,
      minCoveragePercent: minCoverage,
      boundary: boundary
        ? {
            level: boundary.level,
            description: boundary.description,
            electricityMeters: boundary.electricityMeters,
            heatMeters: boundary.heatMeters,
            assumptions: boundary.assumptions,
            supported: support.levels,
          }
        : null,
      periods,
      window: {
        heatKwh: whole.heatKwh,
        electricityKwh: whole.electricityKwh,
        spf: whole.ratio,
        coverage: whole.coverage,
        quality: whole.quality,
        split: whole.split,
        carnotPercent: roundOrNull(carnot.percent, 1),
        carnotConvention: { ...CARNOT_CONVENTION },
        carnotHours: carnot.hours,
        flowTemperatureWeightedC: roundOrNull(flowC, 2),
        starts,
        runningHours,
        powerReadingHours,
        startsPerHourOfData,
        startsPerRunningHour,
        startsPerHour: startsPerRunningHour,
        startThresholdW,
        defrostKwh,
        design: {
          spf: design.spf,
          scop: design.scop,
          spfRatio: design.spfRatio,
          spfRatioAgainst: design.spfRatioAgainst,
          heatLossWPerK: design.heatLossWPerK,
          measuredHeatLossWPerK: design.measuredHeatLossWPerK,
          heatLossDays: design.heatLossDays,
          annualHeatDemandKwh: demand.annualHeatDemandKwh,
          normalisedAnnualHeatKwh: demand.normalisedAnnualHeatKwh,
          heatDemandRatio: demand.heatDemandRatio,
          heatPerDegreeDayKwh: demand.heatPerDegreeDayKwh,
          degreeDays: demand.degreeDays,
          degreeDayDays: demand.degreeDayDays,
          annualDegreeDays: demand.annualDegreeDays,
          degreeDaysSource,
          region,
          outdoorSuspectHours: outdoorCleaning.suspectHours,
          outdoorRegionHours: outdoorCleaning.regionHours,
          assumptions: [
            ...design.assumptions,
            ...demand.assumptions,
            ...(outdoorCleaning.suspectHours > 0
              ? [
                  `${outdoorCleaning.suspectHours} hours of the outdoor sensor under a data-quality alarm (${suspectOutdoorNames(suspect, sensor?.serial, outdoorChannel as string)}) are left out of the degree days and the heat-loss fit; ${outdoorCleaning.regionHours} of them take region ${region}'s daily mean instead`,
                ]
              : []),
          ],
        },
        unavailable,
      },
    });
  }
}

/**
 * Withholds the figures that are not finite (analytics/finite.ts: a ratio to almost nothing can
 * overflow) and says so in the quality of their period or the window, whose COP or SPF is then
 * withheld too.
 */
function withholdOverflow(answer: PerformanceAnswer): PerformanceAnswer {
  const mark = (quality: Quality, fields: string[]): boolean => {
    if (fields.length === 0) return false;
    quality.ok = false;
    quality.reasons.push({
      code: 'not_finite',
      message: `${fields.join(', ')} could not be computed from the stored data (a figure overflowed) and is withheld`,
    });
    return true;
  };
  for (const p of answer.periods) if (mark(p.quality, withholdNonFinite(p))) p.cop = null;
  if (mark(answer.window.quality, withholdNonFinite(answer.window))) answer.window.spf = null;
  withholdNonFinite(answer);
  return answer;
}

const NO_FLAG_REASON = `no ${HOT_WATER_MODE_KEY} channel (the heat pump's hot water flag) is metered`;

/** The split of a period or the window (docs/performance.md, "Space heating, hot water and running"). */
function splitOf(input: {
  totals: SplitTotals;
  electricity: number;
  boundary: Boundary | null;
  quality: Quality;
  flag: { serial: string } | null;
}): Split {
  const { totals, electricity, boundary, quality, flag } = input;
  const part = (p: { heatKwh: number; electricityKwh: number }) => ({
    heatKwh: round(p.heatKwh, 3),
    electricityKwh: round(p.electricityKwh, 3),
    cop: quality.ok ? roundOrNull(ratio(p.heatKwh, p.electricityKwh), 3) : null,
  });
  const split = boundary !== null && flag !== null;
  const h = totals.hours;
  const running = `running: the ${totals.running.hours} hours with data (not just after a gap) in which the heat meters registered heat, idle hours' electricity left out`;
  const method = !boundary
    ? 'no boundary: nothing to split'
    : !flag
      ? `${NO_FLAG_REASON}, so no space heating and hot water; ${running}`
      : `${HOT_WATER_MODE_KEY} of ${flag.serial}: ${h.spaceHeating} hours read 0 and ${h.hotWater} read 1 throughout (and in the hour before) and went whole to space heating or hot water, ${h.mixed} hours with a change were split reading by reading (each register rise to the flag's value at the reading before it), ${h.unflagged} hours with data had no flag reading and went to neither; ${running}`;
  return {
    spaceHeating: split ? part(totals.spaceHeating) : null,
    hotWater: split ? part(totals.hotWater) : null,
    running: boundary ? { ...part(totals.running), hours: totals.running.hours } : null,
    coveragePercent:
      split && electricity > 0
        ? round(
            (100 * (totals.spaceHeating.electricityKwh + totals.hotWater.electricityKwh)) / electricity,
            1,
          )
        : null,
    method,
  };
}

/** Why each null figure of the window's split is null. */
function splitUnavailable(
  split: Split,
  totals: SplitTotals,
  quality: Quality,
  boundary: Boundary | null,
): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  const refused = quality.reasons.map((r) => r.message).join('; ');
  if (!boundary) {
    for (const field of ['split.spaceHeating', 'split.hotWater', 'split.running', 'split.coveragePercent'])
      out.push({ field, reason: 'no boundary: no heat and electricity to split' });
    return out;
  }
  if (split.spaceHeating === null || split.hotWater === null) {
    for (const field of ['split.spaceHeating', 'split.hotWater', 'split.coveragePercent'])
      out.push({ field, reason: NO_FLAG_REASON });
  } else if (split.coveragePercent === null)
    out.push({ field: 'split.coveragePercent', reason: 'no electricity at the boundary' });
  const cop = (field: string, part: { cop: number | null } | null, none: string) => {
    if (part === null || part.cop !== null) return;
    out.push({ field, reason: quality.ok ? none : refused });
  };
  cop('split.spaceHeating.cop', split.spaceHeating, 'no electricity attributed to space heating');
  cop('split.hotWater.cop', split.hotWater, 'no electricity attributed to hot water');
  cop(
    'split.running.cop',
    split.running,
    totals.running.hours === 0
      ? 'no running hour: the heat meters registered no heat in an hour with data'
      : 'no electricity in the running hours',
  );
  return out;
}

function qualityOf(input: {
  boundary: Boundary | null;
  electricity: number;
  percent: number;
  withData: number;
  minCoverage: number;
  window: boolean;
  suspectHours: number;
  causes: ReadonlyMap<SuspectCause, number>;
}): Quality {
  const reasons: Quality['reasons'] = [];
  const leftOut =
    input.suspectHours > 0
      ? ` (${input.suspectHours} hours with data left out under data-quality alarms: ${describeCauses(input.causes)})`
      : '';
  if (!input.boundary)
    reasons.push({
      code: 'no_boundary',
      message: 'the meters support no SEPEMO boundary (see boundary limits)',
    });
  else {
    if (input.percent < input.minCoverage)
      reasons.push({
        code: 'low_coverage',
        message: `data covers ${round(input.percent, 1)}% of the hours, below the minimum of ${input.minCoverage}%${leftOut}`,
      });
    if (input.window && input.withData < MIN_HOURS_FOR_SPF)
      reasons.push({
        code: 'too_little_data',
        message: `${input.withData} hours with data: an SPF needs at least ${MIN_HOURS_FOR_SPF}`,
      });
    if (!(input.electricity > 0))
      reasons.push({ code: 'no_electricity', message: 'no electricity was used at the boundary' });
  }
  return { ok: reasons.length === 0, reasons, leftOut: leftOutOf(input.causes) };
}

/** The alarms whose hours were left out of a period or the window, with how many hours each. */
function leftOutOf(causes: ReadonlyMap<SuspectCause, number>): Quality['leftOut'] {
  const byAlarm = new Map<string, Quality['leftOut'][number]>();
  for (const [cause, hours] of causes) {
    const key = cause.alarmId ?? cause.note ?? cause.rule;
    const known = byAlarm.get(key);
    if (known) known.hours += hours;
    else
      byAlarm.set(key, {
        alarmId: cause.alarmId,
        rule: cause.rule,
        channel: cause.channelKey,
        meterSerial: cause.meterSerial,
        hours,
        ...(cause.note !== undefined ? { note: cause.note } : {}),
      });
  }
  return [...byAlarm.values()];
}

/** Days with less electricity are standby days: their ratio says nothing (the implausible_cop rule's minimum). */
const IMPLAUSIBLE_DAY_MIN_ELECTRICITY_KWH = 2;

/**
 * A local day whose own COP no heat pump reaches is a metering fault even before (or without) an
 * alarm for it (an alarm's hours begin when the rule saw it: the morning after the day): its hours
 * are left out like hours under an alarm, so no week, month or window is stated on them. Days with
 * under 2 kWh of electricity are standby days and stay (their own COP is still withheld).
 */
function leaveOutImplausibleDays(
  hours: (HourFigures & HourSplit & HourQuality & { meterHeatKwh: number })[],
  calendar: Calendar,
): void {
  const days = new Map<number, typeof hours>();
  for (const h of hours) {
    const day = calendar.dayOf(h.hour);
    const list = days.get(day) ?? [];
    list.push(h);
    days.set(day, list);
  }
  for (const [day, list] of days) {
    let heat = 0;
    let electricity = 0;
    for (const h of list)
      if (h.covered) {
        heat += h.heatKwh;
        electricity += h.electricityKwh;
      }
    if (electricity < IMPLAUSIBLE_DAY_MIN_ELECTRICITY_KWH) continue;
    const cop = heat / electricity;
    if (cop >= PLAUSIBLE_DAILY_COP.min && cop <= PLAUSIBLE_DAILY_COP.max) continue;
    const cause: SuspectCause = {
      alarmId: null,
      rule: 'implausible_cop',
      channelKey: null,
      meterSerial: null,
      note: `the COP of ${calendar.date(day)} (${round(cop, 2)}, outside ${PLAUSIBLE_DAILY_COP.min}–${PLAUSIBLE_DAILY_COP.max})`,
    };
    for (const h of list) {
      if (h.covered) h.suspectCause = cause;
      h.covered = false;
      h.running = false;
      h.suspectForHeatLoss = true;
      h.heatKwh = 0;
      h.electricityKwh = 0;
      h.meterHeatKwh = 0;
      h.spaceHeatingHeatKwh = 0;
      h.spaceHeatingElectricityKwh = 0;
      h.hotWaterHeatKwh = 0;
      h.hotWaterElectricityKwh = 0;
      h.flag = null;
    }
  }
}

/** Whether [start, end) is at most a local day long: its COP is judged as a day's. */
const isDay = (start: number, end: number): boolean => end - start <= DAY_HOURS_FOR_PLAUSIBILITY * HOUR;

/**
 * A COP or SPF no heat pump achieves is a metering fault, never a stated figure: the day's COP
 * outside PLAUSIBLE_DAILY_COP, a longer period's or the window's SPF outside PLAUSIBLE_SPF, makes
 * the quality not ok (and the figure withheld), the reason naming the figure and the bound.
 */
function plausibility(quality: Quality, figure: number, day: boolean): void {
  const bound = day ? PLAUSIBLE_DAILY_COP : PLAUSIBLE_SPF;
  if (figure >= bound.min && figure <= bound.max) return;
  quality.ok = false;
  quality.reasons.push(
    day
      ? {
          code: 'implausible_cop',
          message: `the day's COP would be ${round(figure, 2)}, outside the ${bound.min}–${bound.max} a heat pump can reach in a day: a meter is wrong (see the home's alarms), so it is withheld`,
        }
      : {
          code: 'implausible_spf',
          message: `the SPF would be ${round(figure, 2)}, outside the ${bound.min}–${bound.max} heat pumps reach over more than a day: a meter is wrong (see the home's alarms), so it is withheld`,
        },
  );
}

/** The alarms that made the outdoor sensor's hours suspect, named. */
function suspectOutdoorNames(
  suspect: SuspectHours,
  sensorSerial: string | undefined,
  channel: string,
): string {
  const names = new Set<string>();
  for (const alarm of suspect.alarms)
    if (alarm.channelId === channel || (alarm.extent === 'meter' && alarm.meterSerial === sensorSerial))
      names.add(
        causeName({
          alarmId: alarm.id,
          rule: alarm.rule,
          channelKey: alarm.extent === 'channel' ? 'outdoor_temperature' : null,
          meterSerial: sensorSerial ?? null,
        }),
      );
  return [...names].join(', ');
}

/** What the data-quality alarms did to one hour. */
interface HourQuality {
  /** the alarm that left the hour's energy out, when the hour had data */
  suspectCause: SuspectCause | null;
  /** the hour's heat or outdoor temperature is under an alarm: its day stays out of the heat-loss fit */
  suspectForHeatLoss: boolean;
}

function designOf(
  installation: Installation,
  spf: number | null,
  hours: (HourFigures & HourQuality & { meterHeatKwh: number })[],
  calendar: Calendar,
  outdoorChannel: string | null,
) {
  const assumptions: string[] = [];
  const designSpf = installation.designSpf ?? null;
  const designScop = installation.designScop ?? null;
  const against = designSpf !== null ? 'designSpf' : designScop !== null ? 'designScop' : null;
  const reference = designSpf ?? designScop;
  let heatLossWPerK = installation.designHeatLossWPerK ?? null;
  if (heatLossWPerK === null && installation.designHeatLossW !== undefined) {
    heatLossWPerK = installation.designHeatLossW / (DESIGN_INDOOR_C - DESIGN_OUTDOOR_C);
    assumptions.push(
      `design heat loss W/K = designHeatLossW / (${DESIGN_INDOOR_C} − (${DESIGN_OUTDOOR_C})) °C: no designHeatLossWPerK was given`,
    );
  }
  // Measured heat loss: daily mean heat power against daily mean indoor − outdoor, heating days only.
  let reason = '';
  let measured: number | null = null;
  let days: DayPoint[] = [];
  if (outdoorChannel === null) reason = 'no outdoor temperature sensor';
  else {
    // Indoor is the design convention's 21 °C, not the measured room: the fit then compares with the
    // design W/K, and day-to-day room temperatures follow the controller (set-backs, a room that
    // cannot recover on the coldest days), which made the fit worse against the simulator's truth.
    assumptions.push(
      `measured heat loss against ${DESIGN_INDOOR_C} °C indoor − the measured outdoor temperature`,
    );
    const perDay = new Map<number, { heat: number; deltaT: number; n: number; clean: boolean }>();
    for (const h of hours) {
      const day = calendar.dayOf(h.hour);
      const d = perDay.get(day) ?? { heat: 0, deltaT: 0, n: 0, clean: true };
      perDay.set(day, d);
      // A day holding the end of a gap carries the gap's energy: it is left out; so is a day with
      // an hour a data-quality alarm flags (its heat or its outdoor temperature is wrong).
      if (h.afterGap || h.suspectForHeatLoss) d.clean = false;
      if (!h.covered || h.outdoorC === null) continue;
      d.heat += h.meterHeatKwh;
      d.deltaT += DESIGN_INDOOR_C - h.outdoorC;
      d.n++;
    }
    days = [...perDay.values()]
      .filter((d) => d.clean && d.n >= HEAT_LOSS_MIN_HOURS_A_DAY)
      .map((d) => ({ deltaTK: d.deltaT / d.n, heatW: (d.heat * 1000) / d.n }))
      .filter((d) => d.deltaTK >= HEAT_LOSS_MIN_DELTA_K);
    const spread =
      days.length > 0 ? Math.max(...days.map((d) => d.deltaTK)) - Math.min(...days.map((d) => d.deltaTK)) : 0;
    if (days.length < HEAT_LOSS_MIN_DAYS || spread < HEAT_LOSS_MIN_SPREAD_K)
      reason = `needs at least ${HEAT_LOSS_MIN_DAYS} heating days (${DESIGN_INDOOR_C} °C − outdoor ≥ ${HEAT_LOSS_MIN_DELTA_K} K, ≥ ${HEAT_LOSS_MIN_HOURS_A_DAY} hours of data, no hour under a data-quality alarm) spread over ${HEAT_LOSS_MIN_SPREAD_K} K; the window has ${days.length} spread over ${round(spread, 1)} K`;
    else measured = heatLossSlope(days);
  }
  return {
    spf: designSpf,
    scop: designScop,
    spfRatio: spf !== null && reference !== null ? round(spf / reference, 3) : null,
    spfRatioAgainst: spf !== null ? against : null,
    heatLossWPerK: roundOrNull(heatLossWPerK, 1),
    measuredHeatLossWPerK: roundOrNull(measured, 1),
    heatLossDays: measured === null ? 0 : days.length,
    assumptions,
    reason,
  } as const;
}

/**
 * Measured heat demand against the design's annual figure, degree-day normalised: over the
 * window's whole local days with a degree-day figure (outdoor readings in 75 % of the hours, as
 * insight counts them) and the heat meters' registers read in every hour (the last hour of the day
 * before included: a day that ends a gap carries the gap's heat), Σ heat / Σ HDD × the reference
 * year's degree days.
 */
function heatDemandOf(input: {
  installation: Installation;
  houseHeat: Term[];
  outdoorChannel: string | null;
  byHour: Map<string, Map<number, HourRollup>>;
  calendar: Calendar;
  from: number;
  to: number;
  annualDegreeDays: number;
}) {
  const { houseHeat, outdoorChannel, byHour, calendar, from, to, annualDegreeDays } = input;
  const design = input.installation.annualHeatDemandKwh ?? null;
  let heat = 0;
  let hdd = 0;
  let days = 0;
  let reason = '';
  if (houseHeat.length === 0) reason = 'no heat meter';
  else if (outdoorChannel === null)
    reason = 'no outdoor temperature sensor: no degree days to normalise the heat by';
  else {
    const outdoor = byHour.get(outdoorChannel);
    const heatRead = (hour: number) =>
      houseHeat.every((t) => (byHour.get(t.channelId)?.get(hour)?.count ?? 0) > 0);
    for (let day = calendar.dayOf(from); day < to; day = calendar.nextDay(day)) {
      const end = calendar.nextDay(day);
      if (day < from || end > to) continue;
      let sum = 0;
      let count = 0;
      let withData = 0;
      let complete = heatRead(day - HOUR);
      let dayHeat = 0;
      for (let hour = day; hour < end; hour += HOUR) {
        const r = outdoor?.get(hour);
        if (r && r.count > 0) {
          sum += r.sum;
          count += r.count;
          withData++;
        }
        complete &&= heatRead(hour);
        dayHeat += sumTerms(houseHeat, hour, byHour);
      }
      const value = dayHdd({
        date: calendar.date(day),
        meanC: count > 0 ? sum / count : Number.NaN,
        hoursWithData: withData,
        hours: Math.round((end - day) / HOUR),
      });
      if (value === null || !complete) continue;
      heat += dayHeat;
      hdd += value;
      days++;
    }
    if (hdd < HEAT_DEMAND_MIN_DEGREE_DAYS)
      reason = `needs at least ${HEAT_DEMAND_MIN_DEGREE_DAYS} heating degree days (base 15.5 °C) on whole days with outdoor and heat readings; the window has ${round(hdd, 1)} over ${days} days`;
  }
  const annual = reason === '' ? annualisedHeatKwh(heat, hdd, annualDegreeDays) : null;
  return {
    annualHeatDemandKwh: design,
    normalisedAnnualHeatKwh: roundOrNull(annual, 3),
    heatDemandRatio: annual !== null && design !== null ? round(annual / design, 3) : null,
    heatPerDegreeDayKwh: annual !== null ? round(heat / hdd, 3) : null,
    degreeDays: round(hdd, 2),
    degreeDayDays: days,
    annualDegreeDays,
    assumptions:
      annual !== null
        ? [
            `annual heat demand = heat per degree day × ${annualDegreeDays} K·day (base 15.5 °C); hot water and other weather-independent heat are scaled with the weather too, so a mild window overstates it`,
          ]
        : [],
    reason,
  };
}
