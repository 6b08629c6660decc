import { HOUR } from '../analytics/buckets.js';
import { SYSTEM_SCOPE } from '../auth/index.js';
import type { Home, HomesService } from '../homes/index.js';
import { compressorStartThresholdW } from '../performance/index.js';
import type { TelemetryQueries } from '../telemetry/index.js';
import type { ChannelData, HomeFacts, HourBucket } from './rules/types.js';

/** A home's data over a span, loaded once, from which the facts at any instant in it are cut. */
export interface HomeData {
  home: Home;
  /** the home's facts without hours (channels with lastT null and no hours) */
  base: HomeFacts;
  /** per channel id: every hour loaded, oldest first */
  hours: Map<string, HourBucket[]>;
  /** the newest reading time of any channel, or null */
  newestT: number | null;
  /** per channel id: its first and newest reading times (telemetry_series) */
  span: Map<string, { firstT: number; lastT: number }>;
}

/** Where a home's data is read from: the home and its meters, and their hourly history. */
export interface HomeDataSource {
  homes: Pick<HomesService, 'withMeters'>;
  telemetry: Pick<TelemetryQueries, 'hourHistory' | 'calendarOf'>;
}

/**
 * Reads what the rules need about one home: its meters and design (through HomesService), the
 * hourly rollups of every channel in [from, to), and for electricity power channels the readings
 * above the compressor start threshold and the starts per hour (through TelemetryQueries).
 */
export async function loadHomeData(
  { homes, telemetry }: HomeDataSource,
  homeId: string,
  from: number,
  to: number,
  /** starts are counted from here (raw readings are many; only short cycling reads them) */
  startsFrom: number = from,
  /** some channels are read from further back (low_performance's baseline: weeks of hours) */
  long?: { from: number; keys: readonly string[] },
): Promise<HomeData> {
  const { home, meters } = await homes.withMeters(SYSTEM_SCOPE, homeId);
  const { installation } = home;
  const timeZone = (await telemetry.calendarOf(home.agentId)).zone;
  const channels: ChannelData[] = meters.flatMap((meter) =>
    meter.channels.map((c) => ({
      channelId: c.id,
      key: c.key,
      kind: c.kind,
      unit: c.unit,
      meterId: meter.id,
      meterSerial: meter.serial,
      meterKind: meter.kind,
      ...(meter.location ? { location: meter.location } : {}),
      ...(meter.measures ? { measures: meter.measures } : {}),
      intervalSeconds: meter.reading.intervalSeconds,
      lastT: null,
      expectedFrom: Number(home.createdAt),
      hours: [],
    })),
  );
  const base: HomeFacts = {
    homeId: home.id,
    technology: home.technology,
    design: {
      ...(installation.designFlowTemperatureC !== undefined
        ? { flowTemperatureC: installation.designFlowTemperatureC }
        : {}),
      ...(installation.heatingControl !== undefined ? { heatingControl: installation.heatingControl } : {}),
      ...(installation.designSpf !== undefined ? { spf: installation.designSpf } : {}),
      ...(installation.designScop !== undefined ? { scop: installation.designScop } : {}),
      ...(installation.designHeatLossWPerK !== undefined
        ? { heatLossWPerK: installation.designHeatLossWPerK }
        : {}),
      ...(installation.annualHeatDemandKwh !== undefined
        ? { annualHeatDemandKwh: installation.annualHeatDemandKwh }
        : {}),
    },
    timeZone,
    channels,
  };

  const idsOf = (keys: readonly string[]) =>
    channels.filter((c) => keys.includes(c.key)).map((c) => c.channelId);
  const { hours, span } = await telemetry.hourHistory(home.id, {
    channelIds: channels.map((c) => c.channelId),
    from,
    to,
    ...(long ? { long: { from: long.from, channelIds: idsOf(long.keys) } } : {}),
    // Compressor running and starts per hour, from the electricity meters' power channels.
    starts: {
      channelIds: idsOf(['electricity_power']),
      from: startsFrom,
      thresholdW: compressorStartThresholdW(installation.ratedCapacityKw),
    },
  });
  let newestT: number | null = null;
  for (const { lastT } of span.values()) if (newestT === null || lastT > newestT) newestT = lastT;
  // Readings are expected from the home's creation, or from its first reading if that is earlier
  // (a backfilled history): not from its commissioning day, whose hours before the meters were
  // connected are no one's fault.
  const firstData = Math.min(...[...span.values()].map((v) => v.firstT));
  for (const channel of channels) channel.expectedFrom = Math.min(Number(home.createdAt), firstData);
  return { home, base, hours, newestT, span };
}

/**
 * The facts at `at`: each channel's hours in [at − lookback, at) — plus, for a live `at` inside an
 * hour, that hour so far — and its newest reading at or before `at`.
 */
export function factsAt(data: HomeData, at: number, lookbackHours: number): HomeFacts {
  const from = at - lookbackHours * HOUR;
  return {
    ...data.base,
    channels: data.base.channels.map((channel) => {
      const all = data.hours.get(channel.channelId) ?? [];
      const hours = sliceHours(all, from, at);
      const last = hours[hours.length - 1];
      return {
        ...channel,
        hours,
        lastT: last ? Math.min(last.lastT, at) : silentSince(data, channel.channelId, all, from, at),
      };
    }),
  };
}

/** The buckets with hour in [from − 1 h, at): binary search on the sorted hours. */
function sliceHours(all: HourBucket[], from: number, at: number): HourBucket[] {
  const start = lowerBound(all, Math.floor(from / HOUR) * HOUR);
  const end = lowerBound(all, at);
  return all.slice(start, end);
}

/**
 * The newest reading at or before `at` of a channel with none in the window: from the hours loaded
 * before the window, else from the series' span when all its readings are that old, else none.
 */
function silentSince(
  data: HomeData,
  channelId: string,
  all: HourBucket[],
  from: number,
  at: number,
): number | null {
  const i = lowerBound(all, Math.floor(from / HOUR) * HOUR) - 1;
  if (i >= 0) return (all[i] as HourBucket).lastT;
  const span = data.span.get(channelId);
  if (!span || span.firstT > at) return null;
  return span.lastT <= at ? span.lastT : null;
}

function lowerBound(all: HourBucket[], hour: number): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((all[mid] as HourBucket).hour < hour) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
