import type { AgentsService } from '../agents/index.js';
import { HOUR, hourOf } from '../analytics/buckets.js';
import { type QualityAlarms, SuspectHours } from '../analytics/quality-intervals.js';
import { round } from '../analytics/schemas.js';
import { invalidQuery, windowOf } from '../analytics/window.js';
import type { Scope } from '../auth/index.js';
import { isoTime } from '../db/time.js';
import type { HomeBasics, HomeRecords, MeterView } from '../homes/index.js';
import { ApiError } from '../http/errors.js';
import { GAS_KWH_PER_M3, sourcesOf } from '../insights/index.js';
import {
  type Boundary,
  type BoundaryLevel,
  boundaryTerms,
  PLAUSIBLE_SPF,
  supportedBoundaries,
} from '../performance/index.js';
import type { TelemetryQueries } from '../telemetry/index.js';
import type {
  Distribution,
  InsightRow,
  PerformanceRow,
  PortfolioInsight,
  PortfolioInsightQueryInput,
  PortfolioPerformance,
  PortfolioPerformanceQueryInput,
} from './schemas.js';
import { quartiles } from './stats.js';

const DEFAULT_MIN_COVERAGE = 90;
const DEFAULT_INTERVAL_SECONDS = 60;
const BELOW_DESIGN_ROWS = 10;
/** The heat meters' channel whose heat-weighted mean is each row's flowTemperatureC. */
const FLOW_KEY = 'flow_temperature';

/**
 * The (flow_temperature, heat_energy) channel pairs of a home's heat meters: each meter's flow
 * temperature is weighted by its own heat. Meters without either channel give none.
 */
function flowPairs(meters: MeterView[]): { channelId: string; registerId: string }[] {
  const pairs: { channelId: string; registerId: string }[] = [];
  for (const m of meters) {
    if (m.kind !== 'heat_meter') continue;
    const flow = m.channels.find((c) => c.key === FLOW_KEY && c.kind === 'instantaneous');
    const heat = m.channels.find((c) => c.key === 'heat_energy' && c.kind === 'register');
    if (flow && heat) pairs.push({ channelId: flow.id, registerId: heat.id });
  }
  return pairs;
}

export interface PortfolioDeps {
  agents: Pick<AgentsService, 'findById'>;
  homes: HomeRecords;
  telemetryQueries: TelemetryQueries;
  /** the data-quality alarms whose hours are left out (analytics/quality-intervals.ts) */
  qualityAlarms: QualityAlarms;
  now?: () => number;
}

type Totals = Map<string, { delta: number; count: number }>;

/** A page of rows sorted in memory: the cursor is the offset of the next row, opaque to clients. */
export function pageOf<T>(rows: T[], limit: number, cursor: string | undefined) {
  let offset = 0;
  if (cursor !== undefined) {
    const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!match)
      throw invalidQuery('cursor', 'is not a valid cursor', 'The cursor is not one this server gave out');
    offset = Number(match[1]);
  }
  const items = rows.slice(offset, offset + limit);
  const next = offset + limit < rows.length ? Buffer.from(`o:${offset + limit}`).toString('base64url') : null;
  return { items, nextCursor: next };
}

/** Sorts by one figure, nulls last whatever the order; ties by reference, then id. */
function sortBy<T extends { reference: string; homeId: string }>(
  rows: T[],
  figure: (row: T) => number | null,
  order: 'asc' | 'desc',
): T[] {
  const sign = order === 'asc' ? 1 : -1;
  return rows.sort((a, b) => {
    const x = figure(a);
    const y = figure(b);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else if (x !== y) return sign * (x - y);
    return a.reference.localeCompare(b.reference) || a.homeId.localeCompare(b.homeId);
  });
}

const distribution = (values: (number | null)[], decimals: number): Distribution => {
  const q = quartiles(values.filter((v): v is number => v !== null));
  if (!q) return null;
  return {
    min: round(q.min, decimals),
    q1: round(q.q1, decimals),
    median: round(q.median, decimals),
    q3: round(q.q3, decimals),
    max: round(q.max, decimals),
  };
};

