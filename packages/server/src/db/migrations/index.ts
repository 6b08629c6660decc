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
import * as telemetryExclusions from './0010-telemetry-exclusions.js';
import * as passwordResets from './0012-password-resets.js';
import * as integrationClients from './0013-integration-clients.js';
import * as alarmEpisodes from './0014-alarm-episodes.js';

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
  '0010-telemetry-exclusions': telemetryExclusions,
  '0012-password-resets': passwordResets,
  '0013-integration-clients': integrationClients,
  // 0011 was kept for this; 0012 and 0013 reached main first, and a database migrated past them
  // would refuse an earlier name (Kysely keeps migrations in order).
  '0014-alarm-episodes': alarmEpisodes,
};
