import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  CreateTelemetryExclusionInput,
  LatestTelemetry,
  Page,
  PushResult,
  QueryOf,
  ReadingInput,
  TelemetryExclusion,
  TelemetryExclusionListQuery,
  TelemetryQuery,
  TelemetrySeries,
} from '../types.js';

/** The most readings one push may hold; the server answers 413 (PayloadTooLargeError) beyond it. */
export const MAX_READINGS_PER_PUSH = 10_000;

/** A query as the route's parameters: channels joined by commas, Dates as RFC 3339 UTC. */
function queryParams(query: TelemetryQuery): QueryOf<'/homes/{id}/telemetry', 'get'> {
  const params: QueryOf<'/homes/{id}/telemetry', 'get'> = {};
  const { channels, from, to, resolution, agg, points, includeExcluded } = query;
  if (channels !== undefined) params.channels = typeof channels === 'string' ? channels : channels.join(',');
  if (from !== undefined) params.from = from instanceof Date ? from.toISOString() : from;
  if (to !== undefined) params.to = to instanceof Date ? to.toISOString() : to;
  if (resolution !== undefined) params.resolution = resolution;
  if (agg !== undefined) params.agg = agg;
  if (points !== undefined) params.points = points;
  if (includeExcluded !== undefined) params.includeExcluded = includeExcluded;
  return params;
}

