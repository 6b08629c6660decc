import { round } from '../analytics/schemas.js';
import type { MeterView } from '../homes/index.js';
import type { HourRollup, TelemetryQueries } from '../telemetry/index.js';
import { compressorPowerChannel, REVERSE_HEAT_KEY } from './boundary.js';
import type { PerformanceChannels } from './channels.js';
import {
  CARNOT_CONDENSING_OFFSET_K,
  CARNOT_EVAPORATING_OFFSET_K,
  carnotPercent,
  heatWeightedFlowC,
} from './formulas.js';
import type { PerformanceHour } from './hours.js';

/** Why a figure of the window is null. */
export interface Unavailable {
  field: string;
  reason: string;
}

/** How % of Carnot is computed, stated with it (docs/performance.md). */
export const CARNOT_CONVENTION = {
  condensingOffsetK: CARNOT_CONDENSING_OFFSET_K,
  evaporatingOffsetK: CARNOT_EVAPORATING_OFFSET_K,
  over: 'running_hours',
  weighting: 'heat',
  description:
    'running COP / practical Carnot COP × 100, the Carnot COP taken between condensing (flow + 2 K) and evaporating (outdoor − 6 K) temperatures, weighted by heat, over the hours the heat pump ran (heatpumpmonitor.org’s convention)',
} as const;

/**
 * Stage 5a: % of Carnot (heatpumpmonitor.org's convention) and the heat-weighted flow temperature,
 * from the hourly means.
 */
export function carnotAndFlowOf(
  hours: PerformanceHour[],
  channels: PerformanceChannels,
): { carnot: ReturnType<typeof carnotPercent>; flowC: number | null; unavailable: Unavailable[] } {
  const { boundary, flowChannel, outdoorChannel } = channels;
  const unavailable: Unavailable[] = [];
  const carnot = carnotPercent(hours);
  if (carnot.percent === null)
    unavailable.push({
      field: 'carnotPercent',
      reason: !boundary
        ? 'no boundary: no heat and electricity to compare'
        : flowChannel === null
          ? 'no heat meter reports flow_temperature'
          : outdoorChannel === null
            ? 'no outdoor temperature sensor (temperature_sensor, location outdoor)'
            : 'no running hour (heat registered, data in the hour and the one before) with flow and outdoor temperatures in the window',
    });
  const flowC = heatWeightedFlowC(hours);
  if (flowC === null)
    unavailable.push({
      field: 'flowTemperatureWeightedC',
      reason:
        flowChannel === null
          ? 'no heat meter reports flow_temperature'
          : 'no hour with heat and a flow temperature',
    });
  return { carnot, flowC, unavailable };
}

/** The window's compressor starts and running hours. */
export interface Starts {
  starts: number | null;
  runningHours: number | null;
  powerReadingHours: number | null;
  startsPerHourOfData: number | null;
  startsPerRunningHour: number | null;
}

/** Stage 5b: compressor starts from the raw power readings (one pass over the window's rows of one channel). */
export async function startsOf(input: {
  telemetry: TelemetryQueries;
  homeId: string;
  meters: MeterView[];
  from: number;
  to: number;
  startThresholdW: number;
}): Promise<Starts & { unavailable: Unavailable[] }> {
  const { meters } = input;
  const unavailable: Unavailable[] = [];
  const out: Starts = {
    starts: null,
    runningHours: null,
    powerReadingHours: null,
    startsPerHourOfData: null,
    startsPerRunningHour: null,
  };
  const startFields = [
    'starts',
    'runningHours',
    'powerReadingHours',
    'startsPerHourOfData',
    'startsPerRunningHour',
    'startsPerHour',
  ];
  const power = compressorPowerChannel(meters);
  if (!power) {
    for (const field of startFields)
      unavailable.push({
        field,
        reason: 'no electricity meter of the compressor or heat pump reports electricity_power',
      });
    return { ...out, unavailable };
  }
  const meter = meters.find((m) => m.serial === power.serial);
  const interval = meter?.reading.intervalSeconds ?? 60;
  const t = await input.telemetry.powerTransitions(
    input.homeId,
    power.channelId,
    input.from,
    input.to,
    input.startThresholdW,
  );
  if (t.readings === 0) {
    for (const field of startFields)
      unavailable.push({ field, reason: `no electricity_power readings from ${power.serial} in the window` });
    return { ...out, unavailable };
  }
  const starts = t.starts;
  const runningHours = round((t.above * interval) / 3600, 2);
  const powerReadingHours = round((t.readings * interval) / 3600, 2);
  // Per hour of data (heatpumpmonitor.org's starts per hour) and per running hour.
  const startsPerHourOfData = powerReadingHours > 0 ? round(starts / powerReadingHours, 3) : null;
  const startsPerRunningHour = runningHours > 0 ? round(starts / runningHours, 3) : null;
  if (startsPerRunningHour === null)
    for (const field of ['startsPerRunningHour', 'startsPerHour'])
      unavailable.push({ field, reason: 'the compressor did not run in the window' });
  return { starts, runningHours, powerReadingHours, startsPerHourOfData, startsPerRunningHour, unavailable };
}

/** Stage 5c: defrost. Only a heat meter that registers reverse heat shows it. */
export function defrostOf(
  reverse: string[],
  rollups: Map<string, HourRollup[]>,
  from: number,
): { defrostKwh: number | null; unavailable: Unavailable[] } {
  if (reverse.length === 0)
    return {
      defrostKwh: null,
      unavailable: [
        {
          field: 'defrostKwh',
          reason: `the heat meters count forward heat only, so defrost (heat taken back from the water) is not metered; give the heat meter a ${REVERSE_HEAT_KEY} register to see it`,
        },
      ],
    };
  let defrostKwh = 0;
  for (const id of reverse) for (const r of rollups.get(id) ?? []) if (r.hour >= from) defrostKwh += r.delta;
  return { defrostKwh: round(defrostKwh, 3), unavailable: [] };
}
