/**
 * Heating degree days, the measure of how cold a period was for heating: a day colder than the
 * base temperature needs heat in proportion to how much colder it was. Hearth uses the daily mean
 * method (CIBSE TM41 §2: HDD = max(0, base − mean outdoor temperature of the day)) with the UK's
 * customary base of 15.5 °C, from the home's own outdoor sensor.
 */

export const HDD_BASE_C = 15.5;

/** A local day's outdoor temperature summary, as the daily rollups keep it. */
export interface OutdoorDay {
  /** local date, YYYY-MM-DD */
  date: string;
  /** mean of the day's readings, °C */
  meanC: number;
  /** how many hours of the day had at least one reading (0–25) */
  hoursWithData: number;
  /** the day's length in hours (23, 24 or 25 across DST changes) */
  hours: number;
}

/** Below this share of a day's hours with readings, its mean is not trusted for degree days. */
export const MIN_DAY_COVERAGE = 0.75;

/** One day's heating degree days (K·day), or null when the day has too few readings to say. */
export function dayHdd(day: OutdoorDay, baseC = HDD_BASE_C): number | null {
  if (day.hours <= 0 || day.hoursWithData / day.hours < MIN_DAY_COVERAGE) return null;
  return Math.max(0, baseC - day.meanC);
}

export interface HddTotal {
  /** Σ HDD over the days that could be measured, K·day */
  hdd: number;
  /** days with a trusted mean */
  daysMeasured: number;
  days: number;
}

export function totalHdd(days: OutdoorDay[], baseC = HDD_BASE_C): HddTotal {
  let hdd = 0;
  let measured = 0;
  for (const day of days) {
    const value = dayHdd(day, baseC);
    if (value === null) continue;
    hdd += value;
    measured++;
  }
  return { hdd, daysMeasured: measured, days: days.length };
}
