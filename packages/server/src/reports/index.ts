/**
 * The public module of reports: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { reportsRoutes } from './routes.js';
import { type ReportsDeps, ReportsService } from './service.js';

/** Makes the feature over the services it reads: its service and its routes. */
export function createReports(deps: ReportsDeps) {
  return { service: new ReportsService(deps), routes: reportsRoutes };
}
