import type { FastifyCorsOptions } from '@fastify/cors';

/** What a browser app sends: bearer tokens (no cookies), JSON or CSV bodies, conditional requests. */
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'If-Match',
  'If-None-Match',
  'X-Request-Id',
];
/** What it may read back: versions (ETag), new resources and moves (Location), paging (Link), limits. */
const EXPOSED_HEADERS = [
  'ETag',
  'Location',
  'Link',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'WWW-Authenticate',
  'X-Request-Id',
  'Content-Disposition',
];

/**
 * CORS for browser apps on other origins (the SDK runs in browsers: issue #9). Off unless
 * HEARTH_CORS_ORIGINS names origins. Credentials are never allowed: the API is bearer tokens only,
 * so no cookie can ride along. Preflights are cached by the browser for 10 minutes.
 */
export function corsOptions(origins: string[]): FastifyCorsOptions {
  return {
    origin: origins.length === 1 && origins[0] === '*' ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
  };
}
