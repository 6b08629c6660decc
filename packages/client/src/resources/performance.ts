import type { HearthClient, RequestOptions } from '../client.js';
import type { Performance, PerformanceQuery, QueryOf } from '../types.js';

/** A query as the route's parameters: Dates as RFC 3339 UTC. */
function queryParams(query: PerformanceQuery): QueryOf<'/homes/{id}/performance', 'get'> {
  const { from, to, ...rest } = query;
  return {
    ...rest,
    ...(from !== undefined ? { from: from instanceof Date ? from.toISOString() : from } : {}),
    ...(to !== undefined ? { to: to instanceof Date ? to.toISOString() : to } : {}),
  };
}

/** `/homes/{id}/performance`: a heat pump's COP per period and SPF over a window (docs/performance.md). */
export class PerformanceResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * A home's performance from `from` (inclusive, rounded down to its UTC hour; default local
   * midnight 29 days ago) to `to` (exclusive, default now), per `period` (day, week, month, year,
   * all; default month) at the SEPEMO `boundary` (H1-H4; default the widest the meters support).
   * COP and SPF are null, with `quality.reasons`, where fewer than `minCoverage` percent of hours
   * (default 90) have data. The window adds % of Carnot, flow temperature, starts and the design
   * comparison. Raises NotFoundError for a home you cannot see.
   */
  async get(
    homeId: string,
    query: PerformanceQuery = {},
    options: RequestOptions = {},
  ): Promise<Performance> {
    return (
      await this.client.request('get', '/homes/{id}/performance', {
        ...options,
        params: { id: homeId },
        query: queryParams(query),
      })
    ).data;
  }

  /** The periods table of the same query as CSV text (RFC 4180, CRLF line ends), one row per period. */
  async exportCsv(
    homeId: string,
    query: PerformanceQuery = {},
    options: RequestOptions = {},
  ): Promise<string> {
    const { data } = await this.client.request('get', '/homes/{id}/performance', {
      ...options,
      headers: { ...options.headers, accept: 'text/csv' },
      params: { id: homeId },
      query: queryParams(query),
    });
    return typeof data === 'string' ? data : '';
  }
}
