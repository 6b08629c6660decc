/**
 * The performance formulas, pure and small enough to check by hand (docs/performance.md states
 * each with its source). Energies are kWh, temperatures °C, powers W.
 */
import { round } from '../analytics/schemas.js';

/** A figure rounded to `decimals`, or null. */
export const roundOrNull = (value: number | null, decimals: number): number | null =>
  value === null ? null : round(value, decimals);

/** COP or SPF: heat over electricity (Σ over Σ, never a mean of ratios); null without electricity. */
export function ratio(heatKwh: number, electricityKwh: number): number | null {
  return electricityKwh > 0 ? heatKwh / electricityKwh : null;
}

/**
 * The convention of % of Carnot, as heatpumpmonitor.org and emoncms's heat pump app state it: the
 * refrigerant condenses 2 K above the flow temperature and evaporates 6 K below the outside air.
 */
export const CARNOT_CONDENSING_OFFSET_K = 2;
export const CARNOT_EVAPORATING_OFFSET_K = -6;

/**
 * The practical Carnot COP between the flow and the outdoor air: the ideal COP between the
 * condensing (flow + 2 K) and the evaporating (outdoor − 6 K) temperatures,
 * T_cond[K] / (T_cond − T_evap). Null when there is no lift.
 */
export function carnotCop(flowC: number, outdoorC: number): number | null {
  const condensing = flowC + CARNOT_CONDENSING_OFFSET_K;
  const evaporating = outdoorC + CARNOT_EVAPORATING_OFFSET_K;
  return condensing > evaporating ? (condensing + 273.15) / (condensing - evaporating) : null;
}

/** One UTC hour of a home at a boundary. */
export interface HourFigures {
  hour: number;
  heatKwh: number;
  electricityKwh: number;
  /** every register of the boundary has a reading in this hour */
  covered: boolean;
  /**
   * covered, but the hour before was not: its registers' rise includes the gap's energy, so it is
   * left out of hourly weightings (the energy totals keep it)
   */
  afterGap: boolean;
  /** mean of the hour's readings, or null when the channel has none */
  flowC: number | null;
  outdoorC: number | null;
}

/**
 * % of Carnot: the running COP over the practical Carnot COP of the same heat, over the running hours
 * (HourSplit.running: covered, not just after a gap, heat registered) that have both temperatures:
 * 100 × Σ(heat_h / COPcarnot_h) / Σ electricity_h. Σ heat / Σ(heat_h / COPcarnot_h) is the Carnot
 * COP weighted by heat, so this is (Σ heat / Σ electricity) / that: the running COP against it.
 */
export function carnotPercent(hours: (HourFigures & Pick<HourSplit, 'running'>)[]): {
  percent: number | null;
  hours: number;
} {
  let ideal = 0;
  let electricity = 0;
  let used = 0;
  for (const h of hours) {
    if (!h.running || h.heatKwh <= 0 || h.flowC === null || h.outdoorC === null) continue;
    const cop = carnotCop(h.flowC, h.outdoorC);
    if (cop === null) continue;
    ideal += h.heatKwh / cop;
    electricity += h.electricityKwh;
    used++;
  }
  return { percent: electricity > 0 ? (100 * ideal) / electricity : null, hours: used };
}

/** Mean flow temperature weighted by heat: Σ(heat_h × flow_h) / Σ heat_h over hours with heat and a flow. */
export function heatWeightedFlowC(hours: HourFigures[]): number | null {
  let heat = 0;
  let weighted = 0;
  for (const h of hours) {
    if (h.afterGap || h.heatKwh <= 0 || h.flowC === null) continue;
    heat += h.heatKwh;
    weighted += h.heatKwh * h.flowC;
  }
  return heat > 0 ? weighted / heat : null;
}

/**
 * One hour's share of the split (docs/performance.md, "Space heating, hot water and running"): the
 * boundary's heat and electricity attributed to space heating and to hot water by the hot water flag
 * (both 0 when the hour has no flag reading), and whether the heat pump ran in it.
 */