/** `/telemetry` and `/homes/{id}/telemetry…`: push readings, read them back, export them as CSV. */
export class TelemetryResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * Pushes up to 10,000 readings (`MAX_READINGS_PER_PUSH`) in one request: a gateway for its own
   * home's channels, an admin or editor to import. The answer counts what was `stored` (durably
   * committed) and what were `duplicates`, and lists each `refused` reading with its `index` in
   * `readings`, a `reason` (`unknown_channel`, `time_in_future`, `before_channel`,
   * `conflicting_value`, …) and a `detail`. A refusal is not an error: the others are stored. A
   * value that is not a finite number cannot be sent at all (JSON has no NaN or Infinity): the
   * whole request is refused with InvalidRequestError, so check values first.
   *
   * Safe to send again: the server stores a reading once per channel and time, and counts a
   * re-sent one as a duplicate. So, unlike other POSTs, a push is retried after a network failure
   * or a 503 (up to `maxRetries`), and you may re-send a push whose answer you never got.
   */
  async push(readings: readonly ReadingInput[], options: RequestOptions = {}): Promise<PushResult> {
    const body = {
      readings: readings.map((r) => ({
        channelId: r.channelId,
        time: r.time instanceof Date ? r.time.toISOString() : r.time,
        value: r.value,
      })),
    };
    return (await this.client.request('post', '/telemetry', { ...options, body, idempotent: true })).data;
  }

  /**
   * A home's readings: raw (the default) or in buckets (`resolution` 5m, 15m, hour, day, month; day
   * and month follow the agent's time zone) aggregated by `agg` (avg, min, max, sum, last, delta;
   * default delta for registers, avg otherwise), for `channels` (default all), from `from`
   * (inclusive, default `to` minus a day) to `to` (exclusive, default now). Raises
   * InvalidRequestError `too_many_points` when the answer would be larger than the server's limit.
   *
   * For charts give `points` (10–5000) instead of `resolution` and `agg`: the server picks a round
   * bucket width (answered as `bucketSeconds`, with `resolution: 'auto'`) so that each channel has
   * at most that many points, each with `value` (mean, or a register's consumption), `min`, `max`,
   * `first`, `last` and `count`. With `resolution` or `agg` too it raises InvalidRequestError.
   *
   * Readings under an exclusion (see `exclude`) are left out; `includeExcluded: true` counts them
   * too, and marks each such raw reading `excluded: true`.
   */
  async query(
    homeId: string,
    query: TelemetryQuery = {},
    options: RequestOptions = {},
  ): Promise<TelemetrySeries> {
    return (
      await this.client.request('get', '/homes/{id}/telemetry', {
        ...options,
        params: { id: homeId },
        query: queryParams(query),
      })
    ).data;
  }

  /**
   * The same query as CSV text (RFC 4180, CRLF line ends): a header `channelId,key,unit,time,value`
   * and one row per point, channel by channel. `hearth telemetry import` reads it back.
   */
  async exportCsv(homeId: string, query: TelemetryQuery = {}, options: RequestOptions = {}): Promise<string> {
    const { data } = await this.client.request('get', '/homes/{id}/telemetry', {
      ...options,
      headers: { ...options.headers, accept: 'text/csv' },
      params: { id: homeId },
      query: queryParams(query),
    });
    return typeof data === 'string' ? data : '';
  }

  /**
   * The CSV export as a stream of UTF-8 bytes, to write to a file without holding it whole:
   * `Readable.fromWeb(await hearth.telemetry.exportCsvStream(id, q)).pipe(createWriteStream(f))`.
   */
  async exportCsvStream(
    homeId: string,
    query: TelemetryQuery = {},
    options: RequestOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    return (
      await this.client.stream('get', '/homes/{id}/telemetry', {
        ...options,
        headers: { ...options.headers, accept: 'text/csv' },
        params: { id: homeId },
        query: queryParams(query),
      })
    ).data;
  }

  /**
   * The newest reading of each of a home's channels (`time` and `value` null while it has none)
   * that no exclusion covers; with `includeExcluded: true` the newest stored, marked `excluded`.
   */
  async latest(
    homeId: string,
    options: RequestOptions = {},
    query: { includeExcluded?: boolean } = {},
  ): Promise<LatestTelemetry> {
    return (
      await this.client.request('get', '/homes/{id}/telemetry/latest', {
        ...options,
        params: { id: homeId },
        ...(query.includeExcluded !== undefined ? { query: { includeExcluded: query.includeExcluded } } : {}),
      })
    ).data;
  }

  /** A home's exclusions of readings, oldest first (`channelId` for one channel's), page after page. */
  exclusions(
    homeId: string,
    query: TelemetryExclusionListQuery = {},
    options: RequestOptions = {},
  ): PageIterator<TelemetryExclusion> {
    return new PageIterator((cursor) =>
      this.exclusionsPage(homeId, { ...query, ...(cursor ? { cursor } : {}) }, options),
    );
  }

  /** One page of a home's exclusions; pass the previous page's `nextCursor` as `cursor` for the next. */
  async exclusionsPage(
    homeId: string,
    query: TelemetryExclusionListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<TelemetryExclusion>> {
    return (
      await this.client.request('get', '/homes/{id}/telemetry/exclusions', {
        ...options,
        params: { id: homeId },
        query,
      })
    ).data;
  }

  async exclusion(
    homeId: string,
    exclusionId: string,
    options: RequestOptions = {},
  ): Promise<TelemetryExclusion> {
    return (
      await this.client.request('get', '/homes/{id}/telemetry/exclusions/{exclusionId}', {
        ...options,
        params: { id: homeId, exclusionId },
      })
    ).data;
  }

  /**
   * Excludes a channel's readings over [`from`, `to`) with a `reason` (admins and editors): they
   * stay stored but leave the rollups, queries, analytics and fault rules, and a register's rise
   * over the range lands on the first reading after it, as over a gap. `to` may reach a year ahead
   * (readings still to come are excluded as they arrive). The same channel and range again answers
   * the existing exclusion; with another reason it raises ConflictError. A bad range, reason or a
   * channel of another home raises InvalidRequestError naming the field.
   */
  async exclude(
    homeId: string,
    input: CreateTelemetryExclusionInput,
    options: RequestOptions = {},
  ): Promise<TelemetryExclusion> {
    const body = {
      ...input,
      from: input.from instanceof Date ? input.from.toISOString() : input.from,
      to: input.to instanceof Date ? input.to.toISOString() : input.to,
    };
    return (
      await this.client.request('post', '/homes/{id}/telemetry/exclusions', {
        ...options,
        params: { id: homeId },
        body,
      })
    ).data;
  }

  /** Removes an exclusion (admins and editors): its readings count again, exactly as before. */
  async removeExclusion(homeId: string, exclusionId: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/homes/{id}/telemetry/exclusions/{exclusionId}', {
      ...options,
      params: { id: homeId, exclusionId },
    });
  }
}
