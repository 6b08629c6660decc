import {
  errorFromResponse,
  HearthConnectionError,
  HearthError,
  type ProblemDetails,
  parseRetryAfter,
  RedirectError,
} from './errors.js';
import type { VersionStore } from './stores.js';

/** The `fetch` the SDK calls: the global one by default; inject another to log, proxy or test. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** Methods that may be sent twice with the same effect (RFC 9110 §9.2.2): only these are retried after a network failure or a 503. */
const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);

/** A version prefix: `/api/v/2`. */
const VERSION_PREFIX = /^\/api\/v\/\d+$/;

export interface TransportOptions {
  /** Server root, without a trailing slash: `https://hearth.example` (a path is kept: `https://x/hearth`). */
  baseUrl: string;
  apiVersion: number;
  fetch: FetchLike;
  versionStore: VersionStore;
  maxRetries: number;
  maxRetryAfterSeconds: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  maxRedirects: number;
  timeoutMs: number;
  headers: Record<string, string>;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  onVersionMoved: ((move: VersionMove) => void) | undefined;
}

/** A move the client learned from a 301 (or 308) and will remember. */
export interface VersionMove {
  server: string;
  from: string;
  to: string;
}

export interface SendRequest {
  method: HttpMethod;
  /** Under the API version root (`/agents`), or from the server root when `root` is set (`/oauth/token`). */
  path: string;
  root?: boolean;
  query?: Record<string, string | number | boolean | null | undefined>;
  /** A JSON body. */
  json?: unknown;
  /** An application/x-www-form-urlencoded body (the OAuth endpoints). */
  form?: Record<string, string>;
  /** A text body of another type (a `text/csv` series upload). */
  text?: { body: string; contentType: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * fetch's `credentials` mode: `include` for the console's cookie session, so the browser sends
   * and stores the refresh cookie on the OAuth endpoints. Unset: fetch's default.
   */
  credentials?: 'include' | 'same-origin' | 'omit';
  /** Errors are RFC 6749 `{error, error_description}` (the OAuth endpoints). */
  oauth?: boolean;
  /**
   * The server treats a repeat of this request as a no-op, whatever its method (`POST /telemetry`:
   * a re-sent reading is counted as a duplicate), so it is retried like GET, PUT and DELETE.
   */
  idempotent?: boolean;
  /**
   * Resolve with the body unread, as a stream (`data`). `timeoutMs` then bounds the wait for the
   * answer's headers and each wait for the next chunk, not the whole download.
   */
  stream?: boolean;
}

/** A successful answer: the parsed body and what else a caller may need from the response. */
export interface ApiResponse<T> {
  data: T;
  status: number;
  headers: Headers;
  /** The server's X-Request-Id: quote it to support. */
  requestId: string | undefined;
  /** The resource's ETag: send it back as `ifMatch` to update only what you read. */
  etag: string | undefined;
  /** The URL that answered, after any redirects. */
  url: string;
}

export const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * The HTTP core: builds URLs under the remembered version prefix, follows redirects itself (every
 * method, same body) and remembers version moves, retries what is safe to retry, and turns error
 * answers into typed errors. Authentication is layered on top (auth.ts, client.ts).
 */
export class Transport {
  private prefix: string | undefined;

  constructor(readonly options: TransportOptions) {}

  /** The server's identity in the version store: its base URL. */
  get server(): string {
    return this.options.baseUrl;
  }

  /** The version prefix requests go to: the SDK's own, or where the server said it moved. */
  async versionPrefix(): Promise<string> {
    if (this.prefix !== undefined) return this.prefix;
    let prefix = `/api/v/${this.options.apiVersion}`;
    // Follows a chain of moves (1 → 2 → 3), guarded against a store that loops.
    for (let hop = 0; hop < 16; hop++) {
      const moved = await this.options.versionStore.get(this.server, prefix);
      if (moved === undefined || moved === prefix) break;
      prefix = moved;
    }
    this.prefix = prefix;
    return prefix;
  }

