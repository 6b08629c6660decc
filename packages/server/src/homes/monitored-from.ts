import type { Calendar } from '../analytics/buckets.js';
import type { Installation } from './description.js';
import type { HomeRow } from './repository.js';

/**
 * When a home could first have readings: its creation, or the local day of its commissioning date
 * if that is earlier (a gateway may backfill from then). The telemetry store refuses anything older,
 * so hours before it are not missing data, and analytics count from it.
 */
export function monitoredFrom(
  home: { installation: Pick<Installation, 'commissioningDate'>; createdAt: number },
  calendar: Calendar,
): number {
  const commissioned = home.installation.commissioningDate;
  const created = home.createdAt;
  return commissioned ? Math.min(created, calendar.dayOf(Date.parse(`${commissioned}T12:00:00Z`))) : created;
}

/** monitoredFrom of a home's stored row (its installation as stored). */
export function monitoredFromRow(
  row: Pick<HomeRow, 'installation' | 'created_at'>,
  calendar: Calendar,
): number {
  const installation = JSON.parse(row.installation) as Pick<Installation, 'commissioningDate'>;
  return monitoredFrom({ installation, createdAt: Number(row.created_at) }, calendar);
}
