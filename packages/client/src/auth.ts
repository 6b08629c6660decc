import { NotLoggedInError, OAuthError } from './errors.js';
import type { TokenSet, TokenStore } from './stores.js';
import type { SendRequest, Transport } from './transport.js';
import type { TokenResponse } from './types.js';

export interface AuthOptions {
  clientId: string;
  clientSecret: string;
  /** Refresh this long before the access token expires (capped at half its lifetime). */
  refreshMarginSeconds: number;
  now: () => number;
  /** The refresh token lives in the server's HttpOnly cookie (HearthClientOptions.cookieSession). */
  cookieSession: boolean;
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded, then joined and base64-encoded. */
function basicAuthorization(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replaceAll('%20', '+');
  // btoa takes Latin-1 only; the form-encoded text is ASCII. (btoa exists in browsers and Node.)
  return `Basic ${btoa(`${encode(id)}:${encode(secret)}`)}`;
}

/** An OAuth2 client's id and secret: the configured one (`trusted`), or a home gateway's. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Logs in, keeps the access token fresh and logs out. Refresh tokens are single-use and a replayed
 * one ends the whole login on the server, so concurrent callers share one refresh, and the new
 * token set is stored before anyone uses it.
 *
 * A gateway's login (client_credentials) has no refresh token: its id and secret are kept in memory
 * (never in the token store) and a new token is asked for, once for all concurrent callers, when
 * the current one is close to expiry or is refused.
 */
export class TokenManager {
  private refreshing: Promise<TokenSet> | undefined;
  /** The gateway credentials of a client_credentials login, to authenticate again with. */
  private gateway: (ClientCredentials & { scope?: string }) | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly store: TokenStore,
    private readonly options: AuthOptions,
  ) {}

  /** The client the current login was made with (its tokens can only be revoked by it). */
  private get client(): ClientCredentials {
    return this.gateway ?? { clientId: this.options.clientId, clientSecret: this.options.clientSecret };
  }

  /** Whether requests for this client go by the cookie session (not a gateway's login). */
  private cookieMode(client: ClientCredentials): boolean {
    return this.options.cookieSession && client.clientId === this.options.clientId && !this.gateway;
  }

  /**
   * A request to an OAuth endpoint, authenticated as `client`: by HTTP Basic, or, in a cookie
   * session, as the public console client by `client_id` in the body, with the browser's cookies.
   */
  private oauthRequest(
    path: '/oauth/token' | '/oauth/revoke',
    params: Record<string, string>,
    client: ClientCredentials,
    signal?: AbortSignal,
  ): SendRequest {
    const cookie = this.cookieMode(client);
    return {
      method: 'POST',
      path,
      root: true,
      oauth: true,
      ...(cookie
        ? { form: { ...params, client_id: client.clientId }, credentials: 'include' as const }
        : {
            form: params,
            headers: { authorization: basicAuthorization(client.clientId, client.clientSecret) },
          }),
      ...(signal ? { signal } : {}),
    };
  }

  private async tokenRequest(
    params: Record<string, string>,
    signal?: AbortSignal,
    client: ClientCredentials = this.client,
  ): Promise<TokenSet> {
    const issuedAt = this.options.now();
    const { data } = await this.transport.send<TokenResponse>(
      this.oauthRequest('/oauth/token', params, client, signal),
    );
    return {
      accessToken: data.access_token,
      ...(data.refresh_token ? { refreshToken: data.refresh_token } : {}),
      expiresAt: issuedAt + data.expires_in * 1000,
      issuedAt,
      scope: data.scope,
    };
  }

  async login(username: string, password: string, scope?: string, signal?: AbortSignal): Promise<TokenSet> {
    const client = { clientId: this.options.clientId, clientSecret: this.options.clientSecret };
    const tokens = await this.tokenRequest(
      { grant_type: 'password', username, password, ...(scope ? { scope } : {}) },
      signal,
      client,
    );
    this.gateway = undefined;
    await this.store.set(tokens);
    return tokens;
  }

