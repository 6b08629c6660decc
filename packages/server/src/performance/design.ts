import { type Calendar, HOUR } from '../analytics/buckets.js';
import { dayHdd } from '../analytics/degree-days.js';
import { causeName, type SuspectHours } from '../analytics/quality-intervals.js';
import { round } from '../analytics/schemas.js';
import { withoutSuspectOutdoor } from '../analytics/suspect-outdoor.js';
import type { HomeRecords, Installation, MeterView } from '../homes/index.js';
import { outdoorOrRegional, type RegionalWeatherSource } from '../regions/index.js';
import type { HourRollup } from '../telemetry/index.js';
import type { Term } from './boundary.js';
import type { PerformanceChannels } from './channels.js';
import type { Unavailable } from './conventions.js';
import { annualisedHeatKwh, type DayPoint, heatLossSlope, roundOrNull } from './formulas.js';
import { type PerformanceHour, sumTerms } from './hours.js';
import type { PerformanceAnswer } from './schemas.js';

/** Design indoor and outdoor temperatures behind designHeatLossW when no W/K is given (UK MCS practice). */
const DESIGN_INDOOR_C = 21;
const DESIGN_OUTDOOR_C = -3;
/** Measured heat loss: heating days only (21 °C − outdoor ≥ 10 K), at least 10 of them over a 3 K spread. */
const HEAT_LOSS_MIN_DELTA_K = 10;
const HEAT_LOSS_MIN_DAYS = 10;
const HEAT_LOSS_MIN_SPREAD_K = 3;
const HEAT_LOSS_MIN_HOURS_A_DAY = 20;
/**
 * Heating degree days (base 15.5 °C) of the reference year heat demand is normalised to: the UK
 * standard year used for normalised performance indicators (Vesma / Degree Days Direct "Standard
 * heating and cooling degree days for the UK", 2,462 K·day at 15.5 °C). `annualDegreeDays` overrides
 * it, e.g. with the degree days the home's design used for its region (docs/performance.md).
 */
export const DEFAULT_ANNUAL_DEGREE_DAYS = 2462;
/** Below this many degree days (measured days together) heat demand is not annualised: too mild to scale. */
const HEAT_DEMAND_MIN_DEGREE_DAYS = 100;

/**
 * Stage 6: against design. The SPF against the design's, the design and the measured heat loss, and
 * the measured heat demand normalised by degree days. Without an outdoor sensor the degree days come
 * from the home's region's daily weather (regions/weather.ts); a sensor's hours under a data-quality
 * alarm take the region's mean of their day, or are left out.
 */
export async function againstDesign(input: {
  homes: HomeRecords;
  weather: RegionalWeatherSource;
  home: Parameters<HomeRecords['regionOf']>[0];
  meters: MeterView[];
  installation: Installation;
  spf: number | null;
  hours: PerformanceHour[];
  channels: PerformanceChannels;
  byHour: Map<string, Map<number, HourRollup>>;
  suspect: SuspectHours;
  calendar: Calendar;
  from: number;
  /** the end of the window, or now when that is earlier */
  until: number;
  annualDegreeDays: number;
}): Promise<{ design: PerformanceAnswer['window']['design']; unavailable: Unavailable[] }> {
  const { homes, weather: regional, installation, calendar, from, until, byHour, suspect } = input;
  const { outdoorChannel } = input.channels;
  const unavailable: Unavailable[] = [];
  const design = designOf(installation, input.spf, input.hours, calendar, outdoorChannel);
  if (design.measuredHeatLossWPerK === null)
    unavailable.push({ field: 'design.measuredHeatLossWPerK', reason: design.reason });
  const region = (await homes.regionOf(input.home)).name;
  let outdoorRows = byHour;
  let outdoorCleaning = { suspectHours: 0, regionHours: 0 };
  const sensor = input.meters.find((m) => m.channels.some((c) => c.id === outdoorChannel));
  if (outdoorChannel !== null) {
    const cleaned = await withoutSuspectOutdoor({
      rows: byHour.get(outdoorChannel),
      suspectAt: (hour) => suspect.channelSuspect(outdoorChannel, hour),
      from: calendar.dayOf(from),
      to: until,
      readingsPerHour: 3600 / (sensor?.reading.intervalSeconds || 3600),
      calendar,
      regional: async (fromDate, toDate) =>
        (await regional.regionalWeather(region, fromDate, toDate))?.means ?? null,
    });
    outdoorRows = new Map([...byHour, [outdoorChannel, cleaned.rows]]);
    outdoorCleaning = cleaned.cleaning;
  }
  const weather = await outdoorOrRegional(
    regional,
    region,
    outdoorChannel,
    outdoorRows,
    calendar,
    from,
    until,
  );
  const degreeDaysSource =
    outdoorChannel !== null
      ? ('outdoor_sensor' as const)
      : weather.outdoorChannel !== null
        ? ('region' as const)
        : null;
  const demand = heatDemandOf({
    installation,
    houseHeat: input.channels.houseHeat,
    ...weather,
    calendar,
    from,
    to: until,
    annualDegreeDays: input.annualDegreeDays,
  });
  if (demand.normalisedAnnualHeatKwh === null)
    unavailable.push({ field: 'design.normalisedAnnualHeatKwh', reason: demand.reason });
  if (demand.heatDemandRatio === null)
    unavailable.push({
      field: 'design.heatDemandRatio',
      reason:
        demand.annualHeatDemandKwh === null
          ? 'the order gives no installation.annualHeatDemandKwh'
          : 'no normalised annual heat demand to compare',
    });
  return {
    design: {
      spf: design.spf,
      scop: design.scop,
      spfRatio: design.spfRatio,
      spfRatioAgainst: design.spfRatioAgainst,
      heatLossWPerK: design.heatLossWPerK,
      measuredHeatLossWPerK: design.measuredHeatLossWPerK,
      heatLossDays: design.heatLossDays,
      annualHeatDemandKwh: demand.annualHeatDemandKwh,
      normalisedAnnualHeatKwh: demand.normalisedAnnualHeatKwh,
      heatDemandRatio: demand.heatDemandRatio,
      heatPerDegreeDayKwh: demand.heatPerDegreeDayKwh,
      degreeDays: demand.degreeDays,
      degreeDayDays: demand.degreeDayDays,
      annualDegreeDays: demand.annualDegreeDays,
      degreeDaysSource,
      region,
      outdoorSuspectHours: outdoorCleaning.suspectHours,
      outdoorRegionHours: outdoorCleaning.regionHours,
      assumptions: [
        ...design.assumptions,
        ...demand.assumptions,
        ...(outdoorCleaning.suspectHours > 0
          ? [
              `${outdoorCleaning.suspectHours} hours of the outdoor sensor under a data-quality alarm (${suspectOutdoorNames(suspect, sensor?.serial, outdoorChannel as string)}) are left out of the degree days and the heat-loss fit; ${outdoorCleaning.regionHours} of them take region ${region}'s daily mean instead`,
            ]
          : []),
      ],
    },
    unavailable,
  };
}

