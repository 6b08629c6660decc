import type { Calendar } from '../analytics/buckets.js';
import type { HomeRow } from './repository.js';

/**
 * When a home could first have readings: its creation, or the local day of its commissioning date
 * if that is earlier (a gateway may backfill from then). The telemetry store refuses anything older,
 * so hours before it are not missing data, and analytics count from it.
 */
export function monitoredFrom(
  home: Pick<HomeRow, 'installation' | 'created_at'>,
  calendar: Calendar,
): number {
  const commissioned = (JSON.parse(home.installation) as { commissioningDate?: string }).commissioningDate;
  const created = Number(home.created_at);
  return commissioned ? Math.min(created, calendar.dayOf(Date.parse(`${commissioned}T12:00:00Z`))) : created;
}
