import type { FastifyInstance, RouteOptions } from 'fastify';
import { bearerAuthentication, enforcePermission, isPermission } from './auth/index.js';
import { registerRateLimit } from './http/rate-limit.js';

/**
 * Every resource of the API, registered once under each current version prefix (/api/v/1, …).
 * Bearer authentication guards all of them except routes marked public, and every other route
 * must name the permission it needs: a route without one fails at start, not in production.
 */
export async function apiRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ?? {}) as { public?: boolean; permission?: unknown };
    if (!config.public && !isPermission(config.permission)) {
      throw new Error(`Route ${String(route.method)} ${route.url} names no permission (config.permission)`);
    }
  });
  app.addHook('onRequest', bearerAuthentication(app.ctx.services.auth));
  // After authentication, before the body is validated: a caller without the right learns nothing more.
  app.addHook('preValidation', enforcePermission);
  // Then each caller's requests per minute (HEARTH_RATE_LIMIT), counted once they got this far.
  await registerRateLimit(app, app.ctx.config.rateLimitPerMinute);

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  for (const routes of app.ctx.routes) await app.register(routes);
}
