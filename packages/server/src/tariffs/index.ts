/**
 * The public module of tariffs: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { type CarbonSource, carbonOf, DEFAULT_CARBON_FACTORS } from './carbon.js';
export { costOf, type HourlyUsage } from './cost.js';
export { TariffsRepository } from './repository.js';
export { tariffsRoutes } from './routes.js';
export type { TariffView } from './schemas.js';
export { TariffsService } from './service.js';
