import { DateTime } from 'luxon';
import { type Calendar, HOUR, hourOf } from '../analytics/buckets.js';
import { type OutdoorDay, totalHdd } from '../analytics/degree-days.js';
import { causeName, type QualityAlarms, SuspectHours } from '../analytics/quality-intervals.js';
import { round } from '../analytics/schemas.js';
import { type OutdoorCleaning, withoutSuspectOutdoor } from '../analytics/suspect-outdoor.js';
import { DAY, type Period, periodsOf, windowOf } from '../analytics/window.js';
import type { Scope } from '../auth/index.js';
import { type Home, type HomeRecords, type MeterView, monitoredFrom } from '../homes/index.js';
import { type RegionalWeatherSource, regionalDay } from '../regions/index.js';
import {
  type CarbonSource,
  carbonOf,
  costOf,
  DEFAULT_CARBON_FACTORS,
  type HourlyUsage,
  type TariffView,
} from '../tariffs/index.js';
import type { HourRollup, TelemetryQueries } from '../telemetry/index.js';
import { type EnergySignature, fitSignature, normalisedKwh } from './regression.js';
import type { InsightAnswer, InsightPeriod, InsightQueryInput } from './schemas.js';

/**
 * Gas meters read m³; their energy is volume × calorific value × the volume correction factor:
 * 39.5 MJ/m³ (GB average CV) × 1.02264 / 3.6 MJ/kWh = 11.22, rounded as suppliers bill it to 11.1
 * with a typical 39.1 CV. Hearth uses 11.1 kWh/m³ (docs/insight.md).
 */
export const GAS_KWH_PER_M3 = 11.1;

/** Default window length in periods of each kind (the current one included). */
const DEFAULT_DAYS: Record<Period, number> = { day: 30, week: 12 * 7, month: 365, year: 3 * 366, all: 30 };

type Fuel = 'electricity' | 'gas';

/** The effective tariff of a home for one fuel on each of some local dates (null: none applies). */
export interface TariffLookup {
  tariffsByDay(home: Home, fuel: Fuel, dates: readonly string[]): Promise<Map<string, TariffView | null>>;
  /** A tariff's carbon over [from, to): the region's half-hourly series where loaded, else its factor. */
  carbonSource(
    tariff: Pick<TariffView, 'carbonFactor' | 'fuel'>,
    region: string | undefined,
    from: number,
    to: number,
  ): Promise<CarbonSource>;
}

export interface InsightsDeps {
  homes: HomeRecords;
  /** a region's daily weather, for degree days without an outdoor sensor */
  weather: RegionalWeatherSource;
  telemetryQueries: TelemetryQueries;
  tariffs: TariffLookup;
  /** the data-quality alarms whose hours are left out (analytics/quality-intervals.ts) */
  qualityAlarms: QualityAlarms;
  now?: () => number;
}

/** Which channels feed which figure, chosen from the order's meters. */
export interface Sources {
  electricity: { serials: string[]; channels: string[] };
  heat: { serials: string[]; channels: string[] };
  gas: { serials: string[]; channels: string[] };
  pv: { serials: string[]; channels: string[] };
  outdoor: { serial: string; channel: string } | null;
}

const registerOf = (meter: MeterView, key: string) => meter.channels.find((c) => c.key === key)?.id;

/**
 * A whole-house electricity meter already includes any sub-metered heating circuit, so when one is
 * fitted it alone is the home's electricity; otherwise the heating system's meters are summed.
 */
export function sourcesOf(meters: MeterView[]): Sources {
  const pick = (kind: string, key: string, only?: (m: MeterView) => boolean) => {
    const chosen = meters.filter((m) => m.kind === kind && registerOf(m, key) && (!only || only(m)));
    return {
      serials: chosen.map((m) => m.serial),
      channels: chosen.map((m) => registerOf(m, key) as string),
    };
  };
  const wholeHouse = pick('electricity_meter', 'electricity_energy', (m) => m.measures === 'whole_house');
  const outdoorMeter = meters.find(
    (m) =>
      m.kind === 'temperature_sensor' && m.location === 'outdoor' && registerOf(m, 'outdoor_temperature'),
  );
  return {
    electricity:
      wholeHouse.channels.length > 0 ? wholeHouse : pick('electricity_meter', 'electricity_energy'),
    heat: pick('heat_meter', 'heat_energy'),
    gas: pick('gas_meter', 'gas_volume'),
    pv: pick('pv_inverter', 'pv_energy'),
    outdoor: outdoorMeter
      ? { serial: outdoorMeter.serial, channel: registerOf(outdoorMeter, 'outdoor_temperature') as string }
      : null,
  };
}

