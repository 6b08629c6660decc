/**
 * The public module of telemetry: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { type ExclusionsDeps, ExclusionsService } from './exclusions.js';
import { ExclusionsRepository } from './exclusions-repository.js';
import { exclusionsRoutes } from './exclusions-routes.js';
import { TelemetryQueries, type TelemetryQueryDeps } from './query.js';
import { telemetryRoutes } from './routes.js';
import { type TelemetryDeps, TelemetryService } from './service.js';

export {
  eachSeriesLine,
  parseDecimal,
  SERIES_EARLIEST,
  SERIES_HORIZON_MS,
  toCsv,
  UploadProblems,
} from './csv.js';
export type { HourStats } from './hour-history.js';
export { type HourRollup, TelemetryQueries } from './query.js';
export { wantsCsv } from './routes.js';
export { parseTime, TelemetryService } from './service.js';
export {
  type IncomingReading,
  type IngestResult,
  MAX_READINGS_PER_REQUEST,
  type Refusal,
  type Writer,
} from './types.js';

/** Makes telemetry: the writer, the queries, exclusions, and their routes. */
export function createTelemetry(
  deps: TelemetryDeps & Omit<TelemetryQueryDeps, 'db'> & Pick<ExclusionsDeps, 'audit'>,
) {
  const { db } = deps.database;
  const service = new TelemetryService(deps);
  const queries = new TelemetryQueries({ ...deps, db });
  const exclusions = new ExclusionsService(new ExclusionsRepository(db), { ...deps, db, telemetry: service });
  return { service, queries, exclusions, routes: [telemetryRoutes, exclusionsRoutes] };
}
