/**
 * The public module of gateways: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { GatewaysRepository } from './repository.js';
export { gatewaysRoutes } from './routes.js';
export { type GatewayIdentity, GatewaysService, readingsTopic, resultsTopic } from './service.js';
