import { TokenManager } from './auth.js';
import { AuthenticationError } from './errors.js';
import { AgentsResource } from './resources/agents.js';
import { AlarmsResource, FaultRulesResource } from './resources/alarms.js';
import { AuditResource } from './resources/audit.js';
import { FleetResource } from './resources/fleet.js';
import { GatewaysResource } from './resources/gateways.js';
import { HomeGroupsResource } from './resources/home-groups.js';
import { HomesResource } from './resources/homes.js';
import { InsightResource } from './resources/insight.js';
import { IntegrationClientsResource } from './resources/integration-clients.js';
import { InvitationsResource } from './resources/invitations.js';
import { NotificationSubscriptionsResource } from './resources/notification-subscriptions.js';
import { OrdersResource } from './resources/orders.js';
import { PasswordResetsResource } from './resources/password-resets.js';
import { PerformanceResource } from './resources/performance.js';
import { PortfolioResource } from './resources/portfolio.js';
import { ProvisioningResource } from './resources/provisioning.js';
import { RegionsResource } from './resources/regions.js';
import { ReportsResource } from './resources/reports.js';
import { TariffsResource } from './resources/tariffs.js';
import { TelemetryResource } from './resources/telemetry.js';
import { UsersResource } from './resources/users.js';
import { WebhooksResource } from './resources/webhooks.js';
import {
  MemoryTokenStore,
  MemoryVersionStore,
  type TokenSet,
  type TokenStore,
  type VersionStore,
} from './stores.js';
import {
  type ApiResponse,
  defaultSleep,
  type FetchLike,
  type HttpMethod,
  type SendRequest,
  Transport,
  type VersionMove,
} from './transport.js';
import type {
  ApiPath,
  ChangePasswordInput,
  MethodOf,
  PathParamsOf,
  QueryOf,
  RequestBody,
  SuccessOf,
  User,
} from './types.js';
import { API_VERSION } from './version.js';

/** Everything a HearthClient can be configured with; only `baseUrl` is required. */
export interface HearthClientOptions {
  /** The server's root URL, e.g. `https://hearth.example` or `http://127.0.0.1:8080`. */
  baseUrl: string;
  /**
   * The API version to start from (default: the one this SDK was generated for). Moves the server
   * announces with 301 are followed and remembered in `versionStore`.
   */
  apiVersion?: number;
  /**
   * OAuth2 client id for `login()` (default `trusted`), sent with HTTP Basic to the token endpoint.
   * A gateway or an integration client gives its own id and secret to `loginWithClientCredentials()` instead.
   */
  clientId?: string;
  /** OAuth2 client secret for `login()` (default `secret`; none for the public `console` client). */
  clientSecret?: string;
  /**
   * For a first-party browser app served by the Hearth server itself (the web console), with
   * `clientId: 'console'`. The refresh token then lives in an HttpOnly cookie (`hearth_console_refresh`,
   * Path=/oauth) that the SDK never sees: `login()` keeps only the access token, in memory (leave
   * `tokenStore` at its default; nothing is written to localStorage), the client authenticates by
   * `client_id` in the body without a secret, requests to `/oauth/*` are sent with
   * `credentials: 'include'`, and a refresh sends no refresh_token (the browser sends the cookie).
   * Call `resumeSession()` on page load to pick up the login the cookie holds. Default false.
   */
  cookieSession?: boolean;
  /** The fetch to use (default: the global fetch). Inject one to log, proxy, or test. */
  fetch?: FetchLike;
  /** Where tokens live (default: memory). The CLI keeps them in a file of mode 0600. */
  tokenStore?: TokenStore;
  /** Where version moves are remembered (default: memory, for this client's life). */
  versionStore?: VersionStore;
  /** Retries after a network failure or 503 (idempotent requests only) and after 429 (default 2). */
  maxRetries?: number;
  /** The longest `Retry-After` the client waits out by itself; a longer one raises at once (default 30). */
  maxRetryAfterSeconds?: number;
  /** First backoff step in ms (default 300); it doubles per retry, with jitter, up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  /** Longest backoff step in ms (default 5000). */
  maxRetryDelayMs?: number;
  /** Redirects followed per request before giving up (default 5). */
  maxRedirects?: number;
  /** How long one HTTP exchange may take, in ms (default 30000). */
  timeoutMs?: number;
  /** Refresh the access token this long before it expires (default 60 s, capped at half its lifetime). */
  refreshMarginSeconds?: number;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Called when the client learns that an API version moved (it has already remembered it). */
  onVersionMoved?: (move: VersionMove) => void;
  /** Waits between retries (default: a timer). Replace it to schedule retries differently, or in tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock, in epoch ms (default Date.now), for token expiry. */
  now?: () => number;
}

