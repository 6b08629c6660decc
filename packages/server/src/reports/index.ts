/**
 * The public module of reports: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { reportsRoutes } from './routes.js';
export { ReportsService } from './service.js';
