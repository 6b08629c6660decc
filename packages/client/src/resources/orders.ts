import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  CreateOrderInput,
  Order,
  OrderListQuery,
  OrderSubmission,
  Page,
  UpdateOrderInput,
} from '../types.js';

/** `/orders`: New Installation orders; submitting one creates the home and its provisioning. */
export class OrdersResource {
  constructor(private readonly client: HearthClient) {}

  /** Creates a draft order (admin, editor). Incomplete drafts are allowed; submission checks them. */
  async create(input: CreateOrderInput, options: RequestOptions = {}): Promise<Order> {
    return (await this.client.request('post', '/orders', { ...options, body: input })).data;
  }

  /** Every order matching the filters (`status`, `q`: reference or postcode), page after page as you iterate. */
  list(query: OrderListQuery = {}, options: RequestOptions = {}): PageIterator<Order> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  async listPage(
    query: OrderListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<Order>> {
    return (await this.client.request('get', '/orders', { ...options, query })).data;
  }

  async get(id: string, options: RequestOptions = {}): Promise<Order> {
    return (await this.client.request('get', '/orders/{id}', { ...options, params: { id } })).data;
  }

  /** Replaces a draft order (ConflictError once it was submitted). */
  async update(id: string, input: UpdateOrderInput, options: WriteOptions = {}): Promise<Order> {
    return (await this.client.request('put', '/orders/{id}', { ...options, params: { id }, body: input }))
      .data;
  }

  /** Cancels a draft order; its reference is free again. */
  async cancel(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/orders/{id}', { ...options, params: { id } });
  }

  /**
   * Submits an order: creates its home, meters, channels and provisioning. Submitting again answers
   * the same home. An incomplete order raises UnprocessableEntityError (422) whose `errors` lists
   * every problem.
   */
  async submit(id: string, options: RequestOptions = {}): Promise<OrderSubmission> {
    return (await this.client.request('post', '/orders/{id}/submission', { ...options, params: { id } }))
      .data;
  }
}
