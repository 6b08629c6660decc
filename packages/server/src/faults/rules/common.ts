/** Helpers the rules share: finding channels, summing hours, and phrasing evidence. */
import type { ChannelData, HomeFacts, HourBucket } from './types.js';

const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Heat pump technologies (air, ground, water source, hybrid…): the rules about COP apply only to them. */
export function isHeatPump(home: HomeFacts): boolean {
  return home.technology?.includes('heat_pump') ?? false;
}

/** Electricity circuits whose energy is the heat pump's (with or without its backup heater). */
const HEAT_PUMP_CIRCUITS = new Set(['heat_pump', 'compressor', 'heat_pump_and_backup']);
/** Circuits that are the backup or immersion heater alone. */
export const BACKUP_CIRCUITS = new Set(['backup_heater', 'immersion_heater']);

/** The heat meter's energy register (the first, when a home has several heat meters). */
export function heatEnergy(home: HomeFacts): ChannelData | undefined {
  return home.channels.find((c) => c.key === 'heat_energy');
}

/**
 * The heat pump's electricity register: an electricity meter on the heat pump's circuit. A meter
 * that does not say what it measures is taken as the heat pump's (the usual installation).
 */
export function heatPumpElectricity(home: HomeFacts, key = 'electricity_energy'): ChannelData | undefined {
  const candidates = home.channels.filter(
    (c) =>
      c.key === key &&
      c.meterKind === 'electricity_meter' &&
      (c.measures === undefined || HEAT_PUMP_CIRCUITS.has(c.measures)),
  );
  // A compressor-only meter sees starts and COP most directly.
  return candidates.find((c) => c.measures === 'compressor') ?? candidates[0];
}

export function temperatureChannel(home: HomeFacts, key: string): ChannelData | undefined {
  return home.channels.find((c) => c.key === key);
}

/** Hours of a channel by hour start, for joining channels hour by hour. */
export function byHour(channel: ChannelData | undefined): Map<number, HourBucket> {
  const map = new Map<number, HourBucket>();
  if (channel) for (const h of channel.hours) map.set(h.hour, h);
  return map;
}

export function mean(h: HourBucket): number {
  return h.sum / h.count;
}

/** The start of the UTC hour containing t. */
export function hourOf(t: number): number {
  return Math.floor(t / HOUR_MS) * HOUR_MS;
}

/** Complete hours only: the hour containing `at` is still filling and would read low. */
export function completeHours(channel: ChannelData, at: number): HourBucket[] {
  const current = hourOf(at);
  return channel.hours.filter((h) => h.hour < current);
}

export function round(value: number, decimals = 2): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** "14 min", "3.5 h", "2.1 days": a silence or span as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < HOUR_MS) return `${Math.round(ms / MINUTE_MS)} min`;
  if (ms < 2 * DAY_MS) return `${round(ms / HOUR_MS, 1)} h`;
  return `${round(ms / DAY_MS, 1)} days`;
}

export function isoHour(t: number): string {
  return `${new Date(t).toISOString().slice(0, 16)}Z`;
}

/** "since 2026-11-02T06:00Z (10 days)": an episode's start and how long it has lasted at `at`. */
export function sinceText(since: number, at: number): string {
  return `since ${isoHour(since)} (${formatDuration(Math.max(0, at - since))})`;
}

/** A meter's name in a sentence: "heat meter HM-1". */
export function meterName(channel: Pick<ChannelData, 'meterKind' | 'meterSerial' | 'location'>): string {
  const kind =
    channel.meterKind === 'temperature_sensor' && channel.location
      ? `${channel.location} temperature sensor`
      : channel.meterKind.replaceAll('_', ' ');
  return `${kind} ${channel.meterSerial}`;
}

/**
 * Runs of consecutive hours (no hour missing between them) for which `test` holds, oldest first.
 * Rules that need a condition "for N hours in a row" take the newest run.
 */
export function runsOf<T extends { hour: number }>(hours: readonly T[], test: (h: T) => boolean): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  for (const h of hours) {
    const last = run[run.length - 1];
    if (test(h) && (last === undefined || h.hour === last.hour + HOUR_MS)) run.push(h);
    else {
      if (run.length > 0) runs.push(run);
      run = test(h) ? [h] : [];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
