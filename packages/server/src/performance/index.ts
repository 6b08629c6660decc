/**
 * The public module of performance: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { type Boundary, type BoundaryLevel, boundaryTerms, supportedBoundaries } from './boundary.js';
export { compressorStartThresholdW } from './formulas.js';
export { performanceRoutes } from './routes.js';
export { PerformanceAnswerSchema } from './schemas.js';
export { PerformanceService, PLAUSIBLE_SPF } from './service.js';
