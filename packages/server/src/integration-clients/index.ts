/**
 * The public module of integration-clients: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { IntegrationClientsRepository } from './repository.js';
export { integrationClientsRoutes } from './routes.js';
export { IntegrationClientsService } from './service.js';
