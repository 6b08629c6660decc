/**
 * The public module of portfolio: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { portfolioRoutes } from './routes.js';
import { type PortfolioDeps, PortfolioService } from './service.js';

export type { PerformanceRow } from './schemas.js';
export { PortfolioService, pageOf } from './service.js';

/** Makes the feature over the services it reads: its service and its routes. */
export function createPortfolio(deps: PortfolioDeps) {
  return { service: new PortfolioService(deps), routes: portfolioRoutes };
}