/** The alarms that made the outdoor sensor's hours suspect, named. */
function suspectOutdoorNames(
  suspect: SuspectHours,
  sensorSerial: string | undefined,
  channel: string,
): string {
  const names = new Set<string>();
  for (const alarm of suspect.alarms)
    if (alarm.channelId === channel || (alarm.extent === 'meter' && alarm.meterSerial === sensorSerial))
      names.add(
        causeName({
          alarmId: alarm.id,
          rule: alarm.rule,
          channelKey: alarm.extent === 'channel' ? 'outdoor_temperature' : null,
          meterSerial: sensorSerial ?? null,
        }),
      );
  return [...names].join(', ');
}
/** The SPF against the design's, and the design and the measured heat loss (daily heat against 21 °C − outdoor). */
function designOf(
  installation: Installation,
  spf: number | null,
  hours: PerformanceHour[],
  calendar: Calendar,
  outdoorChannel: string | null,
) {
  const assumptions: string[] = [];
  const designSpf = installation.designSpf ?? null;
  const designScop = installation.designScop ?? null;
  const against = designSpf !== null ? 'designSpf' : designScop !== null ? 'designScop' : null;
  const reference = designSpf ?? designScop;
  let heatLossWPerK = installation.designHeatLossWPerK ?? null;
  if (heatLossWPerK === null && installation.designHeatLossW !== undefined) {
    heatLossWPerK = installation.designHeatLossW / (DESIGN_INDOOR_C - DESIGN_OUTDOOR_C);
    assumptions.push(
      `design heat loss W/K = designHeatLossW / (${DESIGN_INDOOR_C} − (${DESIGN_OUTDOOR_C})) °C: no designHeatLossWPerK was given`,
    );
  }
  // Measured heat loss: daily mean heat power against daily mean indoor − outdoor, heating days only.
  let reason = '';
  let measured: number | null = null;
  let days: DayPoint[] = [];
  if (outdoorChannel === null) reason = 'no outdoor temperature sensor';
  else {
    // Indoor is the design convention's 21 °C, not the measured room: the fit then compares with the
    // design W/K, and day-to-day room temperatures follow the controller (set-backs, a room that
    // cannot recover on the coldest days), which made the fit worse against the simulator's truth.
    assumptions.push(
      `measured heat loss against ${DESIGN_INDOOR_C} °C indoor − the measured outdoor temperature`,
    );
    const perDay = new Map<number, { heat: number; deltaT: number; n: number; clean: boolean }>();
    for (const h of hours) {
      const day = calendar.dayOf(h.hour);
      const d = perDay.get(day) ?? { heat: 0, deltaT: 0, n: 0, clean: true };
      perDay.set(day, d);
      // A day holding the end of a gap carries the gap's energy: it is left out; so is a day with
      // an hour a data-quality alarm flags (its heat or its outdoor temperature is wrong).
      if (h.afterGap || h.suspectForHeatLoss) d.clean = false;
      if (!h.covered || h.outdoorC === null) continue;
      d.heat += h.meterHeatKwh;
      d.deltaT += DESIGN_INDOOR_C - h.outdoorC;
      d.n++;
    }
    days = [...perDay.values()]
      .filter((d) => d.clean && d.n >= HEAT_LOSS_MIN_HOURS_A_DAY)
      .map((d) => ({ deltaTK: d.deltaT / d.n, heatW: (d.heat * 1000) / d.n }))
      .filter((d) => d.deltaTK >= HEAT_LOSS_MIN_DELTA_K);
    const spread =
      days.length > 0 ? Math.max(...days.map((d) => d.deltaTK)) - Math.min(...days.map((d) => d.deltaTK)) : 0;
    if (days.length < HEAT_LOSS_MIN_DAYS || spread < HEAT_LOSS_MIN_SPREAD_K)
      reason = `needs at least ${HEAT_LOSS_MIN_DAYS} heating days (${DESIGN_INDOOR_C} °C − outdoor ≥ ${HEAT_LOSS_MIN_DELTA_K} K, ≥ ${HEAT_LOSS_MIN_HOURS_A_DAY} hours of data, no hour under a data-quality alarm) spread over ${HEAT_LOSS_MIN_SPREAD_K} K; the window has ${days.length} spread over ${round(spread, 1)} K`;
    else measured = heatLossSlope(days);
  }
  return {
    spf: designSpf,
    scop: designScop,
    spfRatio: spf !== null && reference !== null ? round(spf / reference, 3) : null,
    spfRatioAgainst: spf !== null ? against : null,
    heatLossWPerK: roundOrNull(heatLossWPerK, 1),
    measuredHeatLossWPerK: roundOrNull(measured, 1),
    heatLossDays: measured === null ? 0 : days.length,
    assumptions,
    reason,
  } as const;
}

