import type { Kysely } from 'kysely';
import { dayHdd } from '../analytics/degree-days.js';
import type { DB } from '../db/schema.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { TariffsService } from '../tariffs/index.js';
import type { RegionsRepository } from './repository.js';
import type {
  ImportResult,
  IntensityQueryInput,
  IntensitySeries,
  RegionView,
  WeatherQueryInput,
  WeatherSeries,
} from './schemas.js';
import { parseWeatherCsv, regionalDay } from './weather.js';

export interface RegionsDeps {
  db: Kysely<DB>;
  /** The carbon intensity series are kept (and imported) by tariffs, which prices carbon with them. */
  tariffs: TariffsService;
  /** HEARTH_DEFAULT_REGION: always listed, and known even before anything is loaded for it. */
  defaultRegion: string;
}

const iso = (t: number) => new Date(t).toISOString();

function checkWindow<T extends string | number>(from: T | undefined, to: T | undefined) {
  if (from !== undefined && to !== undefined && to <= from) {
    throw new ApiError('validation_failed', 'to must be after from', {
      errors: [{ field: '/querystring/to', message: 'must be after from' }],
    });
  }
}

/**
 * Regions: the platform's regional series (daily weather for degree days, half-hourly grid carbon
 * intensity) that homes use by naming a region (docs/insight.md). Platform data: every caller may
 * read them; the operator loads them.
 */
export class RegionsService {
  constructor(
    private readonly repo: RegionsRepository,
    private readonly deps: RegionsDeps,
  ) {}

  /** The region's revision (0: the default region before anything is loaded), or 404. */
  private async requireKnown(region: string): Promise<number> {
    const revision = await this.repo.revision(region);
    if (revision !== undefined) return revision;
    if (region === this.deps.defaultRegion) return 0;
    throw new ApiError('not_found', `No region ${region}: nothing has been loaded for it`);
  }

  /**
   * Runs a load of the region's series in one transaction, after If-Match (the ETag of its GETs)
   * and moving its revision on; the region is created by its first load.
   */
  private load<T>(region: string, ifMatch: string | undefined, store: (trx: Kysely<DB>) => Promise<T>) {
    return this.deps.db.transaction().execute(async (trx) => {
      const revision = (await this.repo.revision(region, trx)) ?? 0;
      checkIfMatch(ifMatch, revision);
      const result = await store(trx);
      if (!(await this.repo.bump(region, revision, Date.now(), trx))) {
        throw new ApiError(
          'precondition_failed',
          `Region ${region} changed meanwhile: load the series again`,
        );
      }
      return { result, revision: revision + 1 };
    });
  }

  async list(): Promise<RegionView[]> {
    const [names, weather, carbon] = await Promise.all([
      this.repo.names(),
      this.repo.weatherSpans(),
      this.deps.tariffs.carbonIntensitySpans(),
    ]);
    const all = [...new Set([...names, this.deps.defaultRegion])].sort();
    return all.map((name) => {
      const w = weather.get(name);
      const c = carbon.get(name);
      return {
        name,
        isDefault: name === this.deps.defaultRegion,
        weather: w ? { first: w.first, last: w.last, days: w.count } : null,
        carbonIntensity: c ? { first: iso(c.first), last: iso(c.last), halfHours: c.count } : null,
      };
    });
  }

  /** Adds a daily weather CSV (parseWeatherCsv) to the region, all or nothing; a date again takes the new mean. */
  async putWeather(region: string, csv: string, ifMatch?: string): Promise<Versioned<ImportResult>> {
    const { points, problems } = await parseWeatherCsv(csv);
    if (problems.count > 0) throw problems.error();
    const { revision } = await this.load(region, ifMatch, (trx) =>
      this.repo.upsertWeather(region, points, trx),
    );
    const dates = points.map((p) => p.date).sort();
    return {
      view: { region, stored: points.length, first: dates[0] ?? null, last: dates.at(-1) ?? null },
      revision,
    };
  }

  async getWeather(region: string, query: WeatherQueryInput): Promise<Versioned<WeatherSeries>> {
    checkWindow(query.from, query.to);
    const revision = await this.requireKnown(region);
    const rows = await this.repo.weather(region, query.from);
    return {
      revision,
      view: {
        region,
        items: rows
          .filter((r) => query.to === undefined || r.date < query.to)
          .map((r) => ({
            date: r.date,
            meanC: r.mean_c,
            degreeDays: dayHdd(regionalDay(r.date, r.mean_c, 24)) ?? 0,
          })),
      },
    };
  }

  /** Adds a half-hourly carbon intensity CSV (docs/tariffs.md) to the region, all or nothing. */
  async putCarbonIntensity(region: string, csv: string, ifMatch?: string): Promise<Versioned<ImportResult>> {
    const { result: stored, revision } = await this.load(region, ifMatch, (trx) =>
      this.deps.tariffs.storeCarbonIntensity(region, csv, trx),
    );
    return {
      view: {
        region,
        stored: stored.stored,
        first: stored.first === null ? null : iso(stored.first),
        last: stored.last === null ? null : iso(stored.last),
      },
      revision,
    };
  }

  async getCarbonIntensity(region: string, query: IntensityQueryInput): Promise<Versioned<IntensitySeries>> {
    const from = query.from === undefined ? 0 : Date.parse(query.from);
    const to = query.to === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(query.to);
    checkWindow(from, to);
    const revision = await this.requireKnown(region);
    const series = await this.deps.tariffs.carbonIntensity(region, from, to);
    return {
      revision,
      view: {
        region,
        items: [...series].sort(([a], [b]) => a - b).map(([t, g]) => ({ time: iso(t), gPerKwh: g })),
      },
    };
  }

  /**
   * A region's daily means over local dates [fromDate, toDate], for the degree days of homes without
   * an outdoor sensor; null when the region has no weather at all (so no degree days, rather than none measured).
   */
  async dailyMeans(region: string, fromDate: string, toDate: string): Promise<Map<string, number> | null> {
    const rows = await this.repo.weather(region, fromDate, toDate);
    if (rows.length === 0 && !(await this.repo.hasWeather(region))) return null;
    return new Map(rows.map((r) => [r.date, r.mean_c]));
  }

  /** dailyMeans with the region it is of (RegionalWeatherSource, for insights and performance). */
  async regionalWeather(
    region: string,
    fromDate: string,
    toDate: string,
  ): Promise<{ region: string; means: Map<string, number> } | null> {
    const means = await this.dailyMeans(region, fromDate, toDate);
    return means ? { region, means } : null;
  }
}
