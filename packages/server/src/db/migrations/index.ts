import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as tenancy from './0002-tenancy.js';
import * as ordersHomes from './0003-orders-homes.js';
import * as telemetry from './0004-telemetry.js';
import * as tariffs from './0005-tariffs.js';
import * as faults from './0006-faults.js';
import * as notifications from './0007-notifications.js';
import * as regions from './0008-regions.js';
import * as agentRegion from './0009-agent-region.js';
import * as alarmEpisodes from './0011-alarm-episodes.js';

/** Every migration, in order. Names are permanent: add new ones, never rename or edit applied ones. */
export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-tenancy': tenancy,
  '0003-orders-homes': ordersHomes,
  '0004-telemetry': telemetry,
  '0005-tariffs': tariffs,
  '0006-faults': faults,
  '0007-notifications': notifications,
  '0008-regions': regions,
  '0009-agent-region': agentRegion,
  '0011-alarm-episodes': alarmEpisodes,
};
