import type { HearthClient, RequestOptions } from '../client.js';
import type { Insight, InsightQuery, QueryOf } from '../types.js';

/** A query as the route's parameters: Dates as RFC 3339 UTC. */
function queryParams(query: InsightQuery): QueryOf<'/homes/{id}/insight', 'get'> {
  const { from, to, ...rest } = query;
  return {
    ...rest,
    ...(from !== undefined ? { from: from instanceof Date ? from.toISOString() : from } : {}),
    ...(to !== undefined ? { to: to instanceof Date ? to.toISOString() : to } : {}),
  };
}

/** `/homes/{id}/insight`: energy, cost, carbon and degree days per period (docs/insight.md). */
export class InsightResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * A home's insight from `from` (inclusive; default the start of the local period 11 periods back)
   * to `to` (exclusive, default now), per `period` (day, week, month, year, all; default month):
   * electricity, heat, gas and PV kWh, cost on the home's tariffs (`tariffs.homeTariffs()`),
   * carbon, heating degree days, the same period last year, and over the window the home's energy
   * signature (null under 14 days or without an outdoor sensor). Raises NotFoundError for a home
   * you cannot see.
   */
  async get(homeId: string, query: InsightQuery = {}, options: RequestOptions = {}): Promise<Insight> {
    return (
      await this.client.request('get', '/homes/{id}/insight', {
        ...options,
        params: { id: homeId },
        query: queryParams(query),
      })
    ).data;
  }

  /** The periods table of the same query as CSV text (RFC 4180, CRLF line ends), one row per period. */
  async exportCsv(homeId: string, query: InsightQuery = {}, options: RequestOptions = {}): Promise<string> {
    const { data } = await this.client.request('get', '/homes/{id}/insight', {
      ...options,
      headers: { ...options.headers, accept: 'text/csv' },
      params: { id: homeId },
      query: queryParams(query),
    });
    return typeof data === 'string' ? data : '';
  }
}
