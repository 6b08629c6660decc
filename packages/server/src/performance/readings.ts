import { HOUR } from '../analytics/buckets.js';
import { type QualityAlarms, SuspectHours } from '../analytics/quality-intervals.js';
import type { MeterView } from '../homes/index.js';
import type { HourRollup, TelemetryQueries } from '../telemetry/index.js';
import type { PerformanceChannels } from './channels.js';

/** What the load stage read: the window's hourly rollups, the flag's mixed hours, the suspect hours. */
export interface PerformanceReadings {
  /** per channel, its rollups in time order, from the hour before the window */
  rollups: Map<string, HourRollup[]>;
  /** the same rollups by channel and hour */
  byHour: Map<string, Map<number, HourRollup>>;
  /** the hot water flag's mixed hours, split reading by reading */
  flagSplit: Awaited<ReturnType<TelemetryQueries['flagSplit']>>;
  /** hours a data-quality alarm flags (a stuck sensor, an implausible COP…): left out, hour by hour */
  suspect: SuspectHours;
}

/**
 * Stage 2: load. From the hour before the window (whether the window's first hour ends a gap): the
 * hourly rollups of the wanted channels, the flag's mixed hours (a change in them or since the hour
 * before) split reading by reading in one SQL pass, and the data-quality alarms' hours.
 */
export async function loadReadings(input: {
  telemetry: TelemetryQueries;
  qualityAlarms: QualityAlarms;
  homeId: string;
  meters: MeterView[];
  channels: PerformanceChannels;
  from: number;
  to: number;
}): Promise<PerformanceReadings> {
  const { telemetry, homeId, meters, channels, from, to } = input;
  const { boundary, hotWaterFlag, immersionSerials, registers } = channels;
  const rollups = await telemetry.hourlyRollups(homeId, channels.wanted, from - HOUR, to);
  const byHour = new Map<string, Map<number, HourRollup>>();
  for (const [channelId, rows] of rollups) byHour.set(channelId, new Map(rows.map((r) => [r.hour, r])));
  const flagSplit =
    boundary && hotWaterFlag
      ? await telemetry.flagSplit(
          homeId,
          hotWaterFlag.channelId,
          registers.filter((id) =>
            [...boundary.heat, ...boundary.electricity].some(
              (t) => t.channelId === id && !immersionSerials.has(t.serial),
            ),
          ),
          from,
          to,
        )
      : new Map<number, never>();
  const suspect = new SuspectHours(
    await input.qualityAlarms.forHome(homeId, from - HOUR, to),
    meters,
    from - HOUR,
    to,
  );
  return { rollups, byHour, flagSplit, suspect };
}
