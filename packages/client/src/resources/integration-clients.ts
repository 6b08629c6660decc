import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  CreateIntegrationClientInput,
  IntegrationClient,
  IntegrationClientListQuery,
  IntegrationClientWithSecret,
  Page,
} from '../types.js';

/** An integration client as read, with the ETag to pass as `ifMatch` to a guarded rotation or deletion. */
export interface TaggedIntegrationClient {
  client: IntegrationClient;
  /** The client's ETag (undefined only if a proxy stripped it). */
  etag: string | undefined;
}

/** An integration client as created or rotated: `client.clientSecret` is shown this once, never again. */
export interface TaggedIntegrationClientWithSecret {
  client: IntegrationClientWithSecret;
  etag: string | undefined;
}

type Cursor = { cursor?: string };

/**
 * `/integration-clients`: the OAuth2 clients an agent's admin creates for scripts, BI tools and
 * partners, which log in with `loginWithClientCredentials()` instead of a person's password. Needs
 * the permission `integration-clients.manage` (an agent's admins). See docs/api.md.
 */
export class IntegrationClientsResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * Creates a client with `access: 'read'` (every GET of the agent's data) or `'read_write'` (also
   * what an editor writes). Keep `client.clientSecret`: it is never shown again. ConflictError (409)
   * when the agent already has a client of that name.
   */
  async create(
    input: CreateIntegrationClientInput,
    options: RequestOptions = {},
  ): Promise<TaggedIntegrationClientWithSecret> {
    const { data, etag } = await this.client.request('post', '/integration-clients', {
      ...options,
      body: input,
    });
    return { client: data, etag };
  }

  /** Every client of the agent (`access` to filter), page after page; never their secrets. */
  list(
    query: IntegrationClientListQuery = {},
    options: RequestOptions = {},
  ): PageIterator<IntegrationClient> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  /** One page of clients; pass the previous page's `nextCursor` as `cursor` for the next. */
  async listPage(
    query: IntegrationClientListQuery & Cursor = {},
    options: RequestOptions = {},
  ): Promise<Page<IntegrationClient>> {
    return (await this.client.request('get', '/integration-clients', { ...options, query })).data;
  }

  /** One client: its access, when its secret was issued and when it last got a token. */
  async get(id: string, options: RequestOptions = {}): Promise<TaggedIntegrationClient> {
    const { data, etag } = await this.client.request('get', '/integration-clients/{id}', {
      ...options,
      params: { id },
    });
    return { client: data, etag };
  }

  /**
   * A new secret (in `client.clientSecret`, shown this once). The old secret and every token it
   * got stop working at once: there is no grace period, so update the client's configuration
   * straight away (or create a second client, switch to it, then delete the first).
   */
  async rotateSecret(id: string, options: WriteOptions = {}): Promise<TaggedIntegrationClientWithSecret> {
    const { data, etag } = await this.client.request('post', '/integration-clients/{id}/secret', {
      ...options,
      params: { id },
    });
    return { client: data, etag };
  }

  /** Deletes a client: its secret and every token it holds stop working at once. */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/integration-clients/{id}', { ...options, params: { id } });
  }
}
