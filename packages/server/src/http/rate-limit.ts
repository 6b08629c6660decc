import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

const MINUTE = 60_000;

/**
 * Per-caller request limits on the API (`@fastify/rate-limit`): at most `perMinute` requests in a
 * fixed minute per user or gateway — keyed by the authenticated caller, so all of one user's
 * tokens share it and one agent's busy script never slows another's — else 429
 * `too_many_requests` with `Retry-After` (seconds) and the `X-RateLimit-*` headers. It runs as a
 * preHandler, after authentication and validation: a refused or unauthenticated request does not
 * count. The count is this process's: behind N nodes a caller gets up to N × the limit.
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: perMinute,
    timeWindow: MINUTE,
    // The public OpenAPI document has no caller: its client's address stands in.
    keyGenerator: (request) => (request.scope ? `caller:${request.scope.userId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new ApiError(
        'too_many_requests',
        `More than ${context.max} requests in a minute from this caller; try again in ${seconds} s (Retry-After)`,
        { headers: { 'retry-after': String(seconds) } },
      );
    },
  });
}
