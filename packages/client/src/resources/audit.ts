import type { HearthClient, RequestOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type { AuditEvent, AuditListQuery, Page } from '../types.js';

/** `/audit-events`: every change made by an admin or the operator. */
export class AuditResource {
  constructor(private readonly client: HearthClient) {}

  /** Audit events matching the filters (`from`, `to` as RFC 3339; `action`: `user` or `user.updated`; `agentId`). */
  list(query: AuditListQuery = {}, options: RequestOptions = {}): PageIterator<AuditEvent> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  async listPage(
    query: AuditListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<AuditEvent>> {
    return (await this.client.request('get', '/audit-events', { ...options, query })).data;
  }
}
