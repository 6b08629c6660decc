/**
 * Weather normalisation: a home's daily heating energy is close to a straight line in the day's
 * heating degree days, E = base + slope × HDD (the "energy signature" or performance line of
 * CIBSE TM41 / TM46 and ISO 50006): `base` is what the home uses on a day that needs no heating
 * (hot water, standby), `slope` the energy per degree day, a measure of the house's heat loss as
 * the heating system sees it. Fitted by ordinary least squares over the days with both figures.
 */

export interface DailyPoint {
  hdd: number;
  kwh: number;
}

export interface EnergySignature {
  /** kWh per day at 0 HDD */
  baseKwhPerDay: number;
  /** kWh per degree day */
  slopeKwhPerDegreeDay: number;
  /** share of the daily variation the line explains (0–1) */
  r2: number;
  /** days the fit used */
  days: number;
}

/** Fewer days than this, or no spread in HDD, and there is no line worth stating. */
export const MIN_FIT_DAYS = 14;

/** The least-squares line through the points, or null when there are too few or all HDD are equal. */
export function fitSignature(points: DailyPoint[]): EnergySignature | null {
  const n = points.length;
  if (n < MIN_FIT_DAYS) return null;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.hdd;
    sy += p.kwh;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.hdd - mx;
    const dy = p.kwh - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  // All days equally cold: the slope is undefined (not zero).
  if (sxx < 1e-9) return null;
  const slope = sxy / sxx;
  const base = my - slope * mx;
  const r2 = syy < 1e-12 ? 1 : (sxy * sxy) / (sxx * syy);
  return { baseKwhPerDay: base, slopeKwhPerDegreeDay: slope, r2, days: n };
}

/**
 * What the home would use over `days` days totalling `hdd` degree days (a reference year, or the
 * same period last year) by its signature: the consumption with the weather taken out.
 */
export function normalisedKwh(signature: EnergySignature, days: number, hdd: number): number {
  return signature.baseKwhPerDay * days + signature.slopeKwhPerDegreeDay * hdd;
}
