import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  Agent,
  AgentListQuery,
  CreateAgentInput,
  CreatedAgent,
  Page,
  UpdateAgentInput,
} from '../types.js';

/** `/agents`: the operator's registry of companies (permission `agents.manage`: the operator only). */
export class AgentsResource {
  constructor(private readonly client: HearthClient) {}

  /** Registers an agent; Hearth emails an invitation to its first admin (`adminInvitation`). */
  async create(input: CreateAgentInput, options: RequestOptions = {}): Promise<CreatedAgent> {
    return (await this.client.request('post', '/agents', { ...options, body: input })).data;
  }

  /** Every agent matching the filters (`q`: part of the name; `status`), page after page as you iterate. */
  list(query: AgentListQuery = {}, options: RequestOptions = {}): PageIterator<Agent> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  /** One page of agents; pass the previous page's `nextCursor` as `cursor` for the next. */
  async listPage(
    query: AgentListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<Agent>> {
    return (await this.client.request('get', '/agents', { ...options, query })).data;
  }

  async get(id: string, options: RequestOptions = {}): Promise<Agent> {
    return (await this.client.request('get', '/agents/{id}', { ...options, params: { id } })).data;
  }

  /** Renames, suspends or reactivates an agent. */
  async update(id: string, input: UpdateAgentInput, options: WriteOptions = {}): Promise<Agent> {
    return (await this.client.request('put', '/agents/{id}', { ...options, params: { id }, body: input }))
      .data;
  }

  /** Suspends an agent: every call by its users is refused with 403 `agent_suspended` until reactivated. */
  suspend(id: string, options: WriteOptions = {}): Promise<Agent> {
    return this.update(id, { status: 'suspended' }, options);
  }

  reactivate(id: string, options: WriteOptions = {}): Promise<Agent> {
    return this.update(id, { status: 'active' }, options);
  }

  /** Deletes an agent with its users and invitations (409 while it has homes). */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/agents/{id}', { ...options, params: { id } });
  }
}