/** The hourly data of one window: energy per hour per figure, outdoor temperature per hour. */
interface WindowData {
  electricity: Map<number, number>;
  heat: Map<number, number>;
  gas: Map<number, number>;
  pv: Map<number, number>;
  outdoor: Map<number, HourRollup>;
  /** No outdoor sensor: the home's region's daily means by local date (null: the region has no weather). */
  regional: Map<string, number> | null;
  /** per fuel, the hours in which every one of its registers has a reading and no data-quality alarm */
  covered: Record<Fuel, Set<number>>;
  hasData: boolean;
  /** the outdoor sensor's hours a data-quality alarm covers, and the alarms */
  outdoorCleaning: OutdoorCleaning & { alarms: string[] };
}

const iso = (t: number) => new Date(t).toISOString();

/** A period that ends before the home could have readings: nothing to state. */
const NO_ENERGY = { electricityKwh: null, heatKwh: null, gasKwh: null, pvKwh: null } as const;
const NO_COST = { electricity: null, gas: null, total: null, currency: null } as const;
const BEFORE_MONITORING = {
  ...NO_ENERGY,
  cost: NO_COST,
  carbonKg: null,
  degreeDays: null,
  expectedKwh: null,
  lastYear: null,
} as const;

/** Σ over the UTC hours of [from, to) (both on whole hours): one lookup per hour, not a scan per period. */
function sumHours(hours: Map<number, number>, from: number, to: number): number {
  let total = 0;
  for (let hour = from; hour < to; hour += HOUR) total += hours.get(hour) ?? 0;
  return total;
}

function anyHour(data: WindowData, from: number, to: number): boolean {
  for (let hour = from; hour < to; hour += HOUR)
    if (data.electricity.has(hour) || data.heat.has(hour) || data.gas.has(hour)) return true;
  return false;
}

/**
 * Insight for one home: energy in and out per local period, its cost on the home's tariffs, its
 * carbon, the heating degree days of the period and the home's energy signature (consumption
 * against degree days), with the same period a year earlier. Everything comes from the hourly
 * rollups, so a year costs one indexed range read per channel.
 */
export class InsightsService {
  constructor(private readonly deps: InsightsDeps) {}

