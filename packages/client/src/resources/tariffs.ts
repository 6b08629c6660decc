import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  CreateTariffInput,
  HomeTariffs,
  Page,
  SetHomeTariffsInput,
  Tariff,
  TariffListQuery,
  UpdateTariffInput,
} from '../types.js';

/**
 * `/tariffs` and `/homes/{id}/tariffs`: an agent's tariffs (one fuel each, flat or time-of-use,
 * money in minor units) and the ones each home uses. See docs/tariffs.md.
 */
export class TariffsResource {
  constructor(private readonly client: HearthClient) {}

  /** Every tariff of the agent (`fuel` to filter; the operator may name an `agentId`), page after page. */
  list(query: TariffListQuery = {}, options: RequestOptions = {}): PageIterator<Tariff> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  /** One page of tariffs; pass the previous page's `nextCursor` as `cursor` for the next. */
  async listPage(
    query: TariffListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<Tariff>> {
    return (await this.client.request('get', '/tariffs', { ...options, query })).data;
  }

  async get(id: string, options: RequestOptions = {}): Promise<Tariff> {
    return (await this.client.request('get', '/tariffs/{id}', { ...options, params: { id } })).data;
  }

  /**
   * Creates a tariff with either `unitRate` or `bands` (covering each local day exactly once; a
   * band may name its `days`, e.g. `['sat', 'sun']`, and applies every day without them).
   * Raises InvalidRequestError for bad bands or both rates, ConflictError for a second default of
   * the fuel on overlapping dates.
   */
  async create(input: CreateTariffInput, options: RequestOptions = {}): Promise<Tariff> {
    return (await this.client.request('post', '/tariffs', { ...options, body: input })).data;
  }

  /**
   * Changes the fields given (`unitRate` makes it flat, `bands` time-of-use); fuel and agent never
   * change. Pass `ifMatch` (the ETag from `client.request('get', '/tariffs/{id}')`) to be refused
   * with PreconditionFailedError if it changed since.
   */
  async update(id: string, input: UpdateTariffInput, options: WriteOptions = {}): Promise<Tariff> {
    return (await this.client.request('put', '/tariffs/{id}', { ...options, params: { id }, body: input }))
      .data;
  }

  /** Deletes a tariff (ConflictError while a home uses it as its own). */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/tariffs/{id}', { ...options, params: { id } });
  }

  /**
   * The tariff of each fuel a home uses on `date` (YYYY-MM-DD; default today in the agent's time
   * zone), and whether it is the home's own, the agent's default, or none.
   */
  async homeTariffs(homeId: string, date?: string, options: RequestOptions = {}): Promise<HomeTariffs> {
    return (
      await this.client.request('get', '/homes/{id}/tariffs', {
        ...options,
        params: { id: homeId },
        ...(date !== undefined ? { query: { date } } : {}),
      })
    ).data;
  }

  /**
   * Replaces a home's own tariffs (`{ overrides: [{ fuel, tariffId }] }`; fuels not listed use the
   * default, `[]` clears them) and answers what it uses today. `ifMatch` takes the ETag of
   * `GET /homes/{id}/tariffs`.
   */
  async setHomeTariffs(
    homeId: string,
    input: SetHomeTariffsInput,
    options: WriteOptions = {},
  ): Promise<HomeTariffs> {
    return (
      await this.client.request('put', '/homes/{id}/tariffs', {
        ...options,
        params: { id: homeId },
        body: input,
      })
    ).data;
  }
}
