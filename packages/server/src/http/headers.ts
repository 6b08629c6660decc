import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The security headers of every answer, set in one place (an onSend hook of the root instance), so
 * a new route or page cannot forget them:
 *
 * - `X-Content-Type-Options: nosniff` on every answer: a browser never runs an answer as a type it
 *   guessed (a JSON or CSV answer holding `<script>` stays data).
 * - Every document (HTML, SVG) has a Content-Security-Policy with `frame-ancestors 'none'`, and
 *   `X-Frame-Options: DENY` for browsers older than CSP 2: no page of ours can be framed
 *   (clickjacking). A page that sets its own policy keeps it, with `frame-ancestors 'none'` added
 *   when it has none; a page without one gets a policy that only forbids framing, plugins and
 *   `<base>`, so it keeps working as it was written.
 * - `Cache-Control: no-store` on every API answer, unless the route is one of the few GETs below
 *   that hold no personal data (their answers can be kept by the browser and revalidated with
 *   If-None-Match, which matters for charts of a year of readings). A list of what may be cached,
 *   rather than of what may not, means a new route holding personal data is safe by default.
 *   An answer that set Cache-Control itself (the console, the token endpoint) keeps it.
 */

/** GET routes (under /api/v/{n}) whose answers hold no personal data: no names, emails, addresses, notes. */
export const CACHEABLE_API_ROUTES: ReadonlySet<string> = new Set([
  '/openapi.json',
  '/regions',
  '/regions/:id/weather',
  '/regions/:id/carbon-intensity',
  '/tariffs',
  '/tariffs/:id',
  '/homes/:id/tariffs',
  '/home-groups',
  '/home-groups/:id',
  '/fault-rules',
  '/homes/:id/meters',
  '/homes/:id/gateway',
  '/homes/:id/telemetry',
  '/homes/:id/telemetry/latest',
  '/homes/:id/insight',
  '/homes/:id/performance',
  '/portfolio/performance',
  '/portfolio/insight',
]);

/** Content types a browser renders as a document, which could be framed. */
const DOCUMENT = /^\s*(text\/html|application\/xhtml\+xml|image\/svg\+xml)\b/i;
/** The policy of a document that brings none. */
const DEFAULT_DOCUMENT_POLICY = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'";
const API_PATH = /^\/api\/v\/\d+(\/.*)$/;

function header(reply: FastifyReply, name: string): string | undefined {
  const value = reply.getHeader(name);
  return value === undefined ? undefined : String(value);
}

/** The route's template under the API version prefix (`/homes/:id`), or undefined outside the API. */
function apiRouteOf(request: FastifyRequest): string | undefined {
  const template = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  return API_PATH.exec(template)?.[1] ?? (request.url.startsWith('/api/') ? '' : undefined);
}

export function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');

  if (DOCUMENT.test(header(reply, 'content-type') ?? '')) {
    const policy = header(reply, 'content-security-policy');
    if (policy === undefined) reply.header('content-security-policy', DEFAULT_DOCUMENT_POLICY);
    else if (!/(^|;)\s*frame-ancestors\s/i.test(policy)) {
      reply.header('content-security-policy', `${policy.replace(/;\s*$/, '')}; frame-ancestors 'none'`);
    }
    reply.header('x-frame-options', 'DENY');
  }

  const route = apiRouteOf(request);
  if (route !== undefined && header(reply, 'cache-control') === undefined) {
    const readOnly = request.method === 'GET' || request.method === 'HEAD';
    if (!(readOnly && reply.statusCode < 400 && CACHEABLE_API_ROUTES.has(route))) {
      reply.header('cache-control', 'no-store');
    }
  }
}

/** Adds the hook to the root instance: it runs for every answer, errors and 404s included. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    setSecurityHeaders(request, reply);
    return payload;
  });
}
