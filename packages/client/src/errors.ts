import { API_VERSION, SDK_VERSION } from './version.js';

/** One field the server refused: a JSON pointer into the request (`/body/name`) and what is wrong. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The body of an error answer: an RFC 9457 problem document from the API, or an RFC 6749
 * `{error, error_description}` from the OAuth endpoints, or whatever else a proxy sent.
 */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldProblem[];
  [key: string]: unknown;
}

/** Base class of every error this SDK throws: `catch (e) { if (e instanceof HearthError) … }`. */
export class HearthError extends Error {
  /** A stable machine-readable code: the server's problem code, or the SDK's own for local failures. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Raised when the server could not be reached or did not answer (connection refused, DNS, reset,
 * timeout), after the retries allowed for the request were spent. Idempotent requests (GET, HEAD,
 * PUT, DELETE) are retried with backoff first; a POST is not, as it may have been carried out.
 */
export class HearthConnectionError extends HearthError {
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, 'connection_failed', options);
  }
}

/**
 * Raised before any request is sent when the client holds no usable tokens: never logged in,
 * logged out, or the refresh token was refused (expired, revoked, or the user was disabled).
 * Log in again with `client.login()`. For a gateway (`loginWithClientCredentials()`): its client id
 * and secret were refused when the SDK asked for a new token (the secret was replaced or revoked,
 * or the agent suspended); `cause` is the OAuthError.
 */
export class NotLoggedInError extends HearthError {
  constructor(message = 'Not logged in: call login() first', options?: { cause?: unknown }) {
    super(message, 'not_logged_in', options);
  }
}

/**
 * Raised when a redirect cannot be followed: more hops than `maxRedirects`, a redirect without a
 * `Location`, or (in a browser) a redirect the browser hides from scripts and the SDK could not
 * discover by probing. See the README's "Browsers" note.
 */
export class RedirectError extends HearthError {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message, 'redirect_failed');
  }
}

interface ApiErrorInit {
  status: number;
  problem: ProblemDetails;
  headers: Headers;
  method: string;
  url: string;
  message?: string;
}

/**
 * Raised when the server answered with an error status. Carries the problem's stable `code`, the
 * HTTP `status`, the `detail` sentence, the `requestId` to quote to support (also sent as
 * X-Request-Id), and `errors`, one entry per refused field. Subclasses narrow it by status.
 */
export class HearthApiError extends HearthError {
  readonly status: number;
  readonly detail: string;
  readonly requestId: string | undefined;
  readonly errors: FieldProblem[];
  /** The whole error body as the server sent it. */
  readonly problem: ProblemDetails;
  readonly headers: Headers;
  readonly method: string;
  readonly url: string;

  constructor(init: ApiErrorInit) {
    const { status, problem, headers } = init;
    const code = typeof problem.code === 'string' ? problem.code : `http_${status}`;
    const detail =
      typeof problem.detail === 'string'
        ? problem.detail
        : typeof problem.title === 'string'
          ? problem.title
          : `The server answered ${status} to ${init.method} ${init.url}`;
    super(init.message ?? detail, code);
    this.status = status;
    this.detail = detail;
    this.requestId =
      (typeof problem.requestId === 'string' ? problem.requestId : undefined) ??
      headers.get('x-request-id') ??
      undefined;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
    this.headers = headers;
    this.method = init.method;
    this.url = init.url;
  }
}

/**
 * Raised on 400: the request is malformed or a field is not valid (`validation_failed`, with
 * `errors` naming each field), or a domain rule refused it (`invitation_invalid`,
 * `password_incorrect`, `password_reset_invalid`).
 */
export class InvalidRequestError extends HearthApiError {}

/**
 * Raised on 401: the access token was missing, unknown, expired or revoked, or its account was
 * disabled. The SDK refreshes an expired token once by itself before raising this.
 */
export class AuthenticationError extends HearthApiError {}

/** Raised on 403: your role may not do this (`forbidden`), or your agent is suspended (`agent_suspended`). */
export class PermissionError extends HearthApiError {}

/** Raised on 404: no such resource, or not one you may see (`not_found`); or no such route or API version. */
export class NotFoundError extends HearthApiError {}

/** Raised on 409: the request conflicts with the current state (a duplicate; the last admin of an agent). */
export class ConflictError extends HearthApiError {}

/**
 * Raised on 412: the `ifMatch` you sent no longer matches the resource's ETag, because someone
 * changed it since you read it. Read it again and re-apply your change.
 */
export class PreconditionFailedError extends HearthApiError {}

/**
 * Raised on 413 `payload_too_large`: the body is larger than the server accepts (its byte limit),
 * or a telemetry push holds more than 10,000 readings. Nothing was stored: send it in smaller parts.
 */
export class PayloadTooLargeError extends HearthApiError {}

/** Raised on 422: the request is well-formed but cannot be carried out as it stands. */
export class UnprocessableEntityError extends HearthApiError {}