/** Options every call takes. */
export interface RequestOptions {
  /** Cancels the request (and its retries). */
  signal?: AbortSignal;
  /** Extra headers for this request. */
  headers?: Record<string, string>;
}

/** Options of calls that change or delete a resource. */
export interface WriteOptions extends RequestOptions {
  /** The ETag you read: the change is refused with PreconditionFailedError (412) if the resource changed since. */
  ifMatch?: string;
}

/** A call of the versioned API by path, typed from the server's OpenAPI document. */
export type CallOptions<P extends ApiPath, M extends MethodOf<P>> = WriteOptions & {
  params?: PathParamsOf<P, M>;
  query?: Partial<QueryOf<P, M>>;
  body?: RequestBody<P, M>;
  /** A `text/csv` body instead of JSON (the regional series uploads, `PUT /regions/{id}/…`). */
  csv?: string;
  /** false: send no bearer token (only for public routes such as invitation acceptance). */
  authenticate?: boolean;
  /**
   * true: the server treats a repeat of this request as a no-op, so it may be retried after a
   * network failure or a 503 whatever its method (the SDK sets it for `POST /telemetry`). Only set
   * it for requests you know to be safe to send twice.
   */
  idempotent?: boolean;
};

/**
 * The Hearth SDK. Log in once; every call then carries a fresh access token, follows and remembers
 * API version moves, retries what is safe to retry, and raises typed errors (errors.ts).
 *
 * ```ts
 * const hearth = new HearthClient({ baseUrl: 'http://127.0.0.1:8080' });
 * await hearth.login({ username: 'oper_a', password: 'pword' });
 * for await (const agent of hearth.agents.list({ q: 'warm' })) console.log(agent.name);
 * ```
 */
export class HearthClient {
  readonly agents: AgentsResource;
  readonly users: UsersResource;
  readonly invitations: InvitationsResource;
  /** A forgotten password: ask for a reset email, then set a new password with its token (no login). */
  readonly passwordResets: PasswordResetsResource;
  readonly audit: AuditResource;
  readonly orders: OrdersResource;
  readonly homes: HomesResource;
  readonly provisioning: ProvisioningResource;
  readonly homeGroups: HomeGroupsResource;
  readonly telemetry: TelemetryResource;
  readonly gateways: GatewaysResource;
  readonly performance: PerformanceResource;
  readonly insight: InsightResource;
  readonly portfolio: PortfolioResource;
  /** The fleet table: every home you may see with connection, alarms and SPF, server-side. */
  readonly fleet: FleetResource;
  readonly reports: ReportsResource;
  readonly tariffs: TariffsResource;
  /** The platform's regional series: daily weather and half-hourly carbon intensity (operator loads). */
  readonly regions: RegionsResource;
  readonly alarms: AlarmsResource;
  readonly faultRules: FaultRulesResource;
  readonly webhooks: WebhooksResource;
  readonly notificationSubscriptions: NotificationSubscriptionsResource;
  /** The agent's OAuth2 clients for scripts, BI tools and partners (admins). */
  readonly integrationClients: IntegrationClientsResource;

  private readonly transport: Transport;
  private readonly tokens: TokenManager;