  async homeInsight(scope: Scope, homeId: string, query: InsightQueryInput): Promise<InsightAnswer> {
    const { home, meters } = await this.deps.homes.withMeters(scope, homeId);
    const telemetry = this.deps.telemetryQueries;
    const calendar = await telemetry.calendarOf(home.agentId);
    const zone = calendar.zone;
    const period: Period = query.period ?? 'month';
    const now = this.deps.now?.() ?? Date.now();
    const { from, to } = this.defaultWindow(query, calendar, now, period);
    const sources = sourcesOf(meters);
    const tariffs = await this.tariffsFor(home, sources, calendar, from, to);

    const shift = (t: number) => hourOf(DateTime.fromMillis(t, { zone }).minus({ years: 1 }).toMillis());
    const region = (await this.deps.homes.regionOf(home)).name;
    const [current, previous] = await Promise.all([
      // One hour more: the fit checks the hour before each day for a gap.
      this.windowData(home, meters, region, sources, calendar, from - HOUR, to),
      this.windowData(home, meters, region, sources, calendar, shift(from), shift(to)),
    ]);
    const degreeDaysSource = sources.outdoor
      ? ('outdoor_sensor' as const)
      : current.regional || previous.regional
        ? ('region' as const)
        : null;
    const carbonSources = await this.carbonSources(tariffs, sources, region, from, to);
    const heatingFuel: Fuel = sources.gas.channels.length > 0 ? 'gas' : 'electricity';
    const signature = this.signatureOf(current, heatingFuel, calendar, from, Math.min(to, now));

    // Nothing is counted before the local day the home could first have readings: no energy, no
    // standing charges, no degree days (a period wholly before it states none of them).
    const firstDay = calendar.dayOf(monitoredFrom(home, calendar));
    const periods: InsightPeriod[] = periodsOf(from, to, period, zone).map(([start, end]) => {
      if (end <= firstDay) return { start: iso(start), end: iso(end), ...BEFORE_MONITORING };
      const since = Math.max(start, firstDay);
      const figures = this.figures(current, sources, since, end);
      const hdd = this.degreeDays(current, sources, calendar, since, end);
      const cost = this.cost(current, sources, tariffs, calendar, since, end);
      const lyStart = shift(start);
      const lyEnd = shift(end);
      const lyHdd = this.degreeDays(previous, sources, calendar, lyStart, lyEnd);
      const lastYearHasData = anyHour(previous, lyStart, lyEnd);
      return {
        start: iso(start),
        end: iso(end),
        ...figures,
        cost,
        carbonKg: this.carbon(current, sources, tariffs, carbonSources, calendar, since, end).kg,
        degreeDays: hdd,
        expectedKwh: this.expected(signature, hdd, since, end),
        lastYear: lastYearHasData
          ? {
              start: iso(lyStart),
              end: iso(lyEnd),
              ...this.figures(previous, sources, lyStart, lyEnd),
              degreeDays: lyHdd,
              weatherAdjustedKwh: this.expected(signature, lyHdd, lyStart, lyEnd),
            }
          : null,
      };
    });

    const since = Math.max(from, firstDay);
    const monitored = since < to;
    const windowCarbon = monitored
      ? this.carbon(current, sources, tariffs, carbonSources, calendar, since, to)
      : { kg: null, fallbackHalfHours: null };
    return {
      homeId: home.id,
      from: iso(from),
      to: iso(to),
      timeZone: zone,
      period,
      monitoredFrom: iso(firstDay),
      meters: {
        electricity: sources.electricity.serials,
        heat: sources.heat.serials,
        gas: sources.gas.serials,
        pv: sources.pv.serials,
        outdoor: sources.outdoor?.serial ?? null,
      },
      region,
      degreeDaysSource,
      carbonSource: [...carbonSources.values()].some((s) => s.kind === 'series')
        ? 'intensity_series'
        : 'factor',
      periods,
      window: {
        ...(monitored ? this.figures(current, sources, since, to) : NO_ENERGY),
        cost: monitored ? this.cost(current, sources, tariffs, calendar, since, to) : NO_COST,
        carbonKg: windowCarbon.kg,
        carbonFallbackHalfHours: windowCarbon.fallbackHalfHours,
        degreeDays: monitored ? this.degreeDays(current, sources, calendar, since, to) : null,
        outdoorQuality: current.outdoorCleaning,
        signature: signature
          ? {
              fuel: heatingFuel,
              baseKwhPerDay: round(signature.baseKwhPerDay, 3),
              slopeKwhPerDegreeDay: round(signature.slopeKwhPerDegreeDay, 4),
              r2: round(signature.r2, 4),
              days: signature.days,
            }
          : null,
      },
    };
  }

  /** The window; without `from`, the current period and the 11 before it (29 days back for days). */
  private defaultWindow(query: InsightQueryInput, calendar: Calendar, now: number, period: Period) {
    if (query.from !== undefined || period === 'day' || period === 'all')
      return windowOf(query, calendar, now, DEFAULT_DAYS[period]);
    const { to } = windowOf({ ...(query.to !== undefined ? { to: query.to } : {}) }, calendar, now, 1);
    const unit = period === 'week' ? 'week' : period;
    const back = period === 'year' ? 2 : 11;
    const start = DateTime.fromMillis(to - 1, { zone: calendar.zone })
      .startOf(unit)
      .minus({ [`${unit}s`]: back });
    return windowOf({ from: start.toISO() as string, to: new Date(to).toISOString() }, calendar, now);
  }

