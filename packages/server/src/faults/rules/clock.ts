/** Rules about the meters' clocks. */
import { completeHours, HOUR_MS, meterName, round } from './common.js';
import type { ChannelData, Finding, Rule } from './types.js';

/**
 * Per hour, how far a meter's readings sit off its interval grid (the newest reading's time modulo
 * the interval), unwrapped into a continuous series: a meter on an accurate clock keeps one phase
 * (0 in the simulator, some constant for a real meter); a drifting clock walks off it.
 */
function phaseSteps(
  channel: ChannelData,
  at: number,
  windowHours: number,
): { hour: number; stepMs: number }[] {
  const intervalMs = channel.intervalSeconds * 1000;
  const hours = completeHours(channel, at).slice(-(windowHours + 1));
  const steps: { hour: number; stepMs: number }[] = [];
  for (let i = 1; i < hours.length; i++) {
    const a = hours[i - 1];
    const b = hours[i];
    if (!a || !b || b.hour !== a.hour + HOUR_MS) continue;
    let step = ((((b.lastT % intervalMs) - (a.lastT % intervalMs)) % intervalMs) + intervalMs) % intervalMs;
    if (step > intervalMs / 2) step -= intervalMs;
    steps.push({ hour: b.hour, stepMs: step });
  }
  return steps;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const clockDrift: Rule = {
  id: 'clock_drift',
  title: 'Meter clock drifting',
  description:
    'A meter’s (or its gateway’s) clock runs fast or slow: its readings walk off their interval grid ' +
    'hour after hour. Its readings are stamped at the wrong time — energy lands in the wrong hour and ' +
    'tariff band — and a clock running ahead ends with readings refused as in the future.',
  severity: 'minor',
  lookbackHours: 8,
  clearAfterMs: 2 * HOUR_MS,
  parameters: {
    // Quartz clocks without time sync drift 1–2 s a day; a meter a minute a day out is broken.
    minDriftSecondsPerDay: {
      default: 30,
      unit: 's/day',
      description: 'a steady drift of the readings off their interval grid beyond this is a fault',
      min: 1,
      max: 3600,
    },
    windowHours: {
      default: 6,
      unit: 'h',
      description: 'complete hours the drift is measured over (the median of the hourly steps)',
      min: 3,
      max: 7,
    },
  },
  evaluate({ at, home, params, active }): Finding | undefined {
    const windowHours = params.windowHours ?? 6;
    // Half the rate holds an alarm already raised (hysteresis).
    const limitMsPerHour = ((params.minDriftSecondsPerDay ?? 30) * 1000) / 24 / (active ? 2 : 1);
    // One channel per meter (all of a meter's channels share its clock).
    const meters = new Map<string, ChannelData>();
    for (const c of home.channels) if (!meters.has(c.meterId)) meters.set(c.meterId, c);
    let judged = false;
    let worst: { channel: ChannelData; rateMsPerHour: number; hours: number; from: number } | undefined;
    for (const channel of meters.values()) {
      // A drift of half an interval or more per hour cannot be told from the grid (it wraps).
      if (channel.intervalSeconds > 1800) continue;
      const steps = phaseSteps(channel, at, windowHours);
      if (steps.length < Math.ceil(windowHours * 0.75)) continue;
      judged = true;
      const rate = median(steps.map((s) => s.stepMs));
      // Most hours must step the same way: a clock set right once, or jitter, is not a drift.
      const sameWay = steps.filter((s) => Math.sign(s.stepMs) === Math.sign(rate) && s.stepMs !== 0).length;
      if (Math.abs(rate) < limitMsPerHour || sameWay < steps.length * 0.75) continue;
      if (!worst || Math.abs(rate) > Math.abs(worst.rateMsPerHour))
        worst = { channel, rateMsPerHour: rate, hours: steps.length, from: (steps[0]?.hour ?? at) - HOUR_MS };
    }
    if (!worst) return judged ? { present: false } : undefined;
    const perDay = (worst.rateMsPerHour * 24) / 1000;
    const last = worst.channel.lastT ?? at;
    return {
      present: true,
      since: worst.from,
      evidence: {
        summary:
          `The clock of ${meterName(worst.channel)} runs ${perDay > 0 ? 'fast' : 'slow'} by about ` +
          `${round(Math.abs(perDay), 0)} s a day: its readings have walked off their ${worst.channel.intervalSeconds} s grid ` +
          `over the last ${worst.hours} h — set its (or its gateway's) clock and enable time sync.`,
        channelId: worst.channel.channelId,
        channelKey: worst.channel.key,
        meterSerial: worst.channel.meterSerial,
        from: worst.from,
        to: Math.min(at, last),
        values: {
          driftSecondsPerDay: round(perDay, 1),
          hours: worst.hours,
          intervalSeconds: worst.channel.intervalSeconds,
          offGridSeconds: round((last % (worst.channel.intervalSeconds * 1000)) / 1000, 1),
        },
      },
    };
  },
};
