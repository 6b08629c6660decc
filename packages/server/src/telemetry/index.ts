/**
 * The public module of telemetry: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export {
  eachSeriesLine,
  parseDecimal,
  SERIES_EARLIEST,
  SERIES_HORIZON_MS,
  toCsv,
  UploadProblems,
} from './csv.js';
export { ExclusionsService } from './exclusions.js';
export { ExclusionsRepository } from './exclusions-repository.js';
export { exclusionsRoutes } from './exclusions-routes.js';
export type { HourStats } from './hour-history.js';
export { type HourRollup, TelemetryQueries } from './query.js';
export { telemetryRoutes, wantsCsv } from './routes.js';
export { parseTime, TelemetryService } from './service.js';
export {
  type IncomingReading,
  type IngestResult,
  MAX_READINGS_PER_REQUEST,
  type Refusal,
  type Writer,
} from './types.js';