  private async windowData(
    home: Home,
    meters: MeterView[],
    region: string,
    sources: Sources,
    calendar: Calendar,
    from: number,
    to: number,
  ): Promise<WindowData> {
    const homeId = home.id;
    // Without an outdoor sensor, the degree days come from the home's region's daily weather.
    const regional = sources.outdoor
      ? null
      : await this.deps.weather.regionalWeather(
          region,
          calendar.date(calendar.dayOf(from)),
          calendar.date(calendar.dayOf(to - 1)),
        );
    const ids = [
      ...sources.electricity.channels,
      ...sources.heat.channels,
      ...sources.gas.channels,
      ...sources.pv.channels,
      ...(sources.outdoor ? [sources.outdoor.channel] : []),
    ];
    const rows = await this.deps.telemetryQueries.hourlyRollups(homeId, ids, from, to);
    const energy = (channels: string[], scale = 1) => {
      const hours = new Map<number, number>();
      for (const id of channels)
        for (const r of rows.get(id) ?? []) hours.set(r.hour, (hours.get(r.hour) ?? 0) + r.delta * scale);
      return hours;
    };
    let outdoor = new Map<number, HourRollup>();
    if (sources.outdoor) for (const r of rows.get(sources.outdoor.channel) ?? []) outdoor.set(r.hour, r);
    // Hours a data-quality alarm flags: a suspect register's hour is not covered (so its day stays
    // out of the signature); a suspect outdoor hour takes the region's mean of its day, or is left out.
    const suspect = new SuspectHours(
      await this.deps.qualityAlarms.forHome(homeId, from, to),
      meters,
      from,
      to,
    );
    const outdoorCleaning: WindowData['outdoorCleaning'] = { suspectHours: 0, regionHours: 0, alarms: [] };
    if (sources.outdoor && !suspect.empty) {
      const { channel, serial } = sources.outdoor;
      const sensor = meters.find((m) => m.serial === serial);
      const cleaned = await withoutSuspectOutdoor({
        rows: outdoor,
        suspectAt: (hour) => suspect.channelSuspect(channel, hour),
        from,
        to,
        readingsPerHour: 3600 / (sensor?.reading.intervalSeconds || 3600),
        calendar,
        regional: async (fromDate, toDate) =>
          (await this.deps.weather.regionalWeather(region, fromDate, toDate))?.means ?? null,
      });
      outdoor = cleaned.rows;
      Object.assign(outdoorCleaning, cleaned.cleaning);
      outdoorCleaning.alarms = suspect.alarms
        .filter((a) => a.channelId === channel || (a.extent === 'meter' && a.meterSerial === serial))
        .map((a) =>
          causeName({
            alarmId: a.id,
            rule: a.rule,
            channelKey: a.extent === 'channel' ? 'outdoor_temperature' : null,
            meterSerial: serial,
          }),
        );
    }
    const covered = (channels: string[]) => {
      const counts = new Map<number, number>();
      for (const id of channels)
        for (const r of rows.get(id) ?? [])
          if (r.count > 0) counts.set(r.hour, (counts.get(r.hour) ?? 0) + 1);
      return new Set(
        [...counts]
          .filter(([hour, n]) => n === channels.length && suspect.causeOf(channels, hour) === undefined)
          .map(([hour]) => hour),
      );
    };
    return {
      electricity: energy(sources.electricity.channels),
      heat: energy(sources.heat.channels),
      gas: energy(sources.gas.channels, GAS_KWH_PER_M3),
      pv: energy(sources.pv.channels),
      outdoor,
      regional: regional?.means ?? null,
      covered: { electricity: covered(sources.electricity.channels), gas: covered(sources.gas.channels) },
      hasData: [...rows.values()].some((r) => r.length > 0),
      outdoorCleaning,
    };
  }

  private figures(data: WindowData, sources: Sources, start: number, end: number) {
    const figure = (present: boolean, hours: Map<number, number>) =>
      present ? round(sumHours(hours, start, end), 3) : null;
    return {
      electricityKwh: figure(sources.electricity.channels.length > 0, data.electricity),
      heatKwh: figure(sources.heat.channels.length > 0, data.heat),
      gasKwh: figure(sources.gas.channels.length > 0, data.gas),
      pvKwh: figure(sources.pv.channels.length > 0, data.pv),
    };
  }

  /** The local days of [start, end), each with its outdoor mean and how many of its hours had data. */
  private outdoorDays(
    data: WindowData,
    calendar: Calendar,
    start: number,
    end: number,
  ): (OutdoorDay & { start: number; end: number })[] {
    const days: (OutdoorDay & { start: number; end: number })[] = [];
    for (let day = calendar.dayOf(start); day < end; day = calendar.nextDay(day)) {
      const dayEnd = calendar.nextDay(day);
      if (data.regional) {
        const date = calendar.date(day);
        const hours = Math.round((dayEnd - day) / HOUR);
        days.push({ start: day, end: dayEnd, ...regionalDay(date, data.regional.get(date), hours) });
        continue;
      }
      let sum = 0;
      let count = 0;
      let withData = 0;
      for (let hour = day; hour < dayEnd; hour += HOUR) {
        const r = data.outdoor.get(hour);
        if (!r || r.count === 0) continue;
        sum += r.sum;
        count += r.count;
        withData++;
      }
      days.push({
        start: day,
        end: dayEnd,
        date: calendar.date(day),
        meanC: count > 0 ? sum / count : Number.NaN,
        hoursWithData: withData,
        hours: Math.round((dayEnd - day) / HOUR),
      });
    }
    return days;
  }

