/** Energy and volume registers must only ever count up: a fall is a reset, a rollback or a swapped meter. */
import { HOUR_MS, isoHour, meterName, round } from './common.js';
import type { Rule } from './types.js';

interface Fall {
  channelId: string;
  channelKey: string;
  meterSerial: string;
  name: string;
  unit: string;
  beforeV: number;
  beforeT: number;
  afterV: number;
  afterT: number;
}

export const registerFall: Rule = {
  id: 'register_fall',
  title: 'Register went backwards',
  description:
    'An energy or volume register read less than before: the meter was reset, replaced, rolled back or ' +
    'is reporting another meter’s register. Consumption over the fall is not counted (the platform ' +
    'ignores negative steps), so the period needs checking and the meter record may need updating.',
  severity: 'minor',
  lookbackHours: 25,
  clearAfterMs: HOUR_MS,
  parameters: {
    tolerance: {
      default: 0.01,
      unit: 'register unit (kWh or m³)',
      description: 'falls no larger than this are rounding, not a fault',
      min: 0,
      max: 1000,
    },
    holdHours: {
      default: 24,
      unit: 'h',
      description: 'the fault stays present this long after the last fall',
      min: 1,
      max: 24,
    },
  },
  evaluate({ at, home, params }) {
    const tolerance = params.tolerance ?? 0.01;
    const since = at - (params.holdHours ?? 24) * HOUR_MS;
    const registers = home.channels.filter((c) => c.kind === 'register');
    if (registers.length === 0) return undefined;
    let newest: Fall | undefined;
    for (const ch of registers) {
      const base = {
        channelId: ch.channelId,
        channelKey: ch.key,
        meterSerial: ch.meterSerial,
        name: meterName(ch),
        unit: ch.unit,
      };
      let previous: (typeof ch.hours)[number] | undefined;
      for (const h of ch.hours) {
        const falls: Fall[] = [];
        // Across hours: the hour began below where the last one ended.
        if (previous && h.firstV < previous.lastV - tolerance)
          falls.push({
            ...base,
            beforeV: previous.lastV,
            beforeT: previous.lastT,
            afterV: h.firstV,
            afterT: h.firstT,
          });
        // Within the hour: it dipped below its first reading, or ended below its peak.
        if (h.min < h.firstV - tolerance)
          falls.push({ ...base, beforeV: h.firstV, beforeT: h.firstT, afterV: h.min, afterT: h.lastT });
        else if (h.lastV < h.max - tolerance)
          falls.push({ ...base, beforeV: h.max, beforeT: h.firstT, afterV: h.lastV, afterT: h.lastT });
        for (const f of falls) if (f.afterT >= since && (!newest || f.afterT > newest.afterT)) newest = f;
        previous = h;
      }
    }
    if (!newest) return { present: false };
    const by = round(newest.beforeV - newest.afterV, 3);
    return {
      present: true,
      evidence: {
        summary:
          `${newest.channelKey} of ${newest.name} fell from ${newest.beforeV} to ${newest.afterV} ${newest.unit} ` +
          `(−${by}) around ${isoHour(newest.afterT)}: check whether the meter was reset or replaced.`,
        channelId: newest.channelId,
        channelKey: newest.channelKey,
        meterSerial: newest.meterSerial,
        from: newest.beforeT,
        to: newest.afterT,
        values: {
          before: newest.beforeV,
          beforeAt: new Date(newest.beforeT).toISOString(),
          after: newest.afterV,
          afterAt: new Date(newest.afterT).toISOString(),
          fall: by,
          unit: newest.unit,
        },
      },
    };
  },
};