/**
 * Raised on 429: too many requests (`too_many_requests`), or too many failed logins at the token
 * endpoint (`slow_down`). Requests are retried after `Retry-After` while it is within
 * `maxRetryAfterSeconds` and retries remain; then this is raised. `retryAfter` is the server's wait
 * in seconds, when it gave one.
 */
export class RateLimitError extends HearthApiError {
  readonly retryAfter: number | undefined;
  constructor(init: ApiErrorInit & { retryAfter: number | undefined }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}

/** Raised on 5xx: a fault on the server's side, or the service is unavailable (after retries). Quote `requestId`. */
export class ServerError extends HearthApiError {}

/**
 * Raised by the OAuth endpoints (`/oauth/token`, `/oauth/revoke`) with RFC 6749's error code in
 * `error` (also `code`): `invalid_grant` for a wrong username or password or a spent refresh token,
 * `invalid_client` for a wrong client id or secret, `invalid_scope`, `unsupported_grant_type`, …
 * Too many failed logins raise RateLimitError instead (code `slow_down`).
 */
export class OAuthError extends HearthApiError {
  /** RFC 6749 §5.2 error code. */
  readonly error: string;
  readonly errorDescription: string | undefined;
  constructor(init: ApiErrorInit) {
    const error = typeof init.problem.error === 'string' ? init.problem.error : `http_${init.status}`;
    const description =
      typeof init.problem.error_description === 'string' ? init.problem.error_description : undefined;
    super({
      ...init,
      problem: { ...init.problem, code: error, detail: description ?? `OAuth error ${error}` },
    });
    this.error = error;
    this.errorDescription = description;
  }
}

/**
 * Raised on 410 `api_version_retired`: the server no longer answers the API version this SDK speaks.
 * Nothing the caller does with this SDK release will work against that server: upgrade
 * `@hearth/client` (or the `hearth` CLI) to a release that speaks one of `currentVersions`.
 * `upgrade` is the path the server names for the same resource in its current version.
 */
export class ApiVersionGoneError extends HearthApiError {
  /** The version the server retired (the one this request was sent to). */
  readonly retiredVersion: number | undefined;
  /** The versions the server still answers, ascending. */
  readonly currentVersions: number[];
  /** The server's advice: the same resource under its current version, e.g. `/api/v/2/agents`. */
  readonly upgrade: string | undefined;

  constructor(init: ApiErrorInit) {
    const current = Array.isArray(init.problem.currentVersions)
      ? init.problem.currentVersions.filter((v): v is number => typeof v === 'number')
      : [];
    const retired = /\/api\/v\/(\d+)(?:\/|$)/.exec(new URL(init.url).pathname)?.[1];
    const retiredVersion = retired === undefined ? undefined : Number(retired);
    const latest = current[current.length - 1];
    const serverSays =
      typeof init.problem.detail === 'string' ? ` The server says: ${init.problem.detail}` : '';
    const message =
      `The Hearth server has retired API version ${retiredVersion ?? API_VERSION}, which this SDK ` +
      `(@hearth/client ${SDK_VERSION}) speaks` +
      (latest === undefined ? '' : `; it now answers version ${current.join(', ')}`) +
      `. Upgrade @hearth/client (or the hearth CLI) to a release for API version ${latest ?? 'the current'}.` +
      serverSays;
    super({ ...init, message });
    this.retiredVersion = retiredVersion;
    this.currentVersions = current;
    this.upgrade = typeof init.problem.upgrade === 'string' ? init.problem.upgrade : undefined;
  }
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The typed error for an error answer. `oauth`: the answer came from an OAuth endpoint. */
export function errorFromResponse(init: Omit<ApiErrorInit, 'message'>, oauth: boolean): HearthApiError {
  const { status } = init;
  if (oauth && typeof init.problem.error === 'string') {
    // RFC 6749's fields, under the names every other error uses.
    const { error, error_description: description } = init.problem;
    init = {
      ...init,
      problem: {
        ...init.problem,
        code: error,
        ...(typeof description === 'string' ? { detail: description } : {}),
      },
    };
  }
  if (status === 429) {
    return new RateLimitError({ ...init, retryAfter: parseRetryAfter(init.headers.get('retry-after')) });
  }
  if (status === 410 && (init.problem.code === 'api_version_retired' || !oauth)) {
    return new ApiVersionGoneError(init);
  }
  if (oauth && typeof init.problem.error === 'string') return new OAuthError(init);
  switch (status) {
    case 400:
      return new InvalidRequestError(init);
    case 401:
      return new AuthenticationError(init);
    case 403:
      return new PermissionError(init);
    case 404:
      return new NotFoundError(init);
    case 409:
      return new ConflictError(init);
    case 412:
      return new PreconditionFailedError(init);
    case 413:
      return new PayloadTooLargeError(init);
    case 422:
      return new UnprocessableEntityError(init);
  }
  if (status >= 500) return new ServerError(init);
  return new HearthApiError(init);
}
