/**
 * The public module of integration-clients: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { IntegrationClientsRepository } from './repository.js';
import { integrationClientsRoutes } from './routes.js';
import { type IntegrationClientsDeps, IntegrationClientsService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createIntegrationClients(deps: IntegrationClientsDeps) {
  return {
    service: new IntegrationClientsService(new IntegrationClientsRepository(deps.db), deps),
    routes: integrationClientsRoutes,
  };
}
