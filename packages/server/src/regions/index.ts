/**
 * The public module of regions: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { RegionsRepository } from './repository.js';
import { regionsRoutes } from './routes.js';
import { type RegionsDeps, RegionsService } from './service.js';

export { outdoorOrRegional, type RegionalWeatherSource, regionalDay } from './weather.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createRegions(deps: RegionsDeps) {
  return { service: new RegionsService(new RegionsRepository(deps.db), deps), routes: regionsRoutes };
}
