/** Rules about data arriving: meters falling silent, and meters that drop readings. */
import { completeHours, formatDuration, HOUR_MS, hourOf, meterName, round } from './common.js';
import type { ChannelData, HomeFacts, Rule } from './types.js';

interface MeterSilence {
  channel: ChannelData;
  lastT: number | null;
  /** ms since the newest reading (or since the meter could first have sent one) */
  silenceMs: number;
  intervalMs: number;
}

/** Per meter, its newest reading over all its channels: a meter is silent only if all its channels are. */
function meterSilences(home: HomeFacts, at: number): MeterSilence[] {
  const meters = new Map<string, ChannelData[]>();
  for (const channel of home.channels)
    meters.set(channel.meterId, [...(meters.get(channel.meterId) ?? []), channel]);
  return [...meters.values()].map((channels) => {
    const channel = channels[0] as ChannelData;
    const times = channels.map((c) => c.lastT).filter((t): t is number => t !== null);
    const lastT = times.length > 0 ? Math.max(...times) : null;
    const since = lastT ?? Math.min(...channels.map((c) => c.expectedFrom));
    return { channel, lastT, silenceMs: at - since, intervalMs: channel.intervalSeconds * 1000 };
  });
}

export const communicationLost: Rule = {
  id: 'communication_lost',
  title: 'Meter not reporting',
  description:
    'A meter has sent nothing for several of its reading intervals: the gateway, its network or the meter ' +
    'itself is down, and the home is not being monitored. Late data (a few intervals) is a warning; ' +
    'a longer silence escalates to major.',
  severity: 'major',
  lookbackHours: 1,
  clearAfterMs: 5 * 60_000,
  parameters: {
    lateIntervals: {
      default: 3,
      unit: 'intervals',
      description: 'silence, in expected reading intervals, after which a meter is late (warning)',
      min: 2,
      max: 1000,
    },
    lostIntervals: {
      default: 12,
      unit: 'intervals',
      description: 'silence, in expected reading intervals, after which a meter is lost (major)',
      min: 2,
      max: 10_000,
    },
  },
  evaluate({ at, home, params }) {
    const late = params.lateIntervals ?? 3;
    const lost = Math.max(late, params.lostIntervals ?? 12);
    // Only meters that could have reported by now are judged: a home commissioned a minute ago is not late.
    const judged = meterSilences(home, at).filter((m) => at - m.channel.expectedFrom >= late * m.intervalMs);
    if (judged.length === 0) return undefined;
    const silent = judged
      .filter((m) => m.silenceMs > late * m.intervalMs)
      .sort((a, b) => b.silenceMs / b.intervalMs - a.silenceMs / a.intervalMs);
    const worst = silent[0];
    if (!worst) return { present: false };
    const isLost = worst.silenceMs > lost * worst.intervalMs;
    const ch = worst.channel;
    const from = worst.lastT ?? ch.expectedFrom;
    const others = silent.length - 1;
    const what = worst.lastT === null ? 'has never sent a reading' : 'has sent nothing';
    return {
      present: true,
      severity: isLost ? 'major' : 'warning',
      evidence: {
        summary:
          `${meterName(ch)} ${what} for ${formatDuration(worst.silenceMs)} ` +
          `(expected every ${ch.intervalSeconds} s)` +
          (others > 0 ? `, and ${others} more meter${others > 1 ? 's are' : ' is'} silent too` : '') +
          ': check the gateway, its power and network.',
        meterSerial: ch.meterSerial,
        from,
        to: at,
        values: {
          lastReadingAt: worst.lastT === null ? null : new Date(worst.lastT).toISOString(),
          silenceSeconds: Math.round(worst.silenceMs / 1000),
          intervalSeconds: ch.intervalSeconds,
          silentMeters: silent.length,
          state: isLost ? 'lost' : 'late',
        },
      },
    };
  },
};

export const dataGaps: Rule = {
  id: 'data_gaps',
  title: 'Readings missing',
  description:
    'A meter reports, but drops a share of its readings (weak radio, an overloaded gateway): the gaps ' +
    'make energy and performance figures less certain. Only hours in which the meter reported at all ' +
    'count, so a meter that is silent altogether is communication_lost, not this.',
  severity: 'minor',
  lookbackHours: 25,
  clearAfterMs: HOUR_MS,
  parameters: {
    windowHours: {
      default: 24,
      unit: 'h',
      description: 'complete hours over which completeness is measured',
      min: 2,
      max: 24,
    },
    minCompletenessPercent: {
      default: 90,
      unit: '%',
      description: 'readings received as a share of those expected, below which the fault is present',
      min: 1,
      max: 100,
    },
    minHours: {
      default: 6,
      unit: 'h',
      description: 'hours with readings needed before completeness is judged',
      min: 1,
      max: 24,
    },
  },
  evaluate({ at, home, params }) {
    const windowHours = params.windowHours ?? 24;
    const threshold = params.minCompletenessPercent ?? 90;
    const minHours = params.minHours ?? 6;
    const windowStart = hourOf(at) - windowHours * HOUR_MS;
    // The channel of each meter with the most readings speaks for the meter.
    const best = new Map<
      string,
      { channel: ChannelData; received: number; expected: number; hours: number }
    >();
    for (const channel of home.channels) {
      // A meter reporting less than twice an hour leaves hours empty by design: hours cannot measure it.
      if (channel.intervalSeconds > 1800) continue;
      const perHour = 3600 / channel.intervalSeconds;
      // The hour the meter was commissioned in is partial by nature: skip it.
      const hours = completeHours(channel, at).filter(
        (h) => h.hour >= windowStart && h.hour >= hourOf(channel.expectedFrom) + HOUR_MS,
      );
      const received = hours.reduce((s, h) => s + Math.min(h.count, perHour), 0);
      const expected = hours.length * perHour;
      const known = best.get(channel.meterId);
      if (!known || received > known.received)
        best.set(channel.meterId, { channel, received, expected, hours: hours.length });
    }
    const judged = [...best.values()].filter((m) => m.hours >= minHours && m.expected > 0);
    if (judged.length === 0) return undefined;
    const worst = judged.sort((a, b) => a.received / a.expected - b.received / b.expected)[0];
    if (!worst) return undefined;
    const percent = (100 * worst.received) / worst.expected;
    if (percent >= threshold) return { present: false };
    const ch = worst.channel;
    return {
      present: true,
      evidence: {
        summary:
          `${meterName(ch)} delivered ${round(percent, 1)} % of its expected readings over the last ` +
          `${worst.hours} hours in which it reported (threshold ${threshold} %): check its signal and the gateway.`,
        meterSerial: ch.meterSerial,
        from: Math.max(windowStart, hourOf(ch.expectedFrom) + HOUR_MS),
        to: hourOf(at),
        values: {
          completenessPercent: round(percent, 1),
          readingsReceived: worst.received,
          readingsExpected: worst.expected,
          hours: worst.hours,
          intervalSeconds: ch.intervalSeconds,
        },
      },
    };
  },
};
