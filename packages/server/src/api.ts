import type { FastifyInstance } from 'fastify';
import { bearerAuthentication } from './auth/bearer.js';
import { usersRoutes } from './users/routes.js';

/**
 * Every resource of the API, registered once under each current version prefix (/api/v/1, …).
 * Bearer authentication guards all of them except routes marked public.
 */
export async function apiRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', bearerAuthentication(app.ctx.services.auth));

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  await app.register(usersRoutes);
}