export interface HourSplit {
  /** how the hour was attributed: whole by its flag, reading by reading, or not at all */
  flag: 'space_heating' | 'hot_water' | 'mixed' | null;
  spaceHeatingHeatKwh: number;
  spaceHeatingElectricityKwh: number;
  hotWaterHeatKwh: number;
  hotWaterElectricityKwh: number;
  /** covered, not just after a gap, and the heat meters registered heat */
  running: boolean;
}

export interface SplitTotals {
  spaceHeating: { heatKwh: number; electricityKwh: number };
  hotWater: { heatKwh: number; electricityKwh: number };
  running: { heatKwh: number; electricityKwh: number; hours: number };
  /** hours attributed whole to each mode, split reading by reading, and with data but no flag */
  hours: { spaceHeating: number; hotWater: number; mixed: number; unflagged: number };
}

/**
 * Σ of the split over hours: space heating and hot water as attributed hour by hour; running-only
 * over the hours the heat pump ran (Σ heat / Σ electricity of those hours leaves the idle hours'
 * standby electricity out).
 */
export function splitTotals(hours: (HourFigures & HourSplit)[]): SplitTotals {
  const totals: SplitTotals = {
    spaceHeating: { heatKwh: 0, electricityKwh: 0 },
    hotWater: { heatKwh: 0, electricityKwh: 0 },
    running: { heatKwh: 0, electricityKwh: 0, hours: 0 },
    hours: { spaceHeating: 0, hotWater: 0, mixed: 0, unflagged: 0 },
  };
  for (const h of hours) {
    totals.spaceHeating.heatKwh += h.spaceHeatingHeatKwh;
    totals.spaceHeating.electricityKwh += h.spaceHeatingElectricityKwh;
    totals.hotWater.heatKwh += h.hotWaterHeatKwh;
    totals.hotWater.electricityKwh += h.hotWaterElectricityKwh;
    if (h.flag === 'space_heating') totals.hours.spaceHeating++;
    else if (h.flag === 'hot_water') totals.hours.hotWater++;
    else if (h.flag === 'mixed') totals.hours.mixed++;
    else if (h.covered) totals.hours.unflagged++;
    if (h.running) {
      totals.running.heatKwh += h.heatKwh;
      totals.running.electricityKwh += h.electricityKwh;
      totals.running.hours++;
    }
  }
  return totals;
}

export interface DayPoint {
  /** indoor − outdoor, mean over the day, K */
  deltaTK: number;
  /** mean heat power over the day, W */
  heatW: number;
}

/** Least-squares slope of heat power against indoor − outdoor: the measured heat loss, W/K. */
export function heatLossSlope(days: DayPoint[]): number | null {
  const n = days.length;
  if (n < 2) return null;
  const mx = days.reduce((s, d) => s + d.deltaTK, 0) / n;
  const my = days.reduce((s, d) => s + d.heatW, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const d of days) {
    sxx += (d.deltaTK - mx) ** 2;
    sxy += (d.deltaTK - mx) * (d.heatW - my);
  }
  return sxx > 0 ? sxy / sxx : null;
}

/**
 * Heat demand normalised to a reference year by degree days: the heat per heating degree day of the
 * measured days × the reference year's degree days (CIBSE TM41 degree-day normalisation). Null
 * without degree days.
 */
export function annualisedHeatKwh(
  heatKwh: number,
  degreeDays: number,
  annualDegreeDays: number,
): number | null {
  return degreeDays > 0 ? (heatKwh / degreeDays) * annualDegreeDays : null;
}

// The window and its local periods are shared with insight: analytics/window.ts.
export { hoursIn, type Period, periodsOf } from '../analytics/window.js';

/**
 * The electrical power above which the compressor counts as running (a start is a crossing of it):
 * 2.5 % of the rated heat output in W (a modulating unit's minimum draw is well above that, its
 * standby well below), at least 100 W; 200 W when the rating is unknown.
 */
export const compressorStartThresholdW = (ratedCapacityKw: number | undefined): number =>
  ratedCapacityKw ? Math.max(100, 25 * ratedCapacityKw) : 200;
