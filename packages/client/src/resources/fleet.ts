import type { HearthClient, RequestOptions } from '../client.js';
import type { FleetPage, FleetQuery, QueryOf } from '../types.js';

/** `/fleet`: the table of every home you may see, as the console shows it (docs/fleet.md). */
export class FleetResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * One page of the fleet table: per home its town, postcode, technology, manufacturer and model,
   * newest reading, `connection` (the worst state of its meters: online, late, offline, never_seen;
   * or decommissioned), active alarms by severity and SPF over the last 30 days (null for homes
   * that are no heat pump). Filters: `q` (part of the reference, postcode, town or street),
   * `connection` (a list), `technology`, `groupId`, `manufacturer`, `model`, `hasActiveAlarms`.
   * Sort by `sort` (default `reference`) in `order` (default asc; homes without the figure last
   * either way); page with `limit` (1–200, default 50) and the answer's `nextCursor`. The answer
   * also has `total` (matching rows), `counts` by connection (ignoring the connection filter),
   * `facets` (over every home you may see) and the SPF `window`. A bad parameter raises
   * InvalidRequestError naming it.
   */
  async page(query: FleetQuery = {}, options: RequestOptions = {}): Promise<FleetPage> {
    const { connection, ...rest } = query;
    const params = {
      ...rest,
      ...(connection !== undefined
        ? { connection: typeof connection === 'string' ? connection : connection.join(',') }
        : {}),
    } as QueryOf<'/fleet', 'get'>;
    return (await this.client.request('get', '/fleet', { ...options, query: params })).data;
  }
}
