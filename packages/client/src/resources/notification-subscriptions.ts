import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  CreateNotificationSubscriptionInput,
  NotificationSubscription,
  NotificationSubscriptionListQuery,
  Page,
  UpdateNotificationSubscriptionInput,
} from '../types.js';

/** An email subscription as read or written, with the ETag to pass as `ifMatch` to the next change. */
export interface TaggedSubscription {
  subscription: NotificationSubscription;
  etag: string | undefined;
}

/**
 * `/notification-subscriptions`: email addresses told of alarm events, one email per event
 * (`immediate`) or a daily `digest`. Needs `notifications.manage`. See docs/notifications.md.
 */
export class NotificationSubscriptionsResource {
  constructor(private readonly client: HearthClient) {}

  /** Subscribes an address (`{ email, mode, events?, severities?, groupIds? }`; the operator names `agentId`). */
  async create(
    input: CreateNotificationSubscriptionInput,
    options: RequestOptions = {},
  ): Promise<TaggedSubscription> {
    const { data, etag } = await this.client.request('post', '/notification-subscriptions', {
      ...options,
      body: input,
    });
    return { subscription: data, etag };
  }

  /** Every subscription you may see (`mode` to filter; the operator may name an `agentId`), page after page. */
  list(
    query: NotificationSubscriptionListQuery = {},
    options: RequestOptions = {},
  ): PageIterator<NotificationSubscription> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  /** One page of subscriptions; pass the previous page's `nextCursor` as `cursor` for the next. */
  async listPage(
    query: NotificationSubscriptionListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<NotificationSubscription>> {
    return (await this.client.request('get', '/notification-subscriptions', { ...options, query })).data;
  }

  /** One subscription with its ETag for a guarded `update()`. */
  async get(id: string, options: RequestOptions = {}): Promise<TaggedSubscription> {
    const { data, etag } = await this.client.request('get', '/notification-subscriptions/{id}', {
      ...options,
      params: { id },
    });
    return { subscription: data, etag };
  }

  /** Changes the fields given; with `ifMatch` a change made since is refused (PreconditionFailedError). */
  async update(
    id: string,
    changes: UpdateNotificationSubscriptionInput,
    options: WriteOptions = {},
  ): Promise<TaggedSubscription> {
    const { data, etag } = await this.client.request('put', '/notification-subscriptions/{id}', {
      ...options,
      params: { id },
      body: changes,
    });
    return { subscription: data, etag };
  }

  /** Deletes a subscription (events waiting for its digest go with it). */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/notification-subscriptions/{id}', { ...options, params: { id } });
  }
}
