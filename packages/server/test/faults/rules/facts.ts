/** Builders for hand-made HomeFacts: hours of a channel from a few numbers each. */
import type { ChannelData, HomeFacts, HourBucket } from '../../../src/faults/rules/types.js';

export const HOUR = 3_600_000;
/** A Saturday midnight in winter (UTC = Europe/London). */
export const T0 = Date.UTC(2026, 0, 10);

/** An instantaneous channel's hour: `count` readings around `mean`, spreading ±spread. */
export function level(hour: number, mean: number, spread = 0.2, count = 60): HourBucket {
  return {
    hour,
    count,
    sum: mean * count,
    min: mean - spread,
    max: mean + spread,
    firstT: hour,
    firstV: mean - spread,
    lastT: hour + HOUR - 60_000,
    lastV: mean + spread,
    delta: 0,
  };
}

/** Consecutive hours from `from` of an instantaneous channel, one mean per hour. */
export function levels(from: number, means: readonly number[], spread = 0.2, count = 60): HourBucket[] {
  return means.map((m, i) => level(from + i * HOUR, m, spread, count));
}

/** Consecutive hours of a register starting at `start`, rising by each hour's delta. */
export function register(from: number, start: number, deltas: readonly number[], count = 60): HourBucket[] {
  let v = start;
  return deltas.map((d, i) => {
    const hour = from + i * HOUR;
    const first = v;
    v += d;
    return {
      hour,
      count,
      sum: ((first + v) / 2) * count,
      min: first,
      max: v,
      firstT: hour,
      firstV: first,
      lastT: hour + HOUR - 60_000,
      lastV: v,
      delta: d,
    };
  });
}

/** Power hours with compressor starts and readings above the start threshold. */
export function power(from: number, starts: readonly number[], above = 30, meanW = 1000): HourBucket[] {
  return starts.map((s, i) => ({ ...level(from + i * HOUR, meanW, meanW), above, starts: s }));
}

const SERIALS: Record<string, string> = {
  heat_meter: 'HM-1',
  electricity_meter: 'EM-1',
  gas_meter: 'GM-1',
  pv_inverter: 'PV-1',
};

const METER_OF: Record<string, Pick<ChannelData, 'meterKind' | 'location' | 'unit' | 'kind'>> = {
  heat_energy: { meterKind: 'heat_meter', unit: 'kWh', kind: 'register' },
  heat_power: { meterKind: 'heat_meter', unit: 'W', kind: 'instantaneous' },
  flow_temperature: { meterKind: 'heat_meter', unit: '°C', kind: 'instantaneous' },
  return_temperature: { meterKind: 'heat_meter', unit: '°C', kind: 'instantaneous' },
  flow_rate: { meterKind: 'heat_meter', unit: 'l/min', kind: 'instantaneous' },
  electricity_energy: { meterKind: 'electricity_meter', unit: 'kWh', kind: 'register' },
  electricity_power: { meterKind: 'electricity_meter', unit: 'W', kind: 'instantaneous' },
  gas_volume: { meterKind: 'gas_meter', unit: 'm³', kind: 'register' },
  indoor_temperature: {
    meterKind: 'temperature_sensor',
    location: 'indoor',
    unit: '°C',
    kind: 'instantaneous',
  },
  outdoor_temperature: {
    meterKind: 'temperature_sensor',
    location: 'outdoor',
    unit: '°C',
    kind: 'instantaneous',
  },
};

/** A channel with its hours; lastT defaults to the newest hour's last reading. */
export function channel(key: string, hours: HourBucket[], overrides: Partial<ChannelData> = {}): ChannelData {
  const meta = METER_OF[key];
  if (!meta) throw new Error(`no builder for ${key}`);
  const serial = SERIALS[meta.meterKind] ?? `T${meta.location === 'indoor' ? 'I' : 'O'}-1`;
  return {
    channelId: `${serial}:${key}`,
    key,
    ...meta,
    meterId: serial,
    meterSerial: serial,
    ...(meta.meterKind === 'electricity_meter' ? { measures: 'heat_pump_and_backup' } : {}),
    intervalSeconds: 60,
    lastT: hours.length > 0 ? (hours[hours.length - 1] as HourBucket).lastT : null,
    expectedFrom: T0 - 30 * 24 * HOUR,
    hours,
    ...overrides,
  };
}

export function facts(channels: ChannelData[], overrides: Partial<HomeFacts> = {}): HomeFacts {
  return {
    homeId: 'home-1',
    technology: 'air_source_heat_pump',
    design: { flowTemperatureC: 45, spf: 3.2, heatLossWPerK: 120 },
    timeZone: 'Europe/London',
    channels,
    ...overrides,
  };
}
