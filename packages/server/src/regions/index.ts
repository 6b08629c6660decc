/**
 * The public module of regions: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { RegionsRepository } from './repository.js';
export { regionsRoutes } from './routes.js';
export { RegionsService } from './service.js';
export { outdoorOrRegional, type RegionalWeatherSource, regionalDay } from './weather.js';
