import type { FastifyInstance, RouteOptions } from 'fastify';
import { agentsRoutes } from './agents/index.js';
import { auditRoutes } from './audit/index.js';
import { bearerAuthentication, enforcePermission, isPermission } from './auth/index.js';
import { faultsRoutes } from './faults/index.js';
import { fleetRoutes } from './fleet/index.js';
import { gatewaysRoutes } from './gateways/index.js';
import { homeGroupsRoutes } from './home-groups/index.js';
import { homesRoutes } from './homes/index.js';
import { registerRateLimit } from './http/rate-limit.js';
import { insightRoutes } from './insights/index.js';
import { integrationClientsRoutes } from './integration-clients/index.js';
import { invitationsRoutes } from './invitations/index.js';
import { notificationsRoutes } from './notifications/index.js';
import { ordersRoutes } from './orders/index.js';
import { passwordResetsRoutes } from './password-resets/index.js';
import { performanceRoutes } from './performance/index.js';
import { portfolioRoutes } from './portfolio/index.js';
import { provisioningRoutes } from './provisioning/index.js';
import { regionsRoutes } from './regions/index.js';
import { reportsRoutes } from './reports/index.js';
import { tariffsRoutes } from './tariffs/index.js';
import { exclusionsRoutes, telemetryRoutes } from './telemetry/index.js';
import { usersRoutes } from './users/index.js';
import { webhooksRoutes } from './webhooks/index.js';

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

  await app.register(usersRoutes);
  await app.register(agentsRoutes);
  await app.register(invitationsRoutes);
  await app.register(passwordResetsRoutes);
  await app.register(auditRoutes);
  await app.register(ordersRoutes);
  await app.register(homesRoutes);
  await app.register(fleetRoutes);
  await app.register(provisioningRoutes);
  await app.register(gatewaysRoutes);
  await app.register(homeGroupsRoutes);
  await app.register(telemetryRoutes);
  await app.register(exclusionsRoutes);
  await app.register(tariffsRoutes);
  await app.register(performanceRoutes);
  await app.register(insightRoutes);
  await app.register(portfolioRoutes);
  await app.register(faultsRoutes);
  await app.register(webhooksRoutes);
  await app.register(notificationsRoutes);
  await app.register(reportsRoutes);
  await app.register(regionsRoutes);
  await app.register(integrationClientsRoutes);
}
