import { DateTime } from 'luxon';
import { HOUR, hourOf } from '../analytics/buckets.js';
import { round } from '../analytics/schemas.js';
import { invalidQuery } from '../analytics/window.js';
import type { Scope } from '../auth/index.js';
import { isoTime } from '../db/time.js';
import { type HomeRecords, type MeterView, monitoredFrom } from '../homes/index.js';
import type { InsightsService } from '../insights/index.js';
import type { PerformanceService } from '../performance/index.js';
import type { TelemetryQueries } from '../telemetry/index.js';
import type { MeterCoverage, MonthlyReport, MonthlyReportQueryInput } from './schemas.js';

export interface ReportsDeps {
  homes: HomeRecords;
  performance: PerformanceService;
  insights: InsightsService;
  telemetryQueries: TelemetryQueries;
  now?: () => number;
}

/** The longest gaps listed per meter (all are counted). */
const MAX_GAPS_LISTED = 10;

/**
 * Reports a home's installer can send. The monthly report is a document made of the figures the
 * performance and insight services state for the local month (never recomputed here), with the
 * home, its installation and the data quality of each meter.
 */
export class ReportsService {
  constructor(private readonly deps: ReportsDeps) {}

  async monthly(scope: Scope, homeId: string, query: MonthlyReportQueryInput): Promise<MonthlyReport> {
    // withMeters first: a home the caller may not see is 404 before the month is judged.
    const { home, meters } = await this.deps.homes.withMeters(scope, homeId);
    const telemetry = this.deps.telemetryQueries;
    const calendar = await telemetry.calendarOf(home.agentId);
    const now = this.deps.now?.() ?? Date.now();
    const monthText = query.month ?? DateTime.fromMillis(now, { zone: calendar.zone }).toFormat('yyyy-MM');
    const [year, month] = monthText.split('-').map(Number) as [number, number];
    const start = DateTime.fromObject({ year, month, day: 1 }, { zone: calendar.zone });
    const from = hourOf(start.toMillis());
    const to = hourOf(start.plus({ months: 1 }).toMillis());
    const firstPossible = monitoredFrom(home, calendar);
    if (from > now) throw invalidQuery('month', 'is in the future', `month ${monthText} has not begun yet`);
    if (to <= firstPossible)
      throw invalidQuery(
        'month',
        'is before the home was monitored',
        `month ${monthText} ends before the home could have readings (from ${calendar.date(calendar.dayOf(firstPossible))})`,
      );

    const window = { from: isoTime(from), to: isoTime(to) };
    const [performance, insight, coverage] = await Promise.all([
      this.deps.performance.homePerformance(scope, homeId, {
        ...window,
        period: query.period ?? 'week',
        ...(query.boundary !== undefined ? { boundary: query.boundary } : {}),
        ...(query.minCoverage !== undefined ? { minCoverage: query.minCoverage } : {}),
        ...(query.annualDegreeDays !== undefined ? { annualDegreeDays: query.annualDegreeDays } : {}),
      }),
      this.deps.insights.homeInsight(scope, homeId, { ...window, period: 'all' }),
      this.meterCoverage(home.id, meters, from, to, Math.max(firstPossible, from), now),
    ]);

    const property = home.address;
    return {
      kind: 'monthly',
      month: monthText,
      from: window.from,
      to: window.to,
      timeZone: calendar.zone,
      complete: to <= now,
      generatedAt: isoTime(now),
      home: {
        id: home.id,
        reference: home.reference,
        status: home.status,
        // The address and reference only: the occupant is personal data and never in a report.
        address: {
          addressLines: property.addressLines ?? [],
          town: property.town ?? null,
          postcode: property.postcode ?? null,
          country: property.country ?? null,
        },
      },
      installation: home.installation,
      performance,
      insight,
      dataQuality: { monitoredFrom: isoTime(firstPossible), meters: coverage },
    };
  }

  /**
   * Per meter: the hours of [from, to) since `since` and before now in which any of its channels
   * has a reading, and the runs of hours without one (gaps) at least twice its interval long.
   */
  private async meterCoverage(
    homeId: string,
    meters: MeterView[],
    from: number,
    to: number,
    since: number,
    now: number,
  ): Promise<MeterCoverage[]> {
    const ids = meters.flatMap((m) => m.channels.map((c) => c.id));
    const rollups = await this.deps.telemetryQueries.hourlyRollups(homeId, ids, from, to);
    return meters.map((meter) => {
      const withData = new Set<number>();
      for (const c of meter.channels)
        for (const r of rollups.get(c.id) ?? []) if (r.count > 0) withData.add(r.hour);
      const minGapHours = Math.max(1, Math.ceil((2 * meter.reading.intervalSeconds) / 3600));
      let hours = 0;
      let hoursWithData = 0;
      const gaps: { from: number; to: number; hours: number }[] = [];
      let gapStart: number | null = null;
      const closeGap = (end: number) => {
        if (gapStart === null) return;
        const length = Math.round((end - gapStart) / HOUR);
        if (length >= minGapHours) gaps.push({ from: gapStart, to: end, hours: length });
        gapStart = null;
      };
      for (let hour = from; hour < to; hour += HOUR) {
        // Hours before the home could have readings, and hours not yet begun, are not missing data.
        if (hour + HOUR <= since || hour >= now) {
          closeGap(hour);
          continue;
        }
        hours++;
        if (withData.has(hour)) {
          hoursWithData++;
          closeGap(hour);
        } else gapStart ??= hour;
      }
      closeGap(Math.min(to, hourOf(now) + HOUR));
      const listed = [...gaps]
        .sort((a, b) => b.hours - a.hours || a.from - b.from)
        .slice(0, MAX_GAPS_LISTED)
        .sort((a, b) => a.from - b.from);
      return {
        serial: meter.serial,
        kind: meter.kind,
        ...(meter.measures !== undefined ? { measures: meter.measures } : {}),
        ...(meter.location !== undefined ? { location: meter.location } : {}),
        intervalSeconds: meter.reading.intervalSeconds,
        hours,
        hoursWithData,
        percent: hours > 0 ? round((100 * hoursWithData) / hours, 1) : 0,
        gapCount: gaps.length,
        gapHours: gaps.reduce((n, g) => n + g.hours, 0),
        minGapHours,
        gaps: listed.map((g) => ({ from: isoTime(g.from), to: isoTime(g.to), hours: g.hours })),
      };
    });
  }
}
