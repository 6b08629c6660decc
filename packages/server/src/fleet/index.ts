/**
 * The public module of fleet: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { fleetRoutes } from './routes.js';
import { type FleetDeps, FleetService } from './service.js';

/** Makes the feature over the services it reads: its service and its routes. */
export function createFleet(deps: FleetDeps) {
  return { service: new FleetService(deps), routes: fleetRoutes };
}