  private degreeDays(data: WindowData, sources: Sources, calendar: Calendar, start: number, end: number) {
    if (!sources.outdoor && !data.regional) return null;
    const total = totalHdd(this.outdoorDays(data, calendar, start, end));
    return { value: round(total.hdd, 2), daysMeasured: total.daysMeasured, days: total.days };
  }

  /**
   * Daily heating fuel against daily degree days, over the window's whole days before `until`
   * whose registers read in every hour, the last hour of the day before included: a day that
   * ends a gap carries the gap's energy and would pull the line.
   */
  private signatureOf(
    data: WindowData,
    fuel: Fuel,
    calendar: Calendar,
    from: number,
    until: number,
  ): EnergySignature | null {
    if (data.outdoor.size === 0 && !data.regional) return null;
    const hours = fuel === 'gas' ? data.gas : data.electricity;
    const points: { hdd: number; kwh: number }[] = [];
    for (const day of this.outdoorDays(data, calendar, from, until)) {
      if (day.start < from || day.end > until) continue;
      let complete = true;
      for (let hour = day.start - HOUR; hour < day.end && complete; hour += HOUR)
        complete = data.covered[fuel].has(hour);
      if (!complete) continue;
      const hdd = totalHdd([day]);
      if (hdd.daysMeasured === 0) continue;
      points.push({ hdd: hdd.hdd, kwh: sumHours(hours, day.start, day.end) });
    }
    return fitSignature(points);
  }

  private expected(
    signature: EnergySignature | null,
    hdd: { value: number; daysMeasured: number; days: number } | null,
    start: number,
    end: number,
  ): number | null {
    // Only a period whose every day has a degree-day figure can be predicted honestly.
    if (!signature || !hdd || hdd.daysMeasured < hdd.days) return null;
    return round(normalisedKwh(signature, (end - start) / DAY, hdd.value), 3);
  }

  /** The tariff of each fuel on each local day of the window. */
  private async tariffsFor(home: Home, sources: Sources, calendar: Calendar, from: number, to: number) {
    const dates: string[] = [];
    for (let day = calendar.dayOf(from); day < to; day = calendar.nextDay(day))
      dates.push(calendar.date(day));
    const lookup = this.deps.tariffs;
    const none = new Map<string, TariffView | null>();
    const [electricity, gas] = await Promise.all([
      sources.electricity.channels.length > 0 ? lookup.tariffsByDay(home, 'electricity', dates) : none,
      sources.gas.channels.length > 0 ? lookup.tariffsByDay(home, 'gas', dates) : none,
    ]);
    return { electricity, gas };
  }

  /** Each hour of [start, end) with energy, grouped by the tariff of its local day. */
  private byTariff(
    hours: Map<number, number>,
    tariffOfDay: Map<string, TariffView | null>,
    calendar: Calendar,
    start: number,
    end: number,
  ): Map<TariffView | null, { usage: HourlyUsage[]; days: Set<string> }> {
    const groups = new Map<TariffView | null, { usage: HourlyUsage[]; days: Set<string> }>();
    const group = (tariff: TariffView | null) => {
      let g = groups.get(tariff);
      if (!g) {
        g = { usage: [], days: new Set() };
        groups.set(tariff, g);
      }
      return g;
    };
    // Standing charges: every local day the period touches, used or not.
    for (let day = calendar.dayOf(start); day < end; day = calendar.nextDay(day)) {
      const date = calendar.date(day);
      group(tariffOfDay.get(date) ?? null).days.add(date);
    }
    for (let hour = start; hour < end; hour += HOUR) {
      const kwh = hours.get(hour);
      if (kwh === undefined) continue;
      group(tariffOfDay.get(calendar.date(calendar.dayOf(hour))) ?? null).usage.push({
        hourStart: hour,
        kwh,
      });
    }
    return groups;
  }

