/**
 * The public module of homes: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import type { Kysely } from 'kysely';
import type { AgentsService } from '../agents/index.js';
import type { DB } from '../db/schema.js';
import { HomesRepository } from './repository.js';
import { homesRoutes } from './routes.js';
import { HomeRecords, type HomesDeps, HomesService } from './service.js';

export {
  installationProblems,
  meterProblems,
  needer,
  normalisePostcode,
  propertyProblems,
} from './completeness.js';
export {
  type Installation,
  InstallationSchema,
  MeterSpecSchema,
  OccupantSchema,
  PropertySchema,
  Reference,
  TECHNOLOGIES,
} from './description.js';
export { meterMeasures, ratedCapacityKw } from './installation-facts.js';
export type { MeterCollection, MeterForStatus, MeterStatus, PollHealth } from './meter-status.js';
export { monitoredFrom, monitoredFromRow } from './monitored-from.js';
export type { MeterView } from './schemas.js';
export {
  type FleetHome,
  type Home,
  type HomeBasics,
  HomeRecords,
  HomesService,
  seesOccupant,
} from './service.js';

/**
 * Makes homes in two steps: the records the features above homes read (their gateway, telemetry,
 * service definitions), then, once those exist, the homes service that shows them all with its routes.
 */
export function createHomes(
  db: Kysely<DB>,
  options: { defaultRegion: string; agents: Pick<AgentsService, 'defaultRegionOf'> },
) {
  const repo = new HomesRepository(db);
  return {
    records: new HomeRecords(repo, options),
    withViews: (deps: Omit<HomesDeps, 'db' | 'defaultRegion' | 'agents'>) => ({
      service: new HomesService(repo, { ...deps, ...options, db }),
      routes: homesRoutes,
    }),
  };
}
