/**
 * The public module of faults: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { FaultEvaluator } from './evaluator.js';
export {
  columnsOfFilter,
  EVENT_TYPES,
  filterFields,
  filterOf,
  filterView,
  matches,
  SEVERITIES,
} from './event-filters.js';
export type { AlarmEvent } from './events.js';
export { alarmedHomes, FaultsRepository } from './repository.js';
export { faultsRoutes } from './routes.js';
export { type ActiveAlarmCounts, AlarmsService } from './service.js';
export { checkThresholds } from './thresholds.js';
