/**
 * The public module of insights: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { insightRoutes } from './routes.js';
export { InsightAnswerSchema } from './schemas.js';
export { GAS_KWH_PER_M3, InsightsService, sourcesOf } from './service.js';
