/**
 * The public module of performance: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { performanceRoutes } from './routes.js';
import { type PerformanceDeps, PerformanceService } from './service.js';

export { type Boundary, type BoundaryLevel, boundaryTerms, supportedBoundaries } from './boundary.js';
export { compressorStartThresholdW } from './formulas.js';
export { PerformanceAnswerSchema } from './schemas.js';
export { PerformanceService, PLAUSIBLE_SPF } from './service.js';

/** Makes the feature over the services it reads: its service and its routes. */
export function createPerformance(deps: PerformanceDeps) {
  return { service: new PerformanceService(deps), routes: performanceRoutes };
}
