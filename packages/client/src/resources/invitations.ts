import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  AcceptInvitationInput,
  CreateInvitationInput,
  Invitation,
  InvitationListQuery,
  Page,
  User,
} from '../types.js';

/** `/invitations`: invite people into an agent by email; accept an invitation without logging in. */
export class InvitationsResource {
  constructor(private readonly client: HearthClient) {}

  /** Invites someone by email with a role (the operator names `agentId`); the email holds the token. */
  async send(input: CreateInvitationInput, options: RequestOptions = {}): Promise<Invitation> {
    return (await this.client.request('post', '/invitations', { ...options, body: input })).data;
  }

  /** The same as send(). */
  create(input: CreateInvitationInput, options: RequestOptions = {}): Promise<Invitation> {
    return this.send(input, options);
  }

  /** Every invitation matching the filters (`status`, `agentId`), page after page as you iterate. */
  list(query: InvitationListQuery = {}, options: RequestOptions = {}): PageIterator<Invitation> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  async listPage(
    query: InvitationListQuery & { cursor?: string } = {},
    options: RequestOptions = {},
  ): Promise<Page<Invitation>> {
    return (await this.client.request('get', '/invitations', { ...options, query })).data;
  }

  /** One invitation, with the delivery state of its email. */
  async get(id: string, options: RequestOptions = {}): Promise<Invitation> {
    return (await this.client.request('get', '/invitations/{id}', { ...options, params: { id } })).data;
  }

  /** Sends the invitation again with a fresh token and expiry; the old token stops working. */
  async resend(id: string, options: RequestOptions = {}): Promise<Invitation> {
    return (await this.client.request('post', '/invitations/{id}/resend', { ...options, params: { id } }))
      .data;
  }

  /** Revokes an invitation: its token stops working. */
  async revoke(id: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/invitations/{id}', { ...options, params: { id } });
  }

  /**
   * Accepts an invitation with the token from its email, creating the user. Needs no login: the
   * invitation token is the credential. Raises InvalidRequestError `invitation_invalid` for an
   * unknown, expired, revoked or used token.
   */
  async accept(input: AcceptInvitationInput, options: RequestOptions = {}): Promise<User> {
    return (
      await this.client.request('post', '/invitations/acceptance', {
        ...options,
        body: input,
        authenticate: false,
      })
    ).data;
  }
}
