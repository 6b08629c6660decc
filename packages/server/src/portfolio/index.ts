/**
 * The public module of portfolio: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { portfolioRoutes } from './routes.js';
export type { PerformanceRow } from './schemas.js';
export { PortfolioService, pageOf } from './service.js';