/** League tables across an agent's homes, from rollup totals: one grouped query, not one per home. */
export class PortfolioService {
  constructor(private readonly deps: PortfolioDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /**
   * The agent, window, homes and the source of the totals. The default window is the 30 whole local
   * days ending with today, so it is read from the daily rollups.
   */
  private async prepare(
    scope: Scope,
    query: PortfolioInsightQueryInput | PortfolioPerformanceQueryInput,
    alsoKeys: string[] = [],
  ) {
    const agentId = scope.role === 'operator' ? query.agentId : (query.agentId ?? scope.agentId);
    if (!agentId) throw invalidQuery('agentId', 'is required for the operator', 'Name the agent: ?agentId=');
    // Another agent is the same 404 as one that does not exist: its existence is not disclosed.
    if (
      (scope.role !== 'operator' && agentId !== scope.agentId) ||
      !(await this.deps.agents.findById(agentId))
    )
      throw new ApiError('not_found', `No agent ${agentId}`);
    const telemetry = this.deps.telemetryQueries;
    const calendar = await telemetry.calendarOf(agentId);
    const now = this.now();
    const endOfToday = calendar.nextDay(calendar.dayOf(now));
    const { from, to } = windowOf({ from: query.from, to: query.to ?? isoTime(endOfToday) }, calendar, now);
    const wholeDays = calendar.dayOf(from) === from && calendar.dayOf(to) === to;
    const resolution: 'day' | 'hour' = wholeDays ? 'day' : 'hour';
    const homes = await this.deps.homes.listWithRegisters(
      scope,
      agentId,
      { technology: query.technology, groupId: query.group },
      alsoKeys,
    );
    const totals = async (channelIds: string[]): Promise<Totals> =>
      telemetry.registerTotals(channelIds, from, to, resolution);
    const heatWeighted = (pairs: { channelId: string; registerId: string }[]) =>
      telemetry.heatWeightedMeans(pairs, from, to, resolution);
    return { agentId, calendar, from, to, now, resolution, homes, totals, heatWeighted, telemetry };
  }

  /**
   * Each home's SPF row (boundary, heat, electricity, SPF, coverage, against design) of one agent's
   * homes the caller may see over [from, to) (RFC 3339; rounded to whole UTC hours as the
   * performance table's window is): what `GET /portfolio/performance` answers for the same window,
   * without sorting or paging, and without the flow temperature (the fleet table).
   */
  async spfRows(
    scope: Scope,
    agentId: string,
    window: { from: string; to: string },
  ): Promise<{ from: number; to: number; rows: PerformanceRow[] }> {
    // The fleet shows no flow temperature: its rows skip that query (flowTemperatureC is null).
    const prepared = await this.prepare(scope, { agentId, ...window, limit: 1 });
    return { from: prepared.from, to: prepared.to, rows: await this.performanceRows(prepared, {}) };
  }

  /** The rows of the performance table, unsorted. */
  private async performanceRows(
    {
      from,
      to,
      now,
      homes,
      totals,
      heatWeighted,
      telemetry,
    }: Awaited<ReturnType<PortfolioService['prepare']>>,
    query: Pick<PortfolioPerformanceQueryInput, 'minCoverage' | 'boundary'>,
  ): Promise<PerformanceRow[]> {
    const minCoverage = query.minCoverage ?? DEFAULT_MIN_COVERAGE;
    const elapsedSeconds = Math.max(0, (Math.min(to, now) - from) / 1000);

    const stated: { home: HomeBasics; meters: MeterView[]; boundary: Boundary | null }[] = [];
    for (const { home, meters } of homes) {
      const support = supportedBoundaries(meters);
      if (query.boundary !== undefined && !support.levels.includes(query.boundary)) continue;
      const level: BoundaryLevel | undefined = query.boundary ?? support.levels.at(-1);
      stated.push({ home, meters, boundary: level ? boundaryTerms(meters, level) : null });
    }
    const channelIds = stated.flatMap((s) =>
      s.boundary ? [...s.boundary.heat, ...s.boundary.electricity].map((t) => t.channelId) : [],
    );
    const sums = await totals([...new Set(channelIds)]);
    const leftOut = await this.suspectTotals(stated, from, Math.min(to, now), telemetry);
    // Each home's heat-weighted flow temperature: Σ heat × mean flow / Σ heat over its heat meters' buckets.
    const pairsOf = new Map(stated.map(({ home, meters }) => [home.id, flowPairs(meters)]));
    const means = new Map(
      (await heatWeighted([...pairsOf.values()].flat())).map((r) => [`${r.channelId} ${r.registerId}`, r]),
    );
    const flowOf = (homeId: string): number | null => {
      let heat = 0;
      let weighted = 0;
      for (const p of pairsOf.get(homeId) ?? []) {
        const mean = means.get(`${p.channelId} ${p.registerId}`);
        if (!mean) continue;
        heat += mean.heatKwh;
        weighted += mean.weighted;
      }
      return heat > 0 ? round(weighted / heat, 2) : null;
    };

    const rows: PerformanceRow[] = stated.map(({ home, meters, boundary }) => {
      const { installation } = home;
      const designSpf = installation.designSpf ?? installation.designScop ?? null;
      const base = {
        homeId: home.id,
        reference: home.reference,
        technology: home.technology,
        designSpf,
        flowTemperatureC: flowOf(home.id),
      };
      if (!boundary)
        return {
          ...base,
          boundary: null,
          heatKwh: null,
          electricityKwh: null,
          spf: null,
          spfWithheld: 'no_boundary' as const,
          coveragePercent: null,
          suspectHours: 0,
          spfRatio: null,
        };
      // Totals less what the hours under data-quality alarms read (suspectTotals).
      const total = (channelId: string) => {
        const all = sums.get(channelId);
        const out = leftOut.channels.get(channelId);
        return { delta: (all?.delta ?? 0) - (out?.delta ?? 0), count: (all?.count ?? 0) - (out?.count ?? 0) };
      };
      const sum = (terms: Boundary['heat']) =>
        terms.reduce((n, t) => n + t.sign * total(t.channelId).delta, 0);
      const heat = sum(boundary.heat);
      const electricity = sum(boundary.electricity);
      // The least-covered register: readings counted over readings its meter's interval expects.
      const intervalOf = new Map<string, number>();
      for (const m of meters)
        for (const c of m.channels)
          intervalOf.set(c.id, m.reading.intervalSeconds || DEFAULT_INTERVAL_SECONDS);
      let coverage = 100;
      for (const t of [...boundary.heat, ...boundary.electricity]) {
        const expected = elapsedSeconds / (intervalOf.get(t.channelId) ?? DEFAULT_INTERVAL_SECONDS);
        const percent = expected > 0 ? (100 * total(t.channelId).count) / expected : 0;
        coverage = Math.min(coverage, percent);
      }
      const figure = electricity > 0 ? heat / electricity : null;
      const spfWithheld =
        coverage < minCoverage
          ? ('low_coverage' as const)
          : figure === null
            ? ('no_electricity' as const)
            : figure < PLAUSIBLE_SPF.min || figure > PLAUSIBLE_SPF.max
              ? ('implausible_spf' as const)
              : null;
      const spf = spfWithheld === null && figure !== null ? round(figure, 3) : null;
      return {
        ...base,
        boundary: boundary.level,
        heatKwh: round(heat, 3),
        electricityKwh: round(electricity, 3),
        spf,
        spfWithheld,
        coveragePercent: round(coverage, 1),
        suspectHours: leftOut.hours.get(home.id) ?? 0,
        spfRatio: spf !== null && designSpf ? round(spf / designSpf, 3) : null,
      };
    });
    return rows;
  }

  /**
   * What the hours under data-quality alarms read, per register, to take off the totals: the alarms
   * of every home in one query (per 500 homes), then the hourly rollups of the flagged hours of the
   * few homes that have any (a query per such home, over the span of its flagged hours).
   */
  private async suspectTotals(
    stated: { home: HomeBasics; meters: MeterView[]; boundary: Boundary | null }[],
    from: number,
    until: number,
    telemetry: TelemetryQueries,
  ): Promise<{ channels: Totals; hours: Map<string, number> }> {
    const channels: Totals = new Map();
    const hours = new Map<string, number>();
    const withBoundary = stated.filter((s) => s.boundary !== null);
    if (until <= from || withBoundary.length === 0) return { channels, hours };
    const alarms = await this.deps.qualityAlarms.forHomes(
      withBoundary.map((s) => s.home.id),
      from,
      until,
    );
    for (const { home, meters, boundary } of withBoundary) {
      const list = alarms.get(home.id);
      if (!list || !boundary) continue;
      const registers = [...new Set([...boundary.heat, ...boundary.electricity].map((t) => t.channelId))];
      const suspect = new SuspectHours(list, meters, from, until);
      const flagged = new Set<number>();
      for (let hour = hourOf(from); hour < until; hour += HOUR)
        if (suspect.causeOf(registers, hour)) flagged.add(hour);
      if (flagged.size === 0) continue;
      hours.set(home.id, flagged.size);
      const first = Math.min(...flagged);
      const last = Math.max(...flagged);
      const rows = await telemetry.hourlyRollups(home.id, registers, first, last + HOUR);
      for (const [channelId, list] of rows)
        for (const r of list) {
          if (!flagged.has(r.hour)) continue;
          const known = channels.get(channelId) ?? { delta: 0, count: 0 };
          known.delta += r.delta;
          known.count += r.count;
          channels.set(channelId, known);
        }
    }
    return { channels, hours };
  }

  /** The league table by SPF, coverage and consumption; `all` is every row (for CSV), `items` one page. */
  async performance(
    scope: Scope,
    query: PortfolioPerformanceQueryInput,
  ): Promise<PortfolioPerformance & { all: PerformanceRow[] }> {
    const prepared = await this.prepare(scope, query, [FLOW_KEY]);
    const { agentId, calendar, from, to, resolution } = prepared;
    const minCoverage = query.minCoverage ?? DEFAULT_MIN_COVERAGE;
    const rows = await this.performanceRows(prepared, query);

    const sort = query.sort ?? 'spf';
    const figure: Record<typeof sort, (r: PerformanceRow) => number | null> = {
      spf: (r) => r.spf,
      coverage: (r) => r.coveragePercent,
      electricity: (r) => r.electricityKwh,
      heat: (r) => r.heatKwh,
      belowDesign: (r) => r.spfRatio,
    };
    sortBy(rows, figure[sort], query.order ?? (sort === 'belowDesign' ? 'asc' : 'desc'));
    const belowDesign = sortBy(
      rows.filter((r) => r.spfRatio !== null && r.spfRatio < 1),
      (r) => r.spfRatio,
      'asc',
    ).slice(0, BELOW_DESIGN_ROWS);
    const page = pageOf(rows, query.limit, query.cursor);
    return {
      agentId,
      from: isoTime(from),
      to: isoTime(to),
      timeZone: calendar.zone,
      resolution,
      minCoveragePercent: minCoverage,
      summary: {
        homes: rows.length,
        withSpf: rows.filter((r) => r.spf !== null).length,
        spf: distribution(
          rows.map((r) => r.spf),
          3,
        ),
        coverage: distribution(
          rows.map((r) => r.coveragePercent),
          1,
        ),
        electricity: distribution(
          rows.map((r) => r.electricityKwh),
          3,
        ),
        heat: distribution(
          rows.map((r) => r.heatKwh),
          3,
        ),
        spfRatio: distribution(
          rows.map((r) => r.spfRatio),
          3,
        ),
        flowTemperature: distribution(
          rows.map((r) => r.flowTemperatureC),
          2,
        ),
      },
      belowDesign,
      ...page,
      all: rows,
    };
  }

  /** Energy per home (electricity, heat, gas, PV) with distributions; `all` is every row. */
  async insight(
    scope: Scope,
    query: PortfolioInsightQueryInput,
  ): Promise<PortfolioInsight & { all: InsightRow[] }> {
    const { agentId, calendar, from, to, resolution, homes, totals } = await this.prepare(scope, query);
    const sources = homes.map(({ home, meters }) => ({ home, sources: sourcesOf(meters) }));
    const sums = await totals(
      sources.flatMap(({ sources: s }) => [
        ...s.electricity.channels,
        ...s.heat.channels,
        ...s.gas.channels,
        ...s.pv.channels,
      ]),
    );
    const energy = (channels: string[], factor = 1): number | null =>
      channels.length === 0
        ? null
        : round(channels.reduce((total, id) => total + (sums.get(id)?.delta ?? 0), 0) * factor, 3);
    const rows: InsightRow[] = sources.map(({ home, sources: s }) => ({
      homeId: home.id,
      reference: home.reference,
      technology: home.technology,
      electricityKwh: energy(s.electricity.channels),
      heatKwh: energy(s.heat.channels),
      gasKwh: energy(s.gas.channels, GAS_KWH_PER_M3),
      pvKwh: energy(s.pv.channels),
    }));
    const sort = query.sort ?? 'electricity';
    const figure: Record<typeof sort, (r: InsightRow) => number | null> = {
      electricity: (r) => r.electricityKwh,
      heat: (r) => r.heatKwh,
      gas: (r) => r.gasKwh,
      pv: (r) => r.pvKwh,
    };
    sortBy(rows, figure[sort], query.order ?? 'desc');
    return {
      agentId,
      from: isoTime(from),
      to: isoTime(to),
      timeZone: calendar.zone,
      resolution,
      summary: {
        homes: rows.length,
        electricity: distribution(
          rows.map((r) => r.electricityKwh),
          3,
        ),
        heat: distribution(
          rows.map((r) => r.heatKwh),
          3,
        ),
        gas: distribution(
          rows.map((r) => r.gasKwh),
          3,
        ),
        pv: distribution(
          rows.map((r) => r.pvKwh),
          3,
        ),
      },
      ...pageOf(rows, query.limit, query.cursor),
      all: rows,
    };
  }
}
