import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import { CONSOLE_CLIENT_ID, type OAuthClient } from '../config.js';
import type { Role } from '../db/schema.js';
import { ApiError } from '../http/errors.js';
import type { LoginThrottle } from './login-throttle.js';
import { verifyPassword } from './passwords.js';
import type { AuthRepository } from './repository.js';
import type { IntegrationRole, Scope } from './scope.js';
import type { Sessions } from './sessions.js';
import { hashToken, newToken } from './tokens.js';

/** An RFC 6749 §5.2 error: the token endpoint answers `{"error","error_description"}`. */
export class OAuthError extends Error {
  constructor(
    readonly error:
      | 'invalid_request'
      | 'invalid_client'
      | 'invalid_grant'
      | 'unauthorized_client'
      | 'unsupported_grant_type'
      | 'invalid_scope'
      | 'unsupported_token_type'
      | 'slow_down',
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

/** The scopes Hearth understands; a token request may ask for a subset, anything else is invalid_scope. */
export const SUPPORTED_SCOPES = ['api'] as const;
const DEFAULT_SCOPE = 'api';

export interface TokenResponse {
  token_type: 'Bearer';
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

export interface AuthSettings {
  clients: OAuthClient[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * The client a token request authenticated: one of HEARTH_OAUTH_CLIENTS, a home's gateway or an
 * agent's integration client (which may use only client_credentials, and whose tokens carry their
 * secret's family).
 */
export interface AuthenticatedClient {
  id: string;
  grants: OAuthClient['grants'];
  gateway?: { homeId: string; agentId: string; tokenFamily: string };
  integration?: { agentId: string; tokenFamily: string };
}

/** A user account as a login and a bearer check read it (users owns the accounts). */
export interface LoginUser {
  id: string;
  username: string;
  passwordHash: string;
  status: string;
  role: Role;
  agentId: string | null;
  homeAccess: 'all' | 'groups';
}

/** A home gateway or integration client that proved its secret: who it is and its token family. */
interface ClientLogin {
  clientId: string;
  agentId: string;
  tokenFamily: string;
}

/**
 * The accounts a token is granted to and checked against, each owned by its feature: users,
 * agents (a suspended agent's tokens stop working), home gateways and integration clients. They
 * sit above auth, so they are given to it in this shape instead of imported.
 */
export interface AuthAccounts {
  users: {
    findForLogin(username: string): Promise<LoginUser | undefined>;
    findById(id: string): Promise<LoginUser | undefined>;
  };
  agents: { findById(id: string): Promise<{ name: string; status: string } | undefined> };
  gateways: {
    login(clientId: string, secret: string): Promise<(ClientLogin & { homeId: string }) | undefined>;
    find(
      clientId: string,
    ): Promise<
      | { clientId: string; homeId: string; agentId: string; status: string; tokenFamily: string | null }
      | undefined
    >;
    markUsed(clientId: string): Promise<void>;
  };
  integrationClients: {
    login(clientId: string, secret: string): Promise<ClientLogin | undefined>;
    find(clientId: string): Promise<(ClientLogin & { name: string; role: IntegrationRole }) | undefined>;
    markUsed(clientId: string): Promise<void>;
  };
}

export class AuthService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly throttle: LoginThrottle,
    private readonly sessions: Sessions,
    private readonly accounts: AuthAccounts,
    private readonly settings: AuthSettings,
  ) {}

  /**
   * RFC 6749 §2.3.1: client_id and client_secret by HTTP Basic (form-encoded, then base64), or in
   * the body. Using both at once is invalid_request; anything unknown is invalid_client (401). An id
   * that is no configured client may be a home's gateway (its secret issued through the API).
   */
  async authenticateClient(
    authorization: string | undefined,
    body: Record<string, string>,
  ): Promise<AuthenticatedClient> {
    const fail = (description: string): never => {
      throw new OAuthError('invalid_client', description, 401, {
        'WWW-Authenticate': 'Basic realm="hearth"',
      });
    };
    let id: string | undefined;
    let secret: string | undefined;
    if (authorization !== undefined) {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
      if (!match?.[1]) fail('The Authorization header must be HTTP Basic with the client id and secret');
      const decoded = Buffer.from(match?.[1] ?? '', 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) fail('The Basic credentials must be client_id:client_secret');
      try {
        id = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
        secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
      } catch {
        fail('The Basic credentials are not correctly encoded');
      }
      if (body.client_id !== undefined || body.client_secret !== undefined) {
        throw new OAuthError(
          'invalid_request',
          'Authenticate the client with one method only: Basic or the body',
        );
      }
    } else if (body.client_id !== undefined) {
      id = body.client_id;
      secret = body.client_secret ?? '';
    } else {
      fail('Client authentication is required: send Authorization: Basic with the client id and secret');
    }
    if (id === CONSOLE_CLIENT_ID) {
      // RFC 6749 §2.1: a public client has no secret to keep; a secret sent anyway is a mistake.
      if (secret) fail(`The ${CONSOLE_CLIENT_ID} client is public: send it without a secret`);
      return { id: CONSOLE_CLIENT_ID, grants: ['password', 'refresh_token'] };
    }
    const client = this.settings.clients.find((c) => c.id === id);
    if (!client) {
      // Not a configured client: a gateway, an integration client, or nobody (the same answer, and
      // the same digest comparisons, for an unknown client as for a wrong secret).
      const gateway = await this.accounts.gateways.login(id ?? '', secret ?? '');
      if (gateway) return { id: gateway.clientId, grants: ['client_credentials'], gateway };
      const integration = await this.accounts.integrationClients.login(id ?? '', secret ?? '');
      if (integration) {
        const { agentId, tokenFamily } = integration;
        return {
          id: integration.clientId,
          grants: ['client_credentials'],
          integration: { agentId, tokenFamily },
        };
      }
      return fail('Unknown client or wrong client secret');
    }
    // Compare digests so the comparison takes the same time whatever the secret's length.
    if (!timingSafeEqual(digest(client.secret), digest(secret ?? '')))
      fail('Unknown client or wrong client secret');
    return { id: client.id, grants: client.grants };
  }

  private requireGrant(client: AuthenticatedClient, grant: OAuthClient['grants'][number]): void {
    if (!client.grants.includes(grant)) {
      throw new OAuthError('unauthorized_client', `Client ${client.id} may not use the ${grant} grant`);
    }
  }

  private parseScope(requested: string | undefined, allowed: readonly string[]): string {
    if (requested === undefined) return allowed.join(' ') || DEFAULT_SCOPE;
    const wanted = requested.split(' ').filter(Boolean);
    if (wanted.length === 0) throw new OAuthError('invalid_scope', 'The scope parameter is empty');
    const unknown = wanted.filter((s) => !allowed.includes(s));
    if (unknown.length > 0)
      throw new OAuthError('invalid_scope', `Unknown or not granted scope: ${unknown.join(' ')}`);
    return [...new Set(wanted)].join(' ');
  }

  /** RFC 6749 §4.3: the resource owner password credentials grant, throttled (see LoginThrottle). */
  async passwordGrant(
    client: AuthenticatedClient,
    params: Record<string, string>,
    address: string,
  ): Promise<TokenResponse> {
    this.requireGrant(client, 'password');
    if (!params.username) throw new OAuthError('invalid_request', 'The username parameter is required');
    if (params.password === undefined)
      throw new OAuthError('invalid_request', 'The password parameter is required');
    const scope = this.parseScope(params.scope, SUPPORTED_SCOPES);
    const username = params.username.toLowerCase();
    const user = await this.accounts.users.findForLogin(username);

    const attempt = await this.throttle.begin(username, address, user?.id);
    const wait = attempt.retryAfter;
    if (wait > 0) {
      throw new OAuthError('slow_down', `Too many failed logins; try again in ${wait} seconds`, 429, {
        'Retry-After': String(wait),
      });
    }
    const valid = await verifyPassword(user?.passwordHash, params.password);
    if (!valid || !user) {
      const delay = await attempt.failed();
      if (delay > 0) await sleep(delay);
      // The same answer for an unknown user and a wrong password: usernames cannot be enumerated.
      throw new OAuthError('invalid_grant', 'The username or password is wrong');
    }
    if (user.status !== 'active') throw new OAuthError('invalid_grant', 'This account is disabled');
    await attempt.succeeded(user.id);
    return this.issue(client, user.id, scope, scope, uuidv7());
  }

  /** RFC 6749 §6: a refresh token is used once; a replayed one revokes its whole family. */
  async refreshGrant(client: AuthenticatedClient, params: Record<string, string>): Promise<TokenResponse> {
    this.requireGrant(client, 'refresh_token');
    if (!params.refresh_token)
      throw new OAuthError('invalid_request', 'The refresh_token parameter is required');
    const now = Date.now();
    const stored = await this.repo.findToken(hashToken(params.refresh_token));
    const invalid = new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
    if (stored?.kind !== 'refresh' || stored.client_id !== client.id) throw invalid;
    if (stored.revoked_at !== null) {
      // Replay of a used refresh token: someone else may hold it. End the whole session.
      await this.repo.revokeFamily(stored.family_id, now);
      this.sessions.forgetCachedScopes();
      throw invalid;
    }
    if (Number(stored.expires_at) <= now) throw invalid;
    const scope = this.parseScope(params.scope, stored.scope.split(' '));
    const user = stored.user_id ? await this.accounts.users.findById(stored.user_id) : undefined;
    if (user?.status !== 'active') throw invalid;
    if (!(await this.repo.revokeToken(stored.token_hash, now))) {
      // Another request used this refresh token at the same moment: treat it as a replay.
      await this.repo.revokeFamily(stored.family_id, now);
      this.sessions.forgetCachedScopes();
      throw invalid;
    }
    // §6: the access token may have a narrower scope; the new refresh token keeps the old one's.
    return this.issue(client, user.id, scope, stored.scope, stored.family_id);
  }

  /**
   * RFC 6749 §4.4: a home's gateway or an agent's integration client gets an access token for
   * itself (no user, no refresh token: it asks again with its secret). A configured client has no
   * user behind it, so it may not.
   */
  async clientCredentialsGrant(
    client: AuthenticatedClient,
    params: Record<string, string>,
  ): Promise<TokenResponse> {
    this.requireGrant(client, 'client_credentials');
    const family = client.gateway?.tokenFamily ?? client.integration?.tokenFamily;
    if (family === undefined) {
      throw new OAuthError(
        'unauthorized_client',
        `Client ${client.id} may not use client_credentials: only home gateways and integration clients may, as a token needs a user, a gateway or an integration client behind it`,
      );
    }
    const scope = this.parseScope(params.scope, SUPPORTED_SCOPES);
    const issued = await this.issue(client, null, scope, scope, family);
    if (client.gateway) await this.accounts.gateways.markUsed(client.id);
    else await this.accounts.integrationClients.markUsed(client.id);
    return issued;
  }

  private async issue(
    client: AuthenticatedClient,
    userId: string | null,
    scope: string,
    refreshScope: string,
    familyId: string,
  ): Promise<TokenResponse> {
    const now = Date.now();
    const accessToken = newToken();
    const refreshToken = client.grants.includes('refresh_token') ? newToken() : undefined;
    const common = {
      client_id: client.id,
      user_id: userId,
      family_id: familyId,
      revoked_at: null,
      created_at: now,
    };
    await this.repo.insertTokens([
      {
        ...common,
        token_hash: hashToken(accessToken),
        kind: 'access',
        scope,
        expires_at: now + this.settings.accessTokenTtl * 1000,
      },
      ...(refreshToken
        ? [
            {
              ...common,
              token_hash: hashToken(refreshToken),
              kind: 'refresh' as const,
              scope: refreshScope,
              expires_at: now + this.settings.refreshTokenTtl * 1000,
            },
          ]
        : []),
    ]);
    return {
      token_type: 'Bearer',
      access_token: accessToken,
      expires_in: this.settings.accessTokenTtl,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope,
    };
  }

  /**
   * RFC 7009: revokes an access or refresh token of this client. A refresh token takes its whole
   * family (every access token minted from the same login) with it. Unknown tokens are not an error.
   */
  async revoke(client: AuthenticatedClient, params: Record<string, string>): Promise<void> {
    if (!params.token) throw new OAuthError('invalid_request', 'The token parameter is required');
    const stored = await this.repo.findToken(hashToken(params.token));
    if (!stored) return;
    if (stored.client_id !== client.id) {
      throw new OAuthError('invalid_request', 'This token was not issued to the client revoking it');
    }
    const now = Date.now();
    if (stored.kind === 'refresh') await this.repo.revokeFamily(stored.family_id, now);
    else await this.repo.revokeToken(stored.token_hash, now);
    this.sessions.forgetCachedScopes();
  }

  /** How long a refresh token lives, in seconds (the console's refresh cookie lives as long). */
  get refreshTokenTtl(): number {
    return this.settings.refreshTokenTtl;
  }

  /** Revokes every token of a user, except one session if given (Sessions.revokeUserTokens). */
  revokeUserTokens(userId: string, exceptFamily?: string): Promise<void> {
    return this.sessions.revokeUserTokens(userId, exceptFamily);
  }

  /** Revokes every token issued to a client (Sessions.revokeClientTokens). */
  revokeClientTokens(clientId: string): Promise<void> {
    return this.sessions.revokeClientTokens(clientId);
  }

  /** Drops this node's cached token checks (Sessions.forgetCachedScopes). */
  forgetCachedScopes(): void {
    this.sessions.forgetCachedScopes();
  }

  /** RFC 6750: turns a bearer token into the caller's scope, or throws invalid_token / agent_suspended. */
  async authenticateBearer(token: string): Promise<Scope> {
    const tokenHash = hashToken(token);
    const now = Date.now();
    const cached = this.sessions.cached(tokenHash, now);
    if (cached) return cached;

    const stored = await this.repo.findToken(tokenHash);
    if (stored?.kind !== 'access' || stored.revoked_at !== null || Number(stored.expires_at) <= now) {
      this.sessions.drop(tokenHash);
      throw new ApiError('invalid_token', 'The access token is invalid, expired or revoked; log in again');
    }
    const scope = stored.user_id
      ? await this.userScope(stored.user_id, stored.client_id, tokenHash)
      : ((await this.integrationScope(stored.client_id, stored.family_id, tokenHash)) ??
        (await this.gatewayScope(stored.client_id, stored.family_id, tokenHash)));
    this.sessions.remember(tokenHash, scope, Number(stored.expires_at), now);
    return scope;
  }

  private async userScope(userId: string, clientId: string, tokenHash: string): Promise<Scope> {
    const user = await this.accounts.users.findById(userId);
    if (user?.status !== 'active') {
      throw new ApiError('invalid_token', 'The account of this access token is disabled or gone');
    }
    if (user.agentId) await this.requireAgentActive(user.agentId, 'this account');
    return {
      userId: user.id,
      username: user.username,
      role: user.role,
      agentId: user.agentId,
      clientId,
      tokenHash,
      homeAccess: user.role === 'editor' || user.role === 'viewer' ? user.homeAccess : 'all',
    };
  }

  /**
   * A token without a user is a gateway's: valid while the gateway is active and the token was
   * issued with its current secret. It sees no home through the home groups (it has none); the
   * telemetry it may write is its own home's (`gatewayHomeId`).
   */
  private async gatewayScope(clientId: string, familyId: string, tokenHash: string): Promise<Scope> {
    const gateway = await this.accounts.gateways.find(clientId);
    if (gateway?.status !== 'active' || gateway.tokenFamily !== familyId) {
      throw new ApiError(
        'invalid_token',
        "The gateway's secret of this access token was revoked or replaced",
      );
    }
    await this.requireAgentActive(gateway.agentId, 'this gateway');
    return {
      userId: gateway.clientId,
      username: `gateway:${gateway.clientId}`,
      role: 'gateway',
      agentId: gateway.agentId,
      clientId: gateway.clientId,
      tokenHash,
      homeAccess: 'groups',
      gatewayHomeId: gateway.homeId,
    };
  }

  /**
   * A token of an integration client: valid while the client exists and the token was issued with
   * its current secret. It acts on its agent's data with the client's access, and sees every home
   * of the agent (it is in no home group). Undefined when the client id is no integration client.
   */
  private async integrationScope(
    clientId: string,
    familyId: string,
    tokenHash: string,
  ): Promise<Scope | undefined> {
    const client = await this.accounts.integrationClients.find(clientId);
    if (!client) return undefined;
    if (client.tokenFamily !== familyId) {
      throw new ApiError('invalid_token', "The integration client's secret of this access token was rotated");
    }
    await this.requireAgentActive(client.agentId, 'this integration client');
    return {
      userId: client.clientId,
      username: `client:${client.name}`,
      role: client.role,
      agentId: client.agentId,
      clientId: client.clientId,
      tokenHash,
      homeAccess: 'all',
    };
  }

  private async requireAgentActive(agentId: string, whose: string): Promise<void> {
    const agent = await this.accounts.agents.findById(agentId);
    if (!agent) throw new ApiError('invalid_token', `The agent of ${whose} no longer exists`);
    if (agent.status === 'suspended') {
      throw new ApiError(
        'agent_suspended',
        `Agent "${agent.name}" is suspended; contact the platform operator`,
      );
    }
  }
}
