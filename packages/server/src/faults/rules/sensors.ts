/** Temperature sensors that read impossible values or have stopped changing. */
import { HOUR_MS, hourOf, isoHour, meterName, round, sinceText } from './common.js';
import type { ChannelData, Rule } from './types.js';

/** The temperature channels these rules judge, with the range parameters that bound each. */
const RANGES: Readonly<Record<string, { min: string; max: string }>> = {
  flow_temperature: { min: 'waterMinC', max: 'waterMaxC' },
  return_temperature: { min: 'waterMinC', max: 'waterMaxC' },
  outdoor_temperature: { min: 'outdoorMinC', max: 'outdoorMaxC' },
  indoor_temperature: { min: 'indoorMinC', max: 'indoorMaxC' },
};

const TEMPERATURE_KEYS = new Set(Object.keys(RANGES));

function temperatureChannels(channels: readonly ChannelData[]): ChannelData[] {
  return channels.filter((c) => TEMPERATURE_KEYS.has(c.key));
}

export const valueOutOfRange: Rule = {
  id: 'value_out_of_range',
  title: 'Temperature out of range',
  description:
    'A temperature sensor reports a value no working sensor in that place could: a disconnected or ' +
    'shorted probe (which typically reads −40 °C, 0 °C or +85 °C and above), a sensor in the wrong ' +
    'pocket, or a mislabelled channel. Analytics that use the channel are wrong until it is fixed.',
  severity: 'minor',
  lookbackHours: 3,
  clearAfterMs: HOUR_MS,
  parameters: {
    // Heating water: below 5 °C the circuit would be freezing. A boiler's flow set-point goes up to
    // 80–85 °C and its controls may add room influence on top (the demo's 70 °C gas boilers reach
    // 84 °C in a cold snap); its high-limit stat trips at 95–110 °C. Above 90 °C is a probe fault.
    waterMinC: {
      default: 5,
      unit: '°C',
      description: 'lowest plausible flow/return temperature',
      min: -50,
      max: 100,
    },
    waterMaxC: {
      default: 90,
      unit: '°C',
      description: 'highest plausible flow/return temperature',
      min: 0,
      max: 150,
    },
    // UK records: −27.2 °C (1995) and 40.3 °C (2022), with margin for a sensor in the sun.
    outdoorMinC: {
      default: -30,
      unit: '°C',
      description: 'lowest plausible outdoor temperature',
      min: -80,
      max: 20,
    },
    outdoorMaxC: {
      default: 45,
      unit: '°C',
      description: 'highest plausible outdoor temperature',
      min: 0,
      max: 70,
    },
    // An occupied home below 0 °C would have burst pipes; above 40 °C the sensor sits on a heat source.
    indoorMinC: {
      default: 0,
      unit: '°C',
      description: 'lowest plausible indoor temperature',
      min: -30,
      max: 20,
    },
    indoorMaxC: {
      default: 40,
      unit: '°C',
      description: 'highest plausible indoor temperature',
      min: 20,
      max: 70,
    },
    windowHours: {
      default: 2,
      unit: 'h',
      description: 'an offending hour keeps the fault present this long',
      min: 1,
      max: 3,
    },
  },
  evaluate({ at, home, params }) {
    const channels = temperatureChannels(home.channels);
    if (channels.length === 0) return undefined;
    const since = hourOf(at) - ((params.windowHours ?? 2) - 1) * HOUR_MS;
    let judged = false;
    for (const ch of channels) {
      const range = RANGES[ch.key];
      if (!range) continue;
      const lo =
        params[range.min] ?? valueOutOfRange.parameters[range.min]?.default ?? Number.NEGATIVE_INFINITY;
      const hi =
        params[range.max] ?? valueOutOfRange.parameters[range.max]?.default ?? Number.POSITIVE_INFINITY;
      for (const h of ch.hours.filter((x) => x.hour >= since).reverse()) {
        judged = true;
        if (h.min >= lo && h.max <= hi) continue;
        const low = h.min < lo;
        const value = low ? h.min : h.max;
        return {
          present: true,
          evidence: {
            summary:
              `${ch.key} of ${meterName(ch)} read ${value} °C in the hour from ${isoHour(h.hour)}, ` +
              `${low ? 'below' : 'above'} the plausible ${lo}–${hi} °C: check the probe and its wiring.`,
            channelId: ch.channelId,
            channelKey: ch.key,
            meterSerial: ch.meterSerial,
            from: h.firstT,
            to: h.lastT,
            values: {
              minC: h.min,
              maxC: h.max,
              lowLimitC: lo,
              highLimitC: hi,
              hour: new Date(h.hour).toISOString(),
            },
          },
        };
      }
    }
    return judged ? { present: false } : undefined;
  },
};

