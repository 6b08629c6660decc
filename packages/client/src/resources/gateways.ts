import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import type { Gateway, GatewaySecret } from '../types.js';

/**
 * `/homes/{id}/gateway`: the OAuth2 client a home's gateway pushes readings with. A gateway logs in
 * with `loginWithClientCredentials({ clientId, clientSecret })`.
 */
export class GatewaysResource {
  constructor(private readonly client: HearthClient) {}

  /** The home's gateway: client id, status (`no_secret`, `active`, `revoked`), token URL, MQTT topics. */
  async get(homeId: string, options: RequestOptions = {}): Promise<Gateway> {
    return (await this.client.request('get', '/homes/{id}/gateway', { ...options, params: { id: homeId } }))
      .data;
  }

  /**
   * Issues a new secret (admin, operator): the answer's `clientSecret` is shown this once (the
   * server keeps only its hash). The previous secret and every token it got stop working at once.
   * Raises ConflictError for a decommissioned home. Never retried: a second secret would replace
   * the first.
   */
  async issueSecret(homeId: string, options: WriteOptions = {}): Promise<GatewaySecret> {
    return (
      await this.client.request('post', '/homes/{id}/gateway/secret', { ...options, params: { id: homeId } })
    ).data;
  }

  /** Revokes the secret and every gateway token (admin, operator): status becomes `revoked`. */
  async revokeSecret(homeId: string, options: WriteOptions = {}): Promise<void> {
    await this.client.request('delete', '/homes/{id}/gateway/secret', { ...options, params: { id: homeId } });
  }
}
