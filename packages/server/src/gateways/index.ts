/**
 * The public module of gateways: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { GatewaysRepository } from './repository.js';
import { gatewaysRoutes } from './routes.js';
import { type GatewaysDeps, GatewaysService } from './service.js';

export { type GatewayIdentity, GatewaysService, readingsTopic, resultsTopic } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createGateways(deps: GatewaysDeps) {
  return { service: new GatewaysService(new GatewaysRepository(deps.db), deps), routes: gatewaysRoutes };
}
