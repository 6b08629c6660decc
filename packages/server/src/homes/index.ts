/**
 * The public module of homes: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
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
  type Property,
  PropertySchema,
  Reference,
  TECHNOLOGIES,
} from './description.js';
export { meterMeasures, ratedCapacityKw } from './installation-facts.js';
export type { MeterCollection, MeterForStatus, MeterStatus, PollHealth } from './meter-status.js';
export { monitoredFrom, monitoredFromRow } from './monitored-from.js';
export { HomesRepository } from './repository.js';
export { homesRoutes } from './routes.js';
export type { MeterView } from './schemas.js';
export {
  type FleetHome,
  type Home,
  type HomeBasics,
  HomeRecords,
  HomesService,
  seesOccupant,
} from './service.js';