export const stuckSensor: Rule = {
  id: 'stuck_sensor',
  episode(evidence, since, at) {
    const value = evidence?.values.valueC;
    return (
      `${evidence?.channelKey ?? 'a temperature'} of sensor ${evidence?.meterSerial ?? ''} stuck` +
      (typeof value === 'number' ? ` at ${value} °C` : '') +
      ` ${sinceText(since, at)}`
    );
  },
  title: 'Sensor stuck',
  description:
    'A temperature sensor keeps reporting exactly the same value while its readings keep arriving: ' +
    'the probe or its transmitter has frozen (a flat battery, a crashed sensor, a gateway repeating a ' +
    'cached value). Real temperatures always wander by at least the sensor’s resolution over hours. ' +
    'Only temperatures are judged: power, flow rate and PV legitimately sit at 0 for hours.',
  severity: 'minor',
  lookbackHours: 13,
  clearAfterMs: HOUR_MS,
  parameters: {
    windowHours: {
      default: 6,
      unit: 'h',
      description: 'complete hours over which the value must not change at all',
      min: 2,
      max: 12,
    },
    toleranceC: {
      default: 0,
      unit: '°C',
      description: 'a spread (max − min) at or below this counts as unchanged',
      min: 0,
      max: 1,
    },
    minReadingsPerHour: {
      default: 1,
      unit: 'readings',
      description:
        'each hour of the window needs this many readings, so silence is not taken for a stuck value',
      min: 1,
      max: 3600,
    },
  },
  evaluate({ at, home, params }) {
    const windowHours = params.windowHours ?? 6;
    const tolerance = params.toleranceC ?? 0;
    const minReadings = params.minReadingsPerHour ?? 1;
    const from = hourOf(at) - windowHours * HOUR_MS;
    let judged = false;
    for (const ch of temperatureChannels(home.channels)) {
      // The window's complete hours, plus the current one so far: all of them must have readings.
      const hours = ch.hours.filter((h) => h.hour >= from);
      const complete = hours.filter((h) => h.hour < hourOf(at));
      if (complete.length < windowHours || complete.some((h) => h.count < minReadings)) continue;
      judged = true;
      const min = Math.min(...hours.map((h) => h.min));
      const max = Math.max(...hours.map((h) => h.max));
      if (max - min > tolerance) continue;
      const first = hours[0];
      const last = hours[hours.length - 1];
      if (!first || !last) continue;
      const readings = hours.reduce((s, h) => s + h.count, 0);
      return {
        present: true,
        since: first.firstT,
        evidence: {
          summary:
            `${ch.key} of ${meterName(ch)} read ${min} °C in every one of its ${readings} readings of the last ` +
            `${hours.length} h: the sensor looks frozen; check its battery, probe and transmitter.`,
          channelId: ch.channelId,
          channelKey: ch.key,
          meterSerial: ch.meterSerial,
          from: first.firstT,
          to: last.lastT,
          values: { valueC: min, readings, hours: round((last.lastT - first.firstT) / HOUR_MS, 1) },
        },
      };
    }
    return judged ? { present: false } : undefined;
  },
};
