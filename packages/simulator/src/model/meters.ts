import type { ChannelKey, MeterRole } from '../types.js';
import { hashUnit } from './random.js';

/** The channels each meter reports, in the order readings are emitted. */
export const METER_CHANNELS: Readonly<Record<MeterRole, readonly ChannelKey[]>> = {
  heat_meter: [
    'heat_energy',
    'heat_power',
    'flow_temperature',
    'return_temperature',
    'flow_rate',
    'hot_water_mode',
  ],
  electricity_meter: ['electricity_energy', 'electricity_power'],
  indoor_sensor: ['indoor_temperature'],
  outdoor_sensor: ['outdoor_temperature'],
  pv_inverter: ['pv_energy', 'pv_power'],
  gas_meter: ['gas_volume'],
};

/** Which meter reports a channel. */
export function meterOfChannel(channel: ChannelKey): MeterRole {
  for (const [meter, channels] of Object.entries(METER_CHANNELS) as [MeterRole, readonly ChannelKey[]][]) {
    if (channels.includes(channel)) return meter;
  }
  throw new Error(`no meter reports ${channel}`);
}

export type RegisterChannel = 'heat_energy' | 'electricity_energy' | 'pv_energy' | 'gas_volume';

export const REGISTER_CHANNELS: readonly RegisterChannel[] = [
  'heat_energy',
  'electricity_energy',
  'pv_energy',
  'gas_volume',
];

export function isRegister(channel: ChannelKey): channel is RegisterChannel {
  return (REGISTER_CHANNELS as readonly ChannelKey[]).includes(channel);
}

/**
 * A meter that has run before: its register starts somewhere in a plausible few years' total
 * (kWh, or m³ for gas), seeded so a home's meters keep their numbers from run to run.
 */
export function registerStartValue(seed: number, channel: RegisterChannel): number {
  const u = hashUnit(seed, REGISTER_CHANNELS.indexOf(channel));
  const ranges: Record<RegisterChannel, readonly [number, number]> = {
    heat_energy: [2_000, 40_000],
    electricity_energy: [600, 12_000],
    pv_energy: [500, 15_000],
    gas_volume: [1_000, 12_000],
  };
  const [low, high] = ranges[channel];
  return Math.round((low + (high - low) * u) * 1000) / 1000;
}

/** Rounds to a multiple of `step` without the float tails of a plain multiply (0.1 → 0.1, not 0.10000000000000001). */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** Decimal places each channel reports: registers to 1 Wh / 1 litre of gas, powers to 1 W. */
export const CHANNEL_DECIMALS: Readonly<Record<ChannelKey, number>> = {
  heat_energy: 3,
  heat_power: 0,
  flow_temperature: 2,
  return_temperature: 2,
  flow_rate: 2,
  hot_water_mode: 0,
  electricity_energy: 3,
  electricity_power: 0,
  indoor_temperature: 1,
  outdoor_temperature: 1,
  pv_energy: 3,
  pv_power: 0,
  gas_volume: 3,
};

/**
 * Sensor noise (standard deviation, °C). A heat meter's flow and return sensors are a matched pair,
 * so most of their noise is common and their difference stays accurate.
 */
export const HEAT_METER_COMMON_NOISE_C = 0.05;
export const HEAT_METER_DIFFERENTIAL_NOISE_C = 0.01;
export const ROOM_SENSOR_NOISE_C = 0.05;
export const OUTDOOR_SENSOR_NOISE_C = 0.1;
