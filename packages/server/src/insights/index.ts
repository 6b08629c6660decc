/**
 * The public module of insights: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { insightRoutes } from './routes.js';
import { type InsightsDeps, InsightsService } from './service.js';

export { InsightAnswerSchema } from './schemas.js';
export { GAS_KWH_PER_M3, InsightsService, sourcesOf } from './service.js';

/** Makes the feature over the services it reads: its service and its routes. */
export function createInsights(deps: InsightsDeps) {
  return { service: new InsightsService(deps), routes: insightRoutes };
}
