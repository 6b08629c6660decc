import type { HomeRow } from './repository.js';

/**
 * What the telemetry store's plausibility checks read from a home's stored installation and a
 * meter's settings (both owned here): the rated capacity and the circuit an electricity meter measures.
 */
export function ratedCapacityKw(home: Pick<HomeRow, 'installation'>): number | undefined {
  const rated = (JSON.parse(home.installation) as { ratedCapacityKw?: unknown }).ratedCapacityKw;
  return typeof rated === 'number' && rated > 0 ? rated : undefined;
}

export function meterMeasures(settings: string): string | undefined {
  const measures = (JSON.parse(settings) as { measures?: unknown }).measures;
  return typeof measures === 'string' ? measures : undefined;
}
