/**
 * The public module of fleet: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { fleetRoutes } from './routes.js';
export { FleetService } from './service.js';
