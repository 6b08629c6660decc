import { type Calendar, HOUR } from '../analytics/buckets.js';
import type { SuspectCause } from '../analytics/quality-intervals.js';
import { round } from '../analytics/schemas.js';
import type { HourRollup } from '../telemetry/index.js';
import type { Term } from './boundary.js';
import type { PerformanceChannels } from './channels.js';
import type { HourFigures, HourSplit } from './formulas.js';
import { PLAUSIBLE_DAILY_COP } from './plausible.js';
import type { PerformanceReadings } from './readings.js';

/** What the data-quality alarms did to one hour. */
export interface HourQuality {
  /** the alarm that left the hour's energy out, when the hour had data */
  suspectCause: SuspectCause | null;
  /** the hour's heat or outdoor temperature is under an alarm: its day stays out of the heat-loss fit */
  suspectForHeatLoss: boolean;
}

/** One hour of the window, as every later stage reads it. */
export type PerformanceHour = HourFigures &
  HourSplit &
  HourQuality & {
    /** the hour has begun and the home could have had readings in it: it counts towards coverage */
    elapsed: boolean;
    /** the heat meters' own heat at the boundary, kWh */
    meterHeatKwh: number;
  };

/** Σ sign × consumption of the terms' registers in one hour (0 for a register without a reading). */
export function sumTerms(terms: Term[], hour: number, rows: Map<string, Map<number, HourRollup>>): number {
  let total = 0;
  for (const t of terms) total += t.sign * (rows.get(t.channelId)?.get(hour)?.delta ?? 0);
  return total;
}

/**
 * Stage 3: the window hour by hour: energy at the boundary, whether every register reported, the
 * temperatures, space heating and hot water by the flag, and what the data-quality alarms left out;
 * then the days whose own COP no heat pump reaches are left out too.
 */
export function hoursOf(input: {
  channels: PerformanceChannels;
  readings: PerformanceReadings;
  calendar: Calendar;
  from: number;
  to: number;
  now: number;
  /**
   * Hours before the home could have readings (its creation, or its commissioning day if earlier:
   * the platform refuses readings older than both) are not missing data: coverage starts here.
   */
  firstPossible: number;
}): PerformanceHour[] {
  const { channels, calendar, from, to, now, firstPossible } = input;
  const { boundary, heatMeterTerms, flowChannel, outdoorChannel, hotWaterFlag, immersionSerials, registers } =
    channels;
  const { byHour, flagSplit, suspect } = input.readings;
  const meanOf = (channelId: string | null, hour: number): number | null => {
    if (channelId === null) return null;
    const row = byHour.get(channelId)?.get(hour);
    return row && row.count > 0 ? row.sum / row.count : null;
  };
  const flagOf = (hour: number): HourSplit['flag'] => {
    if (!hotWaterFlag) return null;
    const rows = byHour.get(hotWaterFlag.channelId);
    const now = rows?.get(hour);
    if (!now || now.count === 0) return null;
    const before = rows?.get(hour - HOUR);
    const value = now.min;
    const pure =
      value !== undefined &&
      now.max === value &&
      before !== undefined &&
      before.min === value &&
      before.max === value;
    return pure ? (value >= 0.5 ? 'hot_water' : 'space_heating') : 'mixed';
  };
  // Σ sign × consumption of the terms in one hour, attributed to space heating and hot water.
  const attribute = (terms: Term[], hour: number, flag: HourSplit['flag']) => {
    let space = 0;
    let water = 0;
    if (flag === null) return { space, water };
    for (const t of terms) {
      const delta = byHour.get(t.channelId)?.get(hour)?.delta ?? 0;
      if (immersionSerials.has(t.serial) || flag === 'hot_water') water += t.sign * delta;
      else if (flag === 'space_heating') space += t.sign * delta;
      else {
        const split = flagSplit.get(hour)?.get(t.channelId);
        space += t.sign * (split?.off ?? 0);
        water += t.sign * (split?.on ?? 0);
      }
    }
    return { space, water };
  };
  const coveredAt = (hour: number): boolean =>
    registers.length > 0 && registers.every((id) => (byHour.get(id)?.get(hour)?.count ?? 0) > 0);
  const houseHeatChannels = channels.houseHeat.map((t) => t.channelId);

  const hours: PerformanceHour[] = [];
  const none = { space: 0, water: 0 };
  for (let hour = from; hour < to; hour += HOUR) {
    const read = coveredAt(hour);
    // An hour a data-quality alarm covers is left out of COP and SPF: no energy, and no data.
    const energyCause = suspect.causeOf(registers, hour);
    const left = energyCause !== undefined;
    const covered = read && !left;
    const afterGap = read && !coveredAt(hour - HOUR);
    const meterHeatKwh = left ? 0 : sumTerms(heatMeterTerms, hour, byHour);
    const flag = boundary && !left ? flagOf(hour) : null;
    const heat = boundary ? attribute(boundary.heat, hour, flag) : none;
    const electricity = boundary ? attribute(boundary.electricity, hour, flag) : none;
    const outdoorSuspect = suspect.channelSuspect(outdoorChannel, hour);
    hours.push({
      hour,
      heatKwh: boundary && !left ? sumTerms(boundary.heat, hour, byHour) : 0,
      electricityKwh: boundary && !left ? sumTerms(boundary.electricity, hour, byHour) : 0,
      covered,
      afterGap,
      elapsed: hour < now && hour + HOUR > firstPossible,
      // Counted as left out only when it had data (an hour without is missing data already).
      suspectCause: read ? (energyCause ?? null) : null,
      // The heat-loss fit leaves out any day with a suspect hour of the house's heat or the outdoor sensor.
      suspectForHeatLoss:
        energyCause !== undefined || outdoorSuspect || suspect.causeOf(houseHeatChannels, hour) !== undefined,
      flowC: suspect.channelSuspect(flowChannel, hour) ? null : meanOf(flowChannel, hour),
      outdoorC: outdoorSuspect ? null : meanOf(outdoorChannel, hour),
      meterHeatKwh,
      flag,
      spaceHeatingHeatKwh: heat.space,
      spaceHeatingElectricityKwh: electricity.space,
      hotWaterHeatKwh: heat.water,
      hotWaterElectricityKwh: electricity.water,
      // Running: the heat meters registered heat in the hour (see docs/performance.md for why not power).
      running: boundary !== null && covered && !afterGap && meterHeatKwh > 0,
    });
  }
  leaveOutImplausibleDays(hours, calendar);
  return hours;
}