  /**
   * Logs a home's gateway in with the client_credentials grant (RFC 6749 §4.4) and remembers its
   * id and secret in memory, to get a new token when this one expires (there is no refresh token).
   */
  async loginWithClientCredentials(
    credentials: ClientCredentials & { scope?: string },
    signal?: AbortSignal,
  ): Promise<TokenSet> {
    const { clientId, clientSecret, scope } = credentials;
    const tokens = await this.tokenRequest(
      { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
      signal,
      { clientId, clientSecret },
    );
    this.gateway = { clientId, clientSecret, ...(scope ? { scope } : {}) };
    await this.store.set(tokens);
    return tokens;
  }

  private dueForRefresh(tokens: TokenSet): boolean {
    const lifetime = tokens.expiresAt - tokens.issuedAt;
    const margin = Math.min(this.options.refreshMarginSeconds * 1000, lifetime / 2);
    return this.options.now() >= tokens.expiresAt - margin;
  }

  /**
   * An access token to send, refreshed first when it is close to expiry. `rejected`: the server
   * refused this token (401); refresh unless someone already replaced it.
   */
  async accessToken(rejected?: string): Promise<string> {
    const tokens = await this.store.get();
    if (!tokens) throw new NotLoggedInError();
    if (rejected !== undefined && tokens.accessToken !== rejected) return tokens.accessToken;
    if (rejected === undefined && !this.dueForRefresh(tokens)) return tokens.accessToken;
    if (!tokens.refreshToken && this.gateway === undefined && !this.options.cookieSession) {
      if (rejected === undefined && tokens.expiresAt > this.options.now()) return tokens.accessToken;
      throw new NotLoggedInError('The access token expired and there is no refresh token: log in again');
    }
    return (await this.refresh()).accessToken;
  }

  /** Whether a refused token can be replaced: by a refresh (a token, or the cookie), or a gateway's new login. */
  async canRefresh(): Promise<boolean> {
    return (
      this.gateway !== undefined ||
      this.options.cookieSession ||
      Boolean((await this.store.get())?.refreshToken)
    );
  }

  /**
   * Picks up a login that outlived this client: in a cookie session, a refresh with the browser's
   * cookie; otherwise the stored tokens, refreshed if due. False when there is none to resume.
   */
  async resume(): Promise<boolean> {
    try {
      if (this.options.cookieSession && this.gateway === undefined) await this.refresh();
      else await this.accessToken();
      return true;
    } catch (err) {
      if (err instanceof NotLoggedInError) return false;
      throw err;
    }
  }

  /**
   * A new token set, once for all concurrent callers: the refresh token exchanged (rotation), or,
   * for a gateway, a new client_credentials login.
   */
  refresh(): Promise<TokenSet> {
    this.refreshing ??= (this.gateway ? this.reauthenticate(this.gateway) : this.rotate()).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async reauthenticate(gateway: ClientCredentials & { scope?: string }): Promise<TokenSet> {
    let next: TokenSet;
    try {
      next = await this.tokenRequest(
        { grant_type: 'client_credentials', ...(gateway.scope ? { scope: gateway.scope } : {}) },
        undefined,
        gateway,
      );
    } catch (err) {
      if (err instanceof OAuthError && err.error === 'invalid_client') {
        this.gateway = undefined;
        await this.store.clear();
        throw new NotLoggedInError(
          "The client's id and secret were refused (its secret was replaced or revoked, the client was " +
            'deleted, or its agent is suspended): get a new secret and log in with it',
          { cause: err },
        );
      }
      throw err;
    }
    await this.store.set(next);
    return next;
  }

  private async rotate(): Promise<TokenSet> {
    const current = await this.store.get();
    const cookie = this.options.cookieSession;
    if (!cookie && !current?.refreshToken) throw new NotLoggedInError();
    let next: TokenSet;
    try {
      // In a cookie session the browser sends the refresh token; the SDK never sees it.
      next = await this.tokenRequest(
        current?.refreshToken && !cookie
          ? { grant_type: 'refresh_token', refresh_token: current.refreshToken }
          : { grant_type: 'refresh_token' },
      );
    } catch (err) {
      if (err instanceof OAuthError && (err.error === 'invalid_grant' || (cookie && noCookie(err)))) {
        await this.store.clear();
        throw new NotLoggedInError(
          'Your login has ended (the refresh token was refused: it expired, was revoked, or the account ' +
            'was disabled): log in again',
          { cause: err },
        );
      }
      throw err;
    }
    await this.store.set(next);
    return next;
  }

  /**
   * Revokes the login on the server (RFC 7009): the refresh token, which ends every access token
   * of the login, then the access token itself. The stored tokens are forgotten even when the
   * server cannot be reached; the error is raised after.
   */
  async logout(): Promise<void> {
    let tokens = await this.store.get();
    const { client } = this;
    // A cookie session not resumed yet still has a login in the cookie: resume it to end it.
    if (!tokens && this.cookieMode(client) && (await this.resume())) tokens = await this.store.get();
    this.gateway = undefined;
    if (!tokens) return;
    try {
      const revoke = (token: string, hint: string) =>
        this.transport.send<undefined>(
          this.oauthRequest('/oauth/revoke', { token, token_type_hint: hint }, client),
        );
      if (tokens.refreshToken) await revoke(tokens.refreshToken, 'refresh_token');
      // In a cookie session the server also revokes the cookie's refresh token and clears it.
      await revoke(tokens.accessToken, 'access_token');
    } finally {
      await this.store.clear();
    }
  }
}

/** The server's answer to a cookie refresh when the browser sent no cookie: nothing to resume. */
function noCookie(err: OAuthError): boolean {
  return err.error === 'invalid_request' && (err.errorDescription ?? '').includes('hearth_console_refresh');
}
