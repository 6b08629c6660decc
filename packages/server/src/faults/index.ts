/**
 * The public module of faults: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import type { Kysely } from 'kysely';
import { QualityAlarms } from '../analytics/quality-intervals.js';
import type { DB } from '../db/schema.js';
import { type EvaluatorDeps, FaultEvaluator } from './evaluator.js';
import { FaultsRepository } from './repository.js';
import { faultsRoutes } from './routes.js';
import { type AlarmsDeps, AlarmsService } from './service.js';

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
export { alarmedHomes } from './repository.js';
export { type ActiveAlarmCounts, AlarmsService } from './service.js';
export { checkThresholds } from './thresholds.js';

/**
 * Makes faults in two steps: what analytics read of alarms (the data-quality alarms whose hours
 * they leave out), then, once telemetry and notifications exist, the evaluator and the alarms service.
 */
export function createFaults(db: Kysely<DB>) {
  const repo = new FaultsRepository(db);
  return {
    qualityAlarms: new QualityAlarms((...span) => repo.alarmSpans(...span)),
    evaluation: (
      deps: Omit<EvaluatorDeps, 'db' | 'repo'> & Pick<AlarmsDeps, 'audit' | 'agents' | 'notifications'>,
    ) => {
      const evaluator = new FaultEvaluator({ ...deps, db, repo });
      const alarms = new AlarmsService(repo, { ...deps, db, evaluator });
      return { evaluator, alarms, routes: faultsRoutes };
    },
  };
}