  private fuelCost(
    hours: Map<number, number>,
    tariffOfDay: Map<string, TariffView | null>,
    calendar: Calendar,
    start: number,
    end: number,
  ) {
    let energy = 0;
    let standing = 0;
    let currency: string | null = null;
    const used: string[] = [];
    for (const [tariff, { usage, days }] of this.byTariff(hours, tariffOfDay, calendar, start, end)) {
      // A day without a tariff has no price: the period's cost cannot be stated.
      if (!tariff) return null;
      if (currency !== null && tariff.currency !== currency) return null;
      currency = tariff.currency;
      const bill = costOf(tariff, usage, [...days], calendar.zone);
      energy += bill.energyCost;
      standing += bill.standingCost;
      used.push(tariff.id);
    }
    if (currency === null) return null;
    // Tariffs are priced in minor units (pence); answers are in the currency's major unit.
    return {
      currency,
      energy: round(energy / 100, 2),
      standing: round(standing / 100, 2),
      total: round((energy + standing) / 100, 2),
      tariffs: used,
    };
  }

  private cost(
    data: WindowData,
    sources: Sources,
    tariffs: { electricity: Map<string, TariffView | null>; gas: Map<string, TariffView | null> },
    calendar: Calendar,
    start: number,
    end: number,
  ): InsightPeriod['cost'] {
    const electricity =
      sources.electricity.channels.length > 0
        ? this.fuelCost(data.electricity, tariffs.electricity, calendar, start, end)
        : null;
    const gas =
      sources.gas.channels.length > 0 ? this.fuelCost(data.gas, tariffs.gas, calendar, start, end) : null;
    const priced = [electricity, gas].filter((c) => c !== null);
    const currencies = new Set(priced.map((c) => c.currency));
    const complete =
      (sources.electricity.channels.length === 0 || electricity !== null) &&
      (sources.gas.channels.length === 0 || gas !== null);
    return {
      electricity,
      gas,
      total:
        complete && priced.length > 0 && currencies.size === 1
          ? round(
              priced.reduce((n, c) => n + c.total, 0),
              2,
            )
          : null,
      currency: currencies.size === 1 ? ([...currencies][0] as string) : null,
    };
  }

  /**
   * Where electricity's carbon comes from under each of its tariffs in the window (no tariff: the
   * default factor): the region's half-hourly series where loaded, the factor for half hours it lacks.
   */
  private async carbonSources(
    tariffs: { electricity: Map<string, TariffView | null> },
    sources: Sources,
    region: string,
    from: number,
    to: number,
  ): Promise<Map<TariffView | null, CarbonSource>> {
    const result = new Map<TariffView | null, CarbonSource>();
    if (sources.electricity.channels.length === 0) return result;
    const lookup = this.deps.tariffs;
    // The region's series is one whatever the tariff: read it once, each tariff's factor its fallback.
    let first: CarbonSource | undefined;
    for (const tariff of new Set(tariffs.electricity.values())) {
      const carbonFactor = tariff?.carbonFactor ?? (DEFAULT_CARBON_FACTORS.electricity as number);
      first ??= await lookup.carbonSource({ fuel: 'electricity', carbonFactor }, region, from, to);
      result.set(
        tariff,
        first.kind === 'series'
          ? { ...first, fallbackKgPerKwh: carbonFactor }
          : { kind: 'factor', kgPerKwh: carbonFactor },
      );
    }
    return result;
  }

  /**
   * kgCO2e of the electricity and gas of [start, end): electricity by its carbon source (the
   * region's series, else the day's tariff factor, else the default), gas by its tariff factor.
   */
  private carbon(
    data: WindowData,
    sources: Sources,
    tariffs: { electricity: Map<string, TariffView | null>; gas: Map<string, TariffView | null> },
    electricitySources: Map<TariffView | null, CarbonSource>,
    calendar: Calendar,
    start: number,
    end: number,
  ): { kg: number | null; fallbackHalfHours: number | null } {
    if (sources.electricity.channels.length === 0 && sources.gas.channels.length === 0)
      return { kg: null, fallbackHalfHours: null };
    let kg = 0;
    let fallback: number | null = null;
    for (const fuel of ['electricity', 'gas'] as const) {
      if (sources[fuel].channels.length === 0) continue;
      for (const [tariff, { usage }] of this.byTariff(data[fuel], tariffs[fuel], calendar, start, end)) {
        const factor: CarbonSource = {
          kind: 'factor',
          kgPerKwh: tariff?.carbonFactor ?? (DEFAULT_CARBON_FACTORS[fuel] as number),
        };
        const source = fuel === 'electricity' ? (electricitySources.get(tariff) ?? factor) : factor;
        const result = carbonOf(source, usage);
        kg += result.kgCo2e;
        if (source.kind === 'series') fallback = (fallback ?? 0) + result.fallbackHalfHours;
      }
    }
    return { kg: round(kg, 3), fallbackHalfHours: fallback };
  }
}
