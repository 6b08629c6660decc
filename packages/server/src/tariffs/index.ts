/**
 * The public module of tariffs: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { TariffsRepository } from './repository.js';
import { tariffsRoutes } from './routes.js';
import { type TariffsDeps, TariffsService } from './service.js';

export { type CarbonSource, carbonOf, DEFAULT_CARBON_FACTORS } from './carbon.js';
export { costOf, type HourlyUsage } from './cost.js';
export type { TariffView } from './schemas.js';
export { TariffsService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createTariffs(deps: TariffsDeps) {
  return { service: new TariffsService(new TariffsRepository(deps.db), deps), routes: tariffsRoutes };
}