/** Days with less electricity are standby days: their ratio says nothing (the implausible_cop rule's minimum). */
const IMPLAUSIBLE_DAY_MIN_ELECTRICITY_KWH = 2;

/**
 * A local day whose own COP no heat pump reaches is a metering fault even before (or without) an
 * alarm for it (an alarm's hours begin when the rule saw it: the morning after the day): its hours
 * are left out like hours under an alarm, so no week, month or window is stated on them. Days with
 * under 2 kWh of electricity are standby days and stay (their own COP is still withheld).
 */
function leaveOutImplausibleDays(hours: PerformanceHour[], calendar: Calendar): void {
  const days = new Map<number, PerformanceHour[]>();
  for (const h of hours) {
    const day = calendar.dayOf(h.hour);
    const list = days.get(day) ?? [];
    list.push(h);
    days.set(day, list);
  }
  for (const [day, list] of days) {
    let heat = 0;
    let electricity = 0;
    for (const h of list)
      if (h.covered) {
        heat += h.heatKwh;
        electricity += h.electricityKwh;
      }
    if (electricity < IMPLAUSIBLE_DAY_MIN_ELECTRICITY_KWH) continue;
    const cop = heat / electricity;
    if (cop >= PLAUSIBLE_DAILY_COP.min && cop <= PLAUSIBLE_DAILY_COP.max) continue;
    const cause: SuspectCause = {
      alarmId: null,
      rule: 'implausible_cop',
      channelKey: null,
      meterSerial: null,
      note: `the COP of ${calendar.date(day)} (${round(cop, 2)}, outside ${PLAUSIBLE_DAILY_COP.min}–${PLAUSIBLE_DAILY_COP.max})`,
    };
    for (const h of list) {
      if (h.covered) h.suspectCause = cause;
      h.covered = false;
      h.running = false;
      h.suspectForHeatLoss = true;
      h.heatKwh = 0;
      h.electricityKwh = 0;
      h.meterHeatKwh = 0;
      h.spaceHeatingHeatKwh = 0;
      h.spaceHeatingElectricityKwh = 0;
      h.hotWaterHeatKwh = 0;
      h.hotWaterElectricityKwh = 0;
      h.flag = null;
    }
  }
}