/**
 * Measured heat demand against the design's annual figure, degree-day normalised: over the
 * window's whole local days with a degree-day figure (outdoor readings in 75 % of the hours, as
 * insight counts them) and the heat meters' registers read in every hour (the last hour of the day
 * before included: a day that ends a gap carries the gap's heat), Σ heat / Σ HDD × the reference
 * year's degree days.
 */
function heatDemandOf(input: {
  installation: Installation;
  houseHeat: Term[];
  outdoorChannel: string | null;
  byHour: Map<string, Map<number, HourRollup>>;
  calendar: Calendar;
  from: number;
  to: number;
  annualDegreeDays: number;
}) {
  const { houseHeat, outdoorChannel, byHour, calendar, from, to, annualDegreeDays } = input;
  const design = input.installation.annualHeatDemandKwh ?? null;
  let heat = 0;
  let hdd = 0;
  let days = 0;
  let reason = '';
  if (houseHeat.length === 0) reason = 'no heat meter';
  else if (outdoorChannel === null)
    reason = 'no outdoor temperature sensor: no degree days to normalise the heat by';
  else {
    const outdoor = byHour.get(outdoorChannel);
    const heatRead = (hour: number) =>
      houseHeat.every((t) => (byHour.get(t.channelId)?.get(hour)?.count ?? 0) > 0);
    for (let day = calendar.dayOf(from); day < to; day = calendar.nextDay(day)) {
      const end = calendar.nextDay(day);
      if (day < from || end > to) continue;
      let sum = 0;
      let count = 0;
      let withData = 0;
      let complete = heatRead(day - HOUR);
      let dayHeat = 0;
      for (let hour = day; hour < end; hour += HOUR) {
        const r = outdoor?.get(hour);
        if (r && r.count > 0) {
          sum += r.sum;
          count += r.count;
          withData++;
        }
        complete &&= heatRead(hour);
        dayHeat += sumTerms(houseHeat, hour, byHour);
      }
      const value = dayHdd({
        date: calendar.date(day),
        meanC: count > 0 ? sum / count : Number.NaN,
        hoursWithData: withData,
        hours: Math.round((end - day) / HOUR),
      });
      if (value === null || !complete) continue;
      heat += dayHeat;
      hdd += value;
      days++;
    }
    if (hdd < HEAT_DEMAND_MIN_DEGREE_DAYS)
      reason = `needs at least ${HEAT_DEMAND_MIN_DEGREE_DAYS} heating degree days (base 15.5 °C) on whole days with outdoor and heat readings; the window has ${round(hdd, 1)} over ${days} days`;
  }
  const annual = reason === '' ? annualisedHeatKwh(heat, hdd, annualDegreeDays) : null;
  return {
    annualHeatDemandKwh: design,
    normalisedAnnualHeatKwh: roundOrNull(annual, 3),
    heatDemandRatio: annual !== null && design !== null ? round(annual / design, 3) : null,
    heatPerDegreeDayKwh: annual !== null ? round(heat / hdd, 3) : null,
    degreeDays: round(hdd, 2),
    degreeDayDays: days,
    annualDegreeDays,
    assumptions:
      annual !== null
        ? [
            `annual heat demand = heat per degree day × ${annualDegreeDays} K·day (base 15.5 °C); hot water and other weather-independent heat are scaled with the weather too, so a mild window overstates it`,
          ]
        : [],
    reason,
  };
}
