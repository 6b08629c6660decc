import type { QualityAlarms } from '../analytics/quality-intervals.js';
import { windowOf } from '../analytics/window.js';
import type { Scope } from '../auth/index.js';
import { type HomeRecords, monitoredFrom } from '../homes/index.js';
import type { RegionalWeatherSource } from '../regions/index.js';
import type { TelemetryQueries } from '../telemetry/index.js';
import { assembleAnswer } from './assemble.js';
import { channelsOf } from './channels.js';
import { carnotAndFlowOf, defrostOf, startsOf } from './conventions.js';
import { againstDesign, DEFAULT_ANNUAL_DEGREE_DAYS } from './design.js';
import { compressorStartThresholdW, type Period } from './formulas.js';
import { hoursOf } from './hours.js';
import { periodsAndWindowOf } from './quality.js';
import { loadReadings } from './readings.js';
import type { PerformanceAnswer, PerformanceQueryInput } from './schemas.js';
import { splitUnavailable } from './split.js';

export { CARNOT_CONVENTION } from './conventions.js';
export { DEFAULT_ANNUAL_DEGREE_DAYS } from './design.js';
export { PLAUSIBLE_DAILY_COP, PLAUSIBLE_SPF } from './plausible.js';

const DEFAULT_MIN_COVERAGE = 90;

export interface PerformanceDeps {
  homes: HomeRecords;
  /** a region's daily weather, for degree days without an outdoor sensor */
  weather: RegionalWeatherSource;
  telemetryQueries: TelemetryQueries;
  /** the data-quality alarms whose hours are left out (analytics/quality-intervals.ts) */
  qualityAlarms: QualityAlarms;
  now?: () => number;
}

/** Per-home performance: COP per period, SPF at a SEPEMO boundary, coverage, Carnot, cycling, design. */
export class PerformanceService {
  constructor(private readonly deps: PerformanceDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /**
   * The home's performance over the query's window, in stages (docs/performance.md): the boundary and
   * channels, the load, the window hour by hour, quality and figures per period, the running
   * figures (Carnot, flow, starts, defrost), against design, and the answer.
   */
  async homePerformance(
    scope: Scope,
    homeId: string,
    query: PerformanceQueryInput,
  ): Promise<PerformanceAnswer> {
    const { home, meters } = await this.deps.homes.withMeters(scope, homeId);
    const telemetry = this.deps.telemetryQueries;
    const calendar = await telemetry.calendarOf(home.agentId);
    const now = this.now();
    const { from, to } = windowOf(query, calendar, now);
    const period: Period = query.period ?? 'month';
    const minCoverage = query.minCoverage ?? DEFAULT_MIN_COVERAGE;

    const channels = channelsOf(meters, query);
    const readings = await loadReadings({
      telemetry,
      qualityAlarms: this.deps.qualityAlarms,
      homeId: home.id,
      meters,
      channels,
      from,
      to,
    });
    const hours = hoursOf({
      channels,
      readings,
      calendar,
      from,
      to,
      now,
      firstPossible: monitoredFrom(home, calendar),
    });
    const { periods, whole } = periodsAndWindowOf({
      hours,
      boundary: channels.boundary,
      hotWaterFlag: channels.hotWaterFlag,
      minCoverage,
      period,
      calendar,
      from,
      to,
    });
    const running = carnotAndFlowOf(hours, channels);
    const { installation } = home;
    const startThresholdW = query.startThresholdW ?? compressorStartThresholdW(installation.ratedCapacityKw);
    const starts = await startsOf({ telemetry, homeId: home.id, meters, from, to, startThresholdW });
    const defrost = defrostOf(channels.reverse, readings.rollups, from);
    const design = await againstDesign({
      homes: this.deps.homes,
      weather: this.deps.weather,
      home,
      meters,
      installation,
      spf: whole.ratio,
      hours,
      channels,
      byHour: readings.byHour,
      suspect: readings.suspect,
      calendar,
      from,
      until: Math.min(to, now),
      annualDegreeDays: query.annualDegreeDays ?? DEFAULT_ANNUAL_DEGREE_DAYS,
    });
    const unavailable = [
      ...splitUnavailable(whole.split, whole.totals, whole.quality, channels.boundary),
      ...running.unavailable,
      ...starts.unavailable,
      ...defrost.unavailable,
      ...design.unavailable,
    ];
    if (whole.ratio === null)
      unavailable.push({
        field: 'spf',
        reason: whole.quality.ok
          ? 'no electricity at the boundary'
          : whole.quality.reasons.map((r) => r.message).join('; '),
      });

    return assembleAnswer({
      homeId: home.id,
      from,
      to,
      timeZone: calendar.zone,
      period,
      minCoverage,
      channels,
      periods,
      whole,
      carnot: running.carnot,
      flowC: running.flowC,
      starts,
      startThresholdW,
      defrostKwh: defrost.defrostKwh,
      design: design.design,
      unavailable,
    });
  }
}
