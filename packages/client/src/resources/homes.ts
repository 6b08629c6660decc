import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type { Home, HomeListItem, HomeListQuery, Meter, Page, UpdateHomeInput } from '../types.js';

/** `/homes`: the homes submitted orders created, as far as the caller may see them. */
export class HomesResource {
  constructor(private readonly client: HearthClient) {}

  /** Every home you may see matching the filters (`status`, `postcode`, `technology`, `groupId`, `q`). */
  list(query: HomeListQuery = {}, options: RequestOptions = {}): PageIterator<HomeListItem> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  async listPage(
    query: HomeListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<HomeListItem>> {
    return (await this.client.request('get', '/homes', { ...options, query })).data;
  }

  /** One home: property, installation, meters with channels, groups, provisioning summary. */
  async get(id: string, options: RequestOptions = {}): Promise<Home> {
    return (await this.client.request('get', '/homes/{id}', { ...options, params: { id } })).data;
  }

  /** The home's meters and their channels (channel ids are what readings are sent for). */
  async meters(id: string, options: RequestOptions = {}): Promise<Meter[]> {
    return (await this.client.request('get', '/homes/{id}/meters', { ...options, params: { id } })).data
      .items;
  }

  /** Changes reference, property, occupant, installation or (admin) groupIds; each object replaces the previous. */
  async update(id: string, input: UpdateHomeInput, options: WriteOptions = {}): Promise<Home> {
    return (await this.client.request('put', '/homes/{id}', { ...options, params: { id }, body: input }))
      .data;
  }

  /** Decommissions a home (admin): its services are suspended, its history stays readable. */
  async decommission(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/homes/{id}', { ...options, params: { id } });
  }

  /** Erases the occupant's personal data for good (admin). */
  async eraseOccupant(id: string, options: RequestOptions = {}): Promise<void> {
    await this.client.request('post', '/homes/{id}/occupant-erasure', { ...options, params: { id } });
  }
}