  constructor(options: HearthClientOptions) {
    const baseUrl = new URL(options.baseUrl).href.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
    this.transport = new Transport({
      baseUrl,
      apiVersion: options.apiVersion ?? API_VERSION,
      fetch: fetchImpl,
      versionStore: options.versionStore ?? new MemoryVersionStore(),
      maxRetries: options.maxRetries ?? 2,
      maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 30,
      retryDelayMs: options.retryDelayMs ?? 300,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
      maxRedirects: options.maxRedirects ?? 5,
      timeoutMs: options.timeoutMs ?? 30_000,
      headers: options.headers ?? {},
      sleep: options.sleep ?? defaultSleep,
      onVersionMoved: options.onVersionMoved,
    });
    this.tokens = new TokenManager(this.transport, options.tokenStore ?? new MemoryTokenStore(), {
      clientId: options.clientId ?? 'trusted',
      clientSecret: options.clientSecret ?? (options.cookieSession ? '' : 'secret'),
      refreshMarginSeconds: options.refreshMarginSeconds ?? 60,
      now: options.now ?? Date.now,
      cookieSession: options.cookieSession ?? false,
    });
    this.agents = new AgentsResource(this);
    this.users = new UsersResource(this);
    this.invitations = new InvitationsResource(this);
    this.passwordResets = new PasswordResetsResource(this);
    this.audit = new AuditResource(this);
    this.orders = new OrdersResource(this);
    this.homes = new HomesResource(this);
    this.provisioning = new ProvisioningResource(this);
    this.homeGroups = new HomeGroupsResource(this);
    this.telemetry = new TelemetryResource(this);
    this.gateways = new GatewaysResource(this);
    this.performance = new PerformanceResource(this);
    this.insight = new InsightResource(this);
    this.portfolio = new PortfolioResource(this);
    this.fleet = new FleetResource(this);
    this.reports = new ReportsResource(this);
    this.tariffs = new TariffsResource(this);
    this.regions = new RegionsResource(this);
    this.alarms = new AlarmsResource(this);
    this.faultRules = new FaultRulesResource(this);
    this.webhooks = new WebhooksResource(this);
    this.notificationSubscriptions = new NotificationSubscriptionsResource(this);
    this.integrationClients = new IntegrationClientsResource(this);
  }

  /** The server's base URL, as the client uses it (no trailing slash). */
  get baseUrl(): string {
    return this.transport.server;
  }

  /** The version prefix calls go to now (`/api/v/1`, or where the server moved it). */
  versionPrefix(): Promise<string> {
    return this.transport.versionPrefix();
  }

  /**
   * Logs in with the password grant and stores the tokens. Raises OAuthError `invalid_grant` for a
   * wrong username or password, RateLimitError after too many failures.
   */
  async login(credentials: { username: string; password: string; scope?: string }): Promise<TokenSet> {
    return this.tokens.login(credentials.username, credentials.password, credentials.scope);
  }

  /**
   * Logs a home's gateway or an agent's integration client in with the client_credentials grant:
   * its client id and the secret `gateways.issueSecret()` or `integrationClients.create()` answered
   * once. There is no refresh token: the SDK keeps the id and secret in memory (never in the token
   * store) and asks for a new token by itself when this one is close to expiry or is refused. A
   * gateway token may only push readings (`telemetry.push`); an integration client's token reads
   * (and, with `read_write` access, writes) its agent's data. Raises OAuthError `invalid_client` for
   * a wrong id or secret, a revoked gateway or deleted client, or a suspended agent; once logged
   * in, a secret that stops working (rotated, revoked) raises NotLoggedInError.
   */
  async loginWithClientCredentials(credentials: {
    clientId: string;
    clientSecret: string;
    scope?: string;
  }): Promise<TokenSet> {
    return this.tokens.loginWithClientCredentials(credentials);
  }

  /**
   * Picks up a login made earlier, without a password: with `cookieSession`, a refresh with the
   * browser's refresh cookie (call it on page load); otherwise the tokens already in `tokenStore`,
   * refreshed if due. Resolves true when logged in, false when there is no login to resume (no
   * cookie, or the server refused it: expired, revoked, logged out); other failures (the network)
   * raise as usual.
   */
  resumeSession(): Promise<boolean> {
    return this.tokens.resume();
  }

  /**
   * Revokes the login on the server (refresh and access token) and forgets the tokens. With
   * `cookieSession` the access token is revoked, and the server revokes the cookie's refresh token
   * (ending the login everywhere) and clears the cookie.
   */
  logout(): Promise<void> {
    return this.tokens.logout();
  }

