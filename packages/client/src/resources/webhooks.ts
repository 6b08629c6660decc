import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  CreateWebhookInput,
  Page,
  UpdateWebhookInput,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryListQuery,
  WebhookListQuery,
  WebhookWithSecret,
} from '../types.js';

/** A webhook as read or written, with the ETag to pass as `ifMatch` to the next change. */
export interface TaggedWebhook {
  webhook: Webhook;
  /** The webhook's ETag (undefined only if a proxy stripped it). */
  etag: string | undefined;
}

/** A webhook as created or rotated: `webhook.secret` is shown this once, never again. */
export interface TaggedWebhookWithSecret {
  webhook: WebhookWithSecret;
  etag: string | undefined;
}

type Cursor = { cursor?: string };

/**
 * `/webhooks`: an agent's signed HTTPS endpoints for alarm events, and their delivery logs. Needs
 * the permission `notifications.manage` (an agent's admins, the operator). See docs/notifications.md.
 */
export class WebhooksResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * Creates a webhook and answers it with its signing secret (`whsec_…`): keep `webhook.secret`,
   * it is never shown again. InvalidRequestError for a URL that is not https or points into a
   * private network (unless the server allows it).
   */
  async create(input: CreateWebhookInput, options: RequestOptions = {}): Promise<TaggedWebhookWithSecret> {
    const { data, etag } = await this.client.request('post', '/webhooks', { ...options, body: input });
    return { webhook: data, etag };
  }

  /** Every webhook you may see (`status` to filter; the operator may name an `agentId`), page after page. */
  list(query: WebhookListQuery = {}, options: RequestOptions = {}): PageIterator<Webhook> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  /** One page of webhooks; pass the previous page's `nextCursor` as `cursor` for the next. */
  async listPage(
    query: WebhookListQuery & Cursor = {},
    options: RequestOptions = {},
  ): Promise<Page<Webhook>> {
    return (await this.client.request('get', '/webhooks', { ...options, query })).data;
  }

  /** One webhook (its status, and why it was disabled) with its ETag for a guarded `update()`. */
  async get(id: string, options: RequestOptions = {}): Promise<TaggedWebhook> {
    const { data, etag } = await this.client.request('get', '/webhooks/{id}', { ...options, params: { id } });
    return { webhook: data, etag };
  }

  /**
   * Changes the fields given; `status: 'active'` re-enables a disabled webhook and resumes its
   * pending deliveries. With `ifMatch` (the ETag `get()` answered) a change made since is not
   * overwritten: PreconditionFailedError (412) instead.
   */
  async update(id: string, changes: UpdateWebhookInput, options: WriteOptions = {}): Promise<TaggedWebhook> {
    const { data, etag } = await this.client.request('put', '/webhooks/{id}', {
      ...options,
      params: { id },
      body: changes,
    });
    return { webhook: data, etag };
  }

  /** Deletes a webhook and its delivery log (pending deliveries are not sent). */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/webhooks/{id}', { ...options, params: { id } });
  }

  /**
   * Replaces the signing secret: the new one (in `webhook.secret`, shown this once) signs every
   * attempt from now on.
   */
  async rotateSecret(id: string, options: RequestOptions = {}): Promise<TaggedWebhookWithSecret> {
    const { data, etag } = await this.client.request('post', '/webhooks/{id}/secret', {
      ...options,
      params: { id },
    });
    return { webhook: data, etag };
  }

  /** Queues a test delivery (`eventType: 'ping'`, whatever the filters); follow it in `deliveries()`. */
  async ping(id: string, options: RequestOptions = {}): Promise<WebhookDelivery> {
    return (await this.client.request('post', '/webhooks/{id}/ping', { ...options, params: { id } })).data;
  }

  /** The webhook's delivery log, newest first (`status`: pending, delivered or failed), page after page. */
  deliveries(
    id: string,
    query: WebhookDeliveryListQuery = {},
    options: RequestOptions = {},
  ): PageIterator<WebhookDelivery> {
    return new PageIterator((cursor) =>
      this.deliveriesPage(id, { ...query, ...(cursor ? { cursor } : {}) }, options),
    );
  }

  /** One page of the delivery log. */
  async deliveriesPage(
    id: string,
    query: WebhookDeliveryListQuery & Cursor = {},
    options: RequestOptions = {},
  ): Promise<Page<WebhookDelivery>> {
    return (
      await this.client.request('get', '/webhooks/{id}/deliveries', { ...options, params: { id }, query })
    ).data;
  }
}
