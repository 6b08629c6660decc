/** Whether the home is kept warm: the outcome its occupants notice first. */
import {
  byHour,
  completeHours,
  HOUR_MS,
  isoHour,
  mean,
  round,
  runsOf,
  temperatureChannel,
} from './common.js';
import type { Finding, Rule } from './types.js';

export const lowIndoorTemperature: Rule = {
  id: 'low_indoor_temperature',
  title: 'Home too cold',
  description:
    'The indoor temperature has stayed below a comfort floor for hours while heating was needed: ' +
    'the heating cannot keep up (undersized, faulty, or off) or is set too low. A health risk for ' +
    'vulnerable occupants and a sign something is wrong with the system.',
  severity: 'major',
  lookbackHours: 25,
  clearAfterMs: 2 * HOUR_MS,
  parameters: {
    // UKHSA/WHO: 18 °C is the minimum healthy indoor temperature; typical UK night setbacks go to
    // 16–18 °C, so 16 °C does not fire on a setback while still catching a home that is failing.
    minIndoorC: {
      default: 16,
      unit: '°C',
      description: 'indoor hourly mean below this is too cold',
      min: 5,
      max: 25,
    },
    minHours: {
      default: 6,
      unit: 'h',
      description: 'consecutive cold hours before the fault is present',
      min: 1,
      max: 24,
    },
    // The usual heating cut-off of weather-compensated controllers (the model uses 16 °C).
    heatingBelowOutdoorC: {
      default: 15,
      unit: '°C',
      description: 'heating counts as needed while the outdoor hourly mean is below this (if measured)',
      min: 0,
      max: 25,
    },
  },
  evaluate({ at, home, params }): Finding | undefined {
    const indoor = temperatureChannel(home, 'indoor_temperature');
    if (!indoor) return undefined;
    const hours = completeHours(indoor, at);
    if (hours.length === 0) return undefined;
    const outdoor = byHour(temperatureChannel(home, 'outdoor_temperature'));
    const hasOutdoor = outdoor.size > 0;
    const floor = params.minIndoorC ?? 16;
    const heatingBelow = params.heatingBelowOutdoorC ?? 15;
    const cold = (hour: number, indoorC: number) => {
      if (indoorC >= floor) return false;
      if (!hasOutdoor) return true;
      const o = outdoor.get(hour);
      return o !== undefined && mean(o) < heatingBelow;
    };
    const runs = runsOf(hours, (h) => cold(h.hour, mean(h)));
    const run = runs[runs.length - 1];
    const last = hours[hours.length - 1];
    const minHours = params.minHours ?? 6;
    if (!run || !last || run.length < minHours || run[run.length - 1]?.hour !== last.hour)
      return { present: false };
    const first = run[0] as (typeof run)[number];
    const meanC = run.reduce((s, h) => s + h.sum, 0) / run.reduce((s, h) => s + h.count, 0);
    const minC = Math.min(...run.map((h) => h.min));
    return {
      present: true,
      evidence: {
        summary:
          `The home has been below ${floor} °C for ${run.length} hours since ${isoHour(first.hour)} ` +
          `(mean ${round(meanC, 1)} °C, lowest ${minC} °C) while heating was needed: check the heating is ` +
          'running and keeping up.',
        channelId: indoor.channelId,
        channelKey: indoor.key,
        meterSerial: indoor.meterSerial,
        from: first.hour,
        to: last.hour + HOUR_MS,
        values: { hours: run.length, meanIndoorC: round(meanC, 1), minIndoorC: minC, thresholdC: floor },
      },
    };
  },
};
