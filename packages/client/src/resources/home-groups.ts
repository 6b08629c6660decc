import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import type { CreateHomeGroupInput, HomeGroup, UpdateHomeGroupInput } from '../types.js';

/** `/home-groups`: an agent's groups of homes, which decide who sees which home. */
export class HomeGroupsResource {
  constructor(private readonly client: HearthClient) {}

  /** The agent's home groups with their home counts. */
  async list(options: RequestOptions = {}): Promise<HomeGroup[]> {
    return (await this.client.request('get', '/home-groups', options)).data.items;
  }

  async get(id: string, options: RequestOptions = {}): Promise<HomeGroup> {
    return (await this.client.request('get', '/home-groups/{id}', { ...options, params: { id } })).data;
  }

  /** Creates a group (admin). */
  async create(input: CreateHomeGroupInput, options: RequestOptions = {}): Promise<HomeGroup> {
    return (await this.client.request('post', '/home-groups', { ...options, body: input })).data;
  }

  /** Renames a group (admin). */
  async update(id: string, input: UpdateHomeGroupInput, options: WriteOptions = {}): Promise<HomeGroup> {
    return (
      await this.client.request('put', '/home-groups/{id}', { ...options, params: { id }, body: input })
    ).data;
  }

  /** Deletes a group (admin); its homes stay. */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/home-groups/{id}', { ...options, params: { id } });
  }
}
