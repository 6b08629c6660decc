import type { HearthClient, RequestOptions } from '../client.js';
import type {
  PortfolioInsight,
  PortfolioInsightQuery,
  PortfolioPerformance,
  PortfolioPerformanceQuery,
  QueryOf,
} from '../types.js';

/** A query as the route's parameters: Dates as RFC 3339 UTC. */
function queryParams<Q extends { from?: string | Date; to?: string | Date }>(
  query: Q,
): Omit<Q, 'from' | 'to'> & { from?: string; to?: string } {
  const { from, to, ...rest } = query;
  return {
    ...rest,
    ...(from !== undefined ? { from: from instanceof Date ? from.toISOString() : from } : {}),
    ...(to !== undefined ? { to: to instanceof Date ? to.toISOString() : to } : {}),
  };
}

/** `/portfolio/*`: league tables across an agent's homes (docs/portfolio.md). */
export class PortfolioResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * One page of the performance table of the homes you may see: per home its SEPEMO boundary, heat,
   * electricity, SPF (null below `minCoverage`, default 90), coverage and SPF against design, with
   * quartiles of each figure and the (up to 10) homes furthest below design. Filters: `technology`,
   * `group`; `boundary` keeps only homes that support it. Sort by `spf` (default), `coverage`,
   * `electricity`, `heat` or `belowDesign`; page with `limit` (default 50) and the answer's
   * `nextCursor`. The operator must name `agentId`; for anyone else another agent is NotFoundError.
   */
  async performance(
    query: PortfolioPerformanceQuery = {},
    options: RequestOptions = {},
  ): Promise<PortfolioPerformance> {
    const params = queryParams(query) as QueryOf<'/portfolio/performance', 'get'>;
    return (await this.client.request('get', '/portfolio/performance', { ...options, query: params })).data;
  }

  /** Every row of the performance table (not a page) as CSV text (RFC 4180, CRLF line ends). */
  async exportPerformanceCsv(
    query: Omit<PortfolioPerformanceQuery, 'limit' | 'cursor'> = {},
    options: RequestOptions = {},
  ): Promise<string> {
    const { data } = await this.client.request('get', '/portfolio/performance', {
      ...options,
      headers: { ...options.headers, accept: 'text/csv' },
      query: queryParams(query) as QueryOf<'/portfolio/performance', 'get'>,
    });
    return typeof data === 'string' ? data : '';
  }

  /**
   * One page of the energy table of the homes you may see: electricity (the whole-house meter when
   * fitted), heat, gas and PV kWh per home over the window, with quartiles. Sort by `electricity`
   * (default), `heat`, `gas` or `pv`; filters and paging as `performance()`.
   */
  async insight(query: PortfolioInsightQuery = {}, options: RequestOptions = {}): Promise<PortfolioInsight> {
    const params = queryParams(query) as QueryOf<'/portfolio/insight', 'get'>;
    return (await this.client.request('get', '/portfolio/insight', { ...options, query: params })).data;
  }

  /** Every row of the energy table as CSV text (RFC 4180, CRLF line ends). */
  async exportInsightCsv(
    query: Omit<PortfolioInsightQuery, 'limit' | 'cursor'> = {},
    options: RequestOptions = {},
  ): Promise<string> {
    const { data } = await this.client.request('get', '/portfolio/insight', {
      ...options,
      headers: { ...options.headers, accept: 'text/csv' },
      query: queryParams(query) as QueryOf<'/portfolio/insight', 'get'>,
    });
    return typeof data === 'string' ? data : '';
  }
}