  /**
   * Exchanges the refresh token now, or for a gateway logs in again (the client also does this by
   * itself before expiry).
   */
  refresh(): Promise<TokenSet> {
    return this.tokens.refresh();
  }

  /** The user the access token belongs to. */
  async me(options: RequestOptions = {}): Promise<User> {
    return (await this.request('get', '/users/me', options)).data;
  }

  /**
   * Logs out everywhere: every session of this user ends on the server, this one included (other
   * browsers and scripts logged in as them too), and this client forgets its tokens (with
   * `cookieSession`, the server clears the cookie). Log in again to go on.
   */
  async logoutEverywhere(options: RequestOptions = {}): Promise<void> {
    await this.request('delete', '/users/me/sessions', options);
    // The tokens are revoked already: this only forgets them here and clears a console's cookie.
    await this.tokens.logout().catch(() => undefined);
  }

  /** Changes your password; your other logins end, this one goes on. */
  async changePassword(input: ChangePasswordInput, options: RequestOptions = {}): Promise<void> {
    await this.request('put', '/users/me/password', { ...options, body: input });
  }

  /**
   * Any call of the versioned API, typed by path and method from the OpenAPI document, with the
   * whole answer (data, status, headers, requestId, etag). The resource namespaces are built on it;
   * use it for ETags, or for a route this SDK release has no method for yet.
   *
   * ```ts
   * const { data, etag } = await hearth.request('get', '/agents/{id}', { params: { id } });
   * await hearth.agents.update(id, { name: 'New name' }, { ifMatch: etag });
   * ```
   */
  async request<P extends ApiPath, M extends MethodOf<P>>(
    method: M,
    path: P,
    options: CallOptions<P, M> = {},
  ): Promise<ApiResponse<SuccessOf<P, M>>> {
    return this.send(toSendRequest(method, path, options), options.authenticate !== false);
  }

  /**
   * Like `request()`, but the answer's body is handed over unread, as a stream of bytes (a CSV
   * export). `timeoutMs` then bounds each wait for data, not the whole download; cancel the stream
   * (or pass `signal`) to stop early.
   */
  async stream<P extends ApiPath, M extends MethodOf<P>>(
    method: M,
    path: P,
    options: CallOptions<P, M> = {},
  ): Promise<ApiResponse<ReadableStream<Uint8Array>>> {
    return this.send(
      { ...toSendRequest(method, path, options), stream: true },
      options.authenticate !== false,
    );
  }

  /** Sends with a fresh bearer token, and once more with a new one if the server refused it. */
  private async send<T>(request: SendRequest, authenticate: boolean): Promise<ApiResponse<T>> {
    const headers = request.headers ?? {};
    if (!authenticate) return this.transport.send(request);

    const token = await this.tokens.accessToken();
    try {
      return await this.transport.send({
        ...request,
        headers: { ...headers, authorization: `Bearer ${token}` },
      });
    } catch (err) {
      // Revoked or expired early (a clock off, a server restart): refresh once and send again.
      // A 401 means nothing was done, so this is safe for every method.
      if (
        !(err instanceof AuthenticationError) ||
        err.code !== 'invalid_token' ||
        !(await this.tokens.canRefresh())
      ) {
        throw err;
      }
      const fresh = await this.tokens.accessToken(token);
      return this.transport.send({ ...request, headers: { ...headers, authorization: `Bearer ${fresh}` } });
    }
  }
}

/** A typed call as the transport sends it. */
function toSendRequest<P extends ApiPath, M extends MethodOf<P>>(
  method: M,
  path: P,
  options: CallOptions<P, M>,
): SendRequest {
  const headers: Record<string, string> = { ...options.headers };
  if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
  return {
    method: method.toUpperCase() as HttpMethod,
    path: fillPath(path, options.params as Record<string, string> | undefined),
    headers,
    ...(options.query
      ? { query: options.query as Record<string, string | number | boolean | undefined> }
      : {}),
    ...(options.body !== undefined ? { json: options.body } : {}),
    ...(options.csv !== undefined ? { text: { body: options.csv, contentType: 'text/csv' } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
  };
}

/** `/agents/{id}` with `{ id }` → `/agents/0190…`, each value percent-encoded. */
function fillPath(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === '') throw new TypeError(`${path} needs the path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