  private async urlOf(request: SendRequest, prefix: string): Promise<URL> {
    const url = new URL(`${this.options.baseUrl}${request.root ? '' : prefix}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Sends a request with retries; resolves with the parsed answer or rejects with a HearthError. */
  async send<T>(request: SendRequest): Promise<ApiResponse<T>> {
    const { maxRetries, maxRetryAfterSeconds } = this.options;
    const idempotent = request.idempotent ?? IDEMPOTENT.has(request.method);
    for (let attempt = 0; ; attempt++) {
      let answer: { response: Response; url: URL };
      const idle = request.stream ? new IdleTimeout(this.options.timeoutMs, request.signal) : undefined;
      try {
        answer = await this.sendFollowingRedirects(request, idle);
      } catch (err) {
        idle?.clear();
        if (err instanceof HearthError || request.signal?.aborted) throw err;
        if (idempotent && attempt < maxRetries) {
          await this.options.sleep(this.backoff(attempt), request.signal);
          continue;
        }
        throw new HearthConnectionError(
          `Could not reach the Hearth server at ${this.options.baseUrl} (${describeNetworkError(err)})` +
            (idempotent ? `; tried ${attempt + 1} times` : ''),
          request.method,
          `${this.options.baseUrl}${request.path}`,
          { cause: err },
        );
      }
      const { response, url } = answer;
      if (response.ok) {
        if (idle) {
          idle.clear();
          return streamSuccess(response, url, idle, request.method) as ApiResponse<T>;
        }
        return parseSuccess<T>(response, url);
      }

      const problem = await readProblem(response);
      idle?.clear();
      const error = errorFromResponse(
        {
          status: response.status,
          problem,
          headers: response.headers,
          method: request.method,
          url: url.href,
        },
        request.oauth === true,
      );
      // 429: the request was refused before doing anything, so any method may be sent again; 503: only if idempotent.
      const retryable = response.status === 429 || (response.status === 503 && idempotent);
      if (retryable && attempt < maxRetries) {
        const after = parseRetryAfter(response.headers.get('retry-after'));
        if (after === undefined || after <= maxRetryAfterSeconds) {
          await this.options.sleep(
            after === undefined ? this.backoff(attempt) : after * 1000,
            request.signal,
          );
          continue;
        }
      }
      throw error;
    }
  }

  /** Exponential backoff with jitter: half the step fixed, half random, so clients spread out. */
  private backoff(attempt: number): number {
    const step = Math.min(this.options.maxRetryDelayMs, this.options.retryDelayMs * 2 ** attempt);
    return step / 2 + Math.random() * (step / 2);
  }

  /**
   * One attempt: sends the request and follows redirects by hand, re-sending the same method,
   * headers and body (fetch's own redirect mode turns a POST into a GET on 301). A permanent move of
   * the version prefix is remembered so later requests go straight to the new version.
   */
  private async sendFollowingRedirects(
    request: SendRequest,
    idle: IdleTimeout | undefined,
  ): Promise<{ response: Response; url: URL }> {
    let prefix = await this.versionPrefix();
    let url = await this.urlOf(request, prefix);
    let method: HttpMethod = request.method;
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers };
    let body: string | undefined;
    if (request.form !== undefined) {
      body = new URLSearchParams(request.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    } else if (request.text !== undefined) {
      body = request.text.body;
      headers['content-type'] = request.text.contentType;
    }
    Object.assign(headers, request.headers);

    for (let hop = 0; ; hop++) {
      idle?.reset();
      const signal = idle ? idle.signal : this.signalFor(request.signal);
      const response = await this.options.fetch(url.href, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(request.credentials ? { credentials: request.credentials } : {}),
        redirect: 'manual',
        signal,
      });
      let location: URL | undefined;
      let permanent = false;
      if (response.type === 'opaqueredirect') {
        // A browser hides a manual redirect from scripts: discover where the version went instead.
        location = await this.probeMove(url, prefix, request);
        permanent = true;
      } else if ([301, 302, 303, 307, 308].includes(response.status)) {
        const header = response.headers.get('location');
        await response.body?.cancel();
        if (!header)
          throw new RedirectError(`The server answered ${response.status} without a Location`, url.href);
        location = new URL(header, url);
        permanent = response.status === 301 || response.status === 308;
        if (response.status === 303) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
      } else {
        return { response, url };
      }
      if (hop + 1 > this.options.maxRedirects) {
        throw new RedirectError(
          `Gave up after ${this.options.maxRedirects} redirects (last to ${location.href})`,
          url.href,
        );
      }
      if (location.origin !== url.origin) {
        // Never hand a token to another origin.
        delete headers.authorization;
      } else if (permanent && !request.root) {
        const moved = this.movedPrefix(url, location, prefix);
        if (moved !== undefined) {
          await this.remember(prefix, moved);
          prefix = moved;
        }
      }
      url = location;
    }
  }

  private signalFor(caller: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    return caller ? AbortSignal.any([caller, timeout]) : timeout;
  }

  private async remember(from: string, to: string): Promise<void> {
    if (this.prefix === from) this.prefix = to;
    await this.options.versionStore.set(this.server, from, to);
    this.options.onVersionMoved?.({ server: this.server, from, to });
  }

  /**
   * In a browser a redirect is opaque: no status, no Location. HEAD on the version's OpenAPI
   * document with `redirect: 'follow'` keeps its method across a 301, and the answer's final URL
   * tells where the version moved; the original request is then re-sent there by hand.
   */
  private async probeMove(url: URL, prefix: string, request: SendRequest): Promise<URL> {
    const hidden = `The server redirected ${request.method} ${url.pathname}, and the browser hides where to`;
    if (request.root) throw new RedirectError(hidden, url.href);
    const probe = await this.options.fetch(`${url.origin}${prefix}/openapi.json`, {
      method: 'HEAD',
      redirect: 'follow',
      signal: this.signalFor(request.signal),
    });
    const final = new URL(probe.url || url.href);
    const moved = this.withinBase(final.pathname.replace(/\/openapi\.json$/, ''));
    if (!probe.redirected || moved === undefined || moved === prefix) {
      throw new RedirectError(`${hidden}; give the client the current apiVersion`, url.href);
    }
    const rest = url.pathname.slice(this.basePath.length + prefix.length);
    return new URL(`${this.options.baseUrl}${moved}${rest}${url.search}`);
  }

  /** The path of the base URL (`/hearth` in `https://x/hearth`), before every version prefix. */
  private get basePath(): string {
    return new URL(this.options.baseUrl).pathname.replace(/\/$/, '');
  }

  /** A full path's version prefix relative to the base path, if it is one (`/api/v/2`). */
  private withinBase(path: string): string | undefined {
    if (!path.startsWith(this.basePath)) return undefined;
    const prefix = path.slice(this.basePath.length);
    return VERSION_PREFIX.test(prefix) ? prefix : undefined;
  }

  /**
   * The new version prefix when `to` is `from` with only its version prefix changed
   * (`/api/v/1/agents?q=x` → `/api/v/2/agents?q=x`); undefined for any other redirect.
   */
  private movedPrefix(from: URL, to: URL, prefix: string): string | undefined {
    const full = this.basePath + prefix;
    if (from.search !== to.search || !from.pathname.startsWith(full)) return undefined;
    const rest = from.pathname.slice(full.length);
    if (!to.pathname.endsWith(rest)) return undefined;
    const moved = this.withinBase(to.pathname.slice(0, to.pathname.length - rest.length));
    return moved !== prefix ? moved : undefined;
  }
}

/**
 * A timeout that can be restarted: for a streamed answer, `timeoutMs` bounds each wait (for the
 * headers, then for each chunk) rather than the whole download. Its timer never keeps Node alive.
 */
class IdleTimeout {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly signal: AbortSignal;

  constructor(
    private readonly ms: number,
    caller: AbortSignal | undefined,
  ) {
    this.signal = caller ? AbortSignal.any([caller, this.controller.signal]) : this.controller.signal;
  }

  reset(): void {
    this.clear();
    this.timer = setTimeout(
      () => this.controller.abort(new DOMException(`No data for ${this.ms} ms`, 'TimeoutError')),
      this.ms,
    );
    (this.timer as { unref?: () => void }).unref?.();
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A successful answer whose body is handed over unread, watched by `idle` while it is read. */
function streamSuccess(
  response: Response,
  url: URL,
  idle: IdleTimeout,
  method: string,
): ApiResponse<ReadableStream<Uint8Array>> {
  const reader = response.body?.getReader();
  const data = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!reader) {
        idle.clear();
        controller.close();
        return;
      }
      // Only the wait for the server counts against the timeout, not the reader's own pace.
      idle.reset();
      try {
        const { done, value } = await reader.read();
        idle.clear();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        idle.clear();
        controller.error(
          new HearthConnectionError(
            `The connection broke while reading the answer (${describeNetworkError(err)})`,
            method,
            url.href,
            { cause: err },
          ),
        );
      }
    },
    cancel(reason) {
      idle.clear();
      return reader?.cancel(reason);
    },
  });
  return {
    data,
    status: response.status,
    headers: response.headers,
    requestId: response.headers.get('x-request-id') ?? undefined,
    etag: response.headers.get('etag') ?? undefined,
    url: url.href,
  };
}

async function parseSuccess<T>(response: Response, url: URL): Promise<ApiResponse<T>> {
  const text = response.status === 204 ? '' : await response.text();
  const type = response.headers.get('content-type') ?? '';
  let data: unknown;
  if (text !== '' && /[/+]json\b/.test(type)) data = JSON.parse(text);
  else data = text === '' ? undefined : text;
  return {
    data: data as T,
    status: response.status,
    headers: response.headers,
    requestId: response.headers.get('x-request-id') ?? undefined,
    etag: response.headers.get('etag') ?? undefined,
    url: url.href,
  };
}

/** The error body as an object; a body that is not JSON (a proxy's HTML page) becomes an empty problem. */
async function readProblem(response: Response): Promise<ProblemDetails> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as ProblemDetails) : {};
  } catch {
    return {};
  }
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'no answer in time';
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
