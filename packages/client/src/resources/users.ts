import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type { Page, UpdateUserInput, User, UserListQuery } from '../types.js';

/** `/users`: an admin manages their agent's users, the operator any agent's. */
export class UsersResource {
  constructor(private readonly client: HearthClient) {}

  /** Every user matching the filters (`agentId`, `role`, `status`, `q`), page after page as you iterate. */
  list(query: UserListQuery = {}, options: RequestOptions = {}): PageIterator<User> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  async listPage(
    query: UserListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<User>> {
    return (await this.client.request('get', '/users', { ...options, query })).data;
  }

  async get(id: string, options: RequestOptions = {}): Promise<User> {
    return (await this.client.request('get', '/users/{id}', { ...options, params: { id } })).data;
  }

  /** Renames a user, changes their role, disables or enables them (never the agent's last enabled admin: 409). */
  async update(id: string, input: UpdateUserInput, options: WriteOptions = {}): Promise<User> {
    return (await this.client.request('put', '/users/{id}', { ...options, params: { id }, body: input }))
      .data;
  }

  /** Disables a user: their tokens are revoked at once and login is refused. */
  disable(id: string, options: WriteOptions = {}): Promise<User> {
    return this.update(id, { status: 'disabled' }, options);
  }

  enable(id: string, options: WriteOptions = {}): Promise<User> {
    return this.update(id, { status: 'active' }, options);
  }

  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/users/{id}', { ...options, params: { id } });
  }
}
