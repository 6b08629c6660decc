import { HOUR } from '../analytics/buckets.js';
import { invalidQuery } from '../analytics/window.js';
import type { Scope } from '../auth/index.js';
import { isoTime } from '../db/time.js';
import type { ActiveAlarmCounts, AlarmsService } from '../faults/index.js';
import type { FleetHome, HomeRecords } from '../homes/index.js';
import { type PerformanceRow, type PortfolioService, pageOf } from '../portfolio/index.js';
import type { TelemetryQueries } from '../telemetry/index.js';
import { CONNECTIONS, type FleetAnswer, type FleetQueryInput, type FleetRow } from './schemas.js';

const DAY = 24 * HOUR;
/** The SPF window: the last 30 days up to now. */
const WINDOW_DAYS = 30;
/** How long a caller's SPF figures are reused: they move slowly, and computing them reads every home's rollups. */
const DEFAULT_CACHE_SECONDS = 60;
/** Cached callers at most (one entry per agent, or per group-restricted user). */
const CACHE_ENTRIES = 1000;

type Connection = FleetRow['connection'];
/** Worst last: a home is as bad as its worst meter. */
const CONNECTION_RANK: Record<Connection, number> = {
  online: 0,
  late: 1,
  offline: 2,
  never_seen: 3,
  decommissioned: 4,
};
const NO_ALARMS: ActiveAlarmCounts = { critical: 0, major: 0, minor: 0, warning: 0, total: 0 };

export interface FleetDeps {
  homes: HomeRecords;
  telemetryQueries: TelemetryQueries;
  alarms: AlarmsService;
  portfolio: PortfolioService;
  now?: () => number;
  /** Seconds a caller's SPF figures are reused (0: never). */
  cacheSeconds?: number;
}

interface SpfFigures {
  expires: number;
  window: { from: number; to: number };
  rows: Map<string, PerformanceRow>;
}

const isHeatPump = (technology: string | null) => technology?.endsWith('heat_pump') ?? false;
const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

type SortKey = string | number | number[] | null;

function compareKeys(x: SortKey, y: SortKey): number {
  if (typeof x === 'string' && typeof y === 'string') return collator.compare(x, y);
  if (Array.isArray(x) && Array.isArray(y)) {
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return 0;
  }
  return (x as number) - (y as number);
}

const SORT_KEY: Record<NonNullable<FleetQueryInput['sort']>, (row: FleetRow) => SortKey> = {
  reference: (r) => r.reference,
  town: (r) => r.town,
  postcode: (r) => r.postcode,
  technology: (r) => r.technology,
  manufacturer: (r) => r.manufacturer,
  model: (r) => r.model,
  lastReadingAt: (r) => (r.lastReadingAt === null ? null : Date.parse(r.lastReadingAt)),
  connection: (r) => CONNECTION_RANK[r.connection],
  alarms: (r) => [r.alarms.critical, r.alarms.major, r.alarms.minor, r.alarms.warning],
  spf: (r) => r.spf?.value ?? null,
  spfRatio: (r) => r.spf?.ratio ?? null,
};

/**
 * The fleet table: every home the caller may see with its connection, active alarms and SPF over
 * the last 30 days, filtered, counted, sorted and paged in memory from a few grouped reads (homes,
 * meters, meters' newest readings, alarm counts; SPF from the portfolio's performance rows, reused
 * for `cacheSeconds`).
 */
export class FleetService {
  private readonly cache = new Map<string, SpfFigures>();

