import type { HearthClient, RequestOptions } from '../client.js';
import type { PasswordResetConfirmInput, PasswordResetRequestInput } from '../types.js';

/** `/password-resets`: a forgotten password, without logging in. */
export class PasswordResetsResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * Asks for a reset email for an address. The server answers the same whether or not an account
   * has it (so this resolves either way); an active account with it gets an email with a link and a
   * single-use token. Raises RateLimitError past the per-client limit (10, then one a minute).
   */
  async request(input: PasswordResetRequestInput, options: RequestOptions = {}): Promise<void> {
    await this.client.request('post', '/password-resets', { ...options, body: input, authenticate: false });
  }

  /**
   * Sets a new password with the token from the reset email; every session of the account ends
   * (log in again). Raises InvalidRequestError `password_reset_invalid` for an unknown, used or
   * expired token (its message says which), `validation_failed` for a weak password.
   */
  async confirm(input: PasswordResetConfirmInput, options: RequestOptions = {}): Promise<void> {
    await this.client.request('post', '/password-resets/confirmation', {
      ...options,
      body: input,
      authenticate: false,
    });
  }
}