  constructor(private readonly deps: FleetDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async page(scope: Scope, query: FleetQueryInput): Promise<FleetAnswer> {
    const connections = connectionsOf(query.connection);
    const { homes: all, inGroup } = await this.deps.homes.fleetHomes(scope, query.groupId);
    const facets = facetsOf(all);

    const q = query.q?.toLowerCase();
    const qPostcode = q?.replaceAll(/\s+/g, '');
    const manufacturer = query.manufacturer?.toLowerCase();
    const model = query.model?.toLowerCase();
    const candidates = all.filter(
      (h) =>
        (!inGroup || inGroup.has(h.id)) &&
        (!query.technology || h.technology === query.technology) &&
        (manufacturer === undefined || h.manufacturer?.toLowerCase() === manufacturer) &&
        (model === undefined || h.model?.toLowerCase() === model) &&
        (q === undefined ||
          h.reference.toLowerCase().includes(q) ||
          (h.postcode
            ?.replaceAll(' ', '')
            .toLowerCase()
            .includes(qPostcode as string) ??
            false) ||
          (h.town?.toLowerCase().includes(q) ?? false) ||
          h.street.toLowerCase().includes(q)),
    );

    const ids = candidates.map((h) => h.id);
    const [alarms, states, spf] = await Promise.all([
      this.deps.alarms.activeCounts(scope, ids),
      this.deps.telemetryQueries.meterStates(candidates.map((h) => ({ homeId: h.id, meters: h.meters }))),
      this.spfFigures(scope, all),
    ]);

    const counts = { online: 0, late: 0, offline: 0, never_seen: 0, decommissioned: 0 };
    const rows: FleetRow[] = [];
    for (const home of candidates) {
      const alarmCounts = alarms.get(home.id) ?? NO_ALARMS;
      if (query.hasActiveAlarms !== undefined && alarmCounts.total > 0 !== query.hasActiveAlarms) continue;
      let worst: Connection = home.meters.length === 0 ? 'never_seen' : 'online';
      let last: number | null = null;
      for (const meter of home.meters) {
        const state = states.get(meter.id);
        if (!state) continue;
        if (CONNECTION_RANK[state.state] > CONNECTION_RANK[worst]) worst = state.state;
        if (state.lastT !== null && (last === null || state.lastT > last)) last = state.lastT;
      }
      const connection: Connection = home.status === 'decommissioned' ? 'decommissioned' : worst;
      counts[connection] += 1;
      if (connections && !connections.has(connection)) continue;
      const figures = spf.rows.get(home.id);
      rows.push({
        id: home.id,
        reference: home.reference,
        status: home.status,
        town: home.town,
        postcode: home.postcode,
        technology: home.technology,
        manufacturer: home.manufacturer,
        model: home.model,
        lastReadingAt: last === null ? null : isoTime(last),
        connection,
        alarms: { ...alarmCounts },
        spf: isHeatPump(home.technology)
          ? {
              value: figures?.spf ?? null,
              design: figures?.designSpf ?? null,
              ratio: figures?.spfRatio ?? null,
              boundary: (figures?.boundary ?? null) as NonNullable<FleetRow['spf']>['boundary'],
              coveragePercent: figures?.coveragePercent ?? null,
            }
          : null,
      });
    }

    const key = SORT_KEY[query.sort ?? 'reference'];
    const sign = query.order === 'desc' ? -1 : 1;
    const keyed = rows.map((row) => ({ row, key: key(row) }));
    keyed.sort((a, b) => {
      if (a.key === null || b.key === null) {
        if (a.key !== b.key) return a.key === null ? 1 : -1;
      } else {
        const c = compareKeys(a.key, b.key);
        if (c !== 0) return sign * c;
      }
      return collator.compare(a.row.reference, b.row.reference) || (a.row.id < b.row.id ? -1 : 1);
    });
    const page = pageOf(
      keyed.map((k) => k.row),
      query.limit,
      query.cursor,
    );
    return {
      ...page,
      total: rows.length,
      counts,
      facets,
      window: { from: isoTime(spf.window.from), to: isoTime(spf.window.to) },
    };
  }

  /**
   * Each visible heat pump home's performance row over the last 30 days, per agent of the homes,
   * reused for `cacheSeconds` by the same caller's visibility (an agent; or one group-restricted
   * user). A home the entry does not know (just created) makes it be computed again.
   */
  private async spfFigures(scope: Scope, homes: FleetHome[]): Promise<SpfFigures> {
    const now = this.now();
    const seesAll = scope.role === 'operator' || scope.role === 'admin' || scope.homeAccess === 'all';
    const key = `${scope.agentId ?? '*'}|${seesAll ? '*' : scope.userId}`;
    const pumps = homes.filter((h) => isHeatPump(h.technology));
    const cached = this.cache.get(key);
    if (cached && cached.expires > now && pumps.every((h) => cached.rows.has(h.id))) return cached;

    // 30 days of whole UTC hours, the last one the hour now is in (hourly rollups hold whole hours).
    const to = Math.ceil(now / HOUR) * HOUR;
    const window = { from: to - WINDOW_DAYS * DAY, to };
    const agents = new Set(pumps.map((h) => h.agentId));
    const rows = new Map<string, PerformanceRow>();
    for (const agentId of agents) {
      const answer = await this.deps.portfolio.spfRows(scope, agentId, {
        from: isoTime(window.from),
        to: isoTime(window.to),
      });
      for (const row of answer.rows) rows.set(row.homeId, row);
    }
    const figures: SpfFigures = {
      expires: now + (this.deps.cacheSeconds ?? DEFAULT_CACHE_SECONDS) * 1000,
      window,
      rows,
    };
    if (this.cache.size >= CACHE_ENTRIES) this.cache.clear();
    this.cache.set(key, figures);
    return figures;
  }
}

/** `?connection=online,late`: the states asked for; a word that is none is a 400 naming the parameter. */
function connectionsOf(text: string | undefined): Set<Connection> | undefined {
  if (text === undefined) return undefined;
  const words = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = words.filter((w) => !(CONNECTIONS as readonly string[]).includes(w));
  if (words.length === 0 || unknown.length > 0) {
    throw invalidQuery(
      'connection',
      `must list some of ${CONNECTIONS.join(', ')}`,
      words.length === 0
        ? 'connection is empty: name some of online, late, offline, never_seen, or leave it out'
        : `connection: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not one of ${CONNECTIONS.join(', ')}`,
    );
  }
  return new Set(words as Connection[]);
}

/** The technologies, manufacturers and their models among the homes, sorted. */
function facetsOf(homes: FleetHome[]): FleetAnswer['facets'] {
  const technologies = new Set<string>();
  const models = new Map<string, Set<string>>();
  for (const h of homes) {
    if (h.technology) technologies.add(h.technology);
    if (h.manufacturer) {
      let set = models.get(h.manufacturer);
      if (!set) {
        set = new Set();
        models.set(h.manufacturer, set);
      }
      if (h.model) set.add(h.model);
    }
  }
  return {
    technologies: [...technologies].sort(collator.compare),
    manufacturers: [...models.keys()].sort(collator.compare).map((manufacturer) => ({
      manufacturer,
      models: [...(models.get(manufacturer) as Set<string>)].sort(collator.compare),
    })),
  };
}
