/**
 * Each fault the simulator can inject, in a simulated home stepped hour by hour as the evaluator
 * would: the right rule becomes present within its documented detection delay (docs/faults.md),
 * its evidence names the right channel over a span overlapping the fault, the condition is absent
 * again once the fault is over, and no unrelated rule fires on the way.
 */
import type { FaultKind, FaultSpec } from '@hearth/simulator';
// Simulating and stepping weeks of a home hour by hour takes 10–40 s on a loaded 2-core machine.
import { describe, expect, it } from 'vitest';
import { RULES, resolveParams } from '../../../src/faults/rules/index.js';
import type { Finding, Rule } from '../../../src/faults/rules/types.js';
import { timeout } from '../../harness/timeouts.js';
import { DAY, factsAt, HOUR, home, MINUTE, type SimRun, simulate } from './sim-data.js';

const JAN = Date.UTC(2026, 0, 1);

function evaluate(rule: Rule, run: SimRun, at: number): Finding | undefined {
  return rule.evaluate({ at, home: factsAt(run, at, rule.lookbackHours), params: resolveParams(rule, {}) });
}

interface Timeline {
  /** rule id → times (hourly steps) it was present */
  present: Map<string, number[]>;
  /** the first finding of the expected rule */
  first: Finding | undefined;
  firstAt: number | undefined;
}

function stepHourly(run: SimRun, expected: string, from: number): Timeline {
  const present = new Map<string, number[]>();
  let first: Finding | undefined;
  let firstAt: number | undefined;
  for (let at = from; at <= run.end; at += HOUR) {
    for (const rule of RULES) {
      const f = rule.evaluate({
        at,
        home: factsAt(run, at, rule.lookbackHours),
        params: resolveParams(rule, {}),
      });
      if (!f?.present) continue;
      present.set(rule.id, [...(present.get(rule.id) ?? []), at]);
      if (rule.id === expected && first === undefined) {
        first = f;
        firstAt = at;
      }
    }
  }
  return { present, first, firstAt };
}

interface Case {
  kind: FaultKind;
  /** the rule that must find it */
  rule: string;
  channel: string;
  durationMs: number;
  /** documented detection delay (docs/faults.md) */
  detectWithinMs: number;
  /** after the fault ends, the condition is absent within this (the rule's own window) */
  absentWithinMs: number;
  /** other rules the fault legitimately raises too */
  alsoAllowed?: string[];
  days: number;
}

const START = JAN + 7 * DAY + 10.5 * HOUR;

const CASES: Case[] = [
  {
    kind: 'stuck_sensor',
    rule: 'stuck_sensor',
    channel: 'outdoor_temperature',
    durationMs: 2 * DAY,
    detectWithinMs: 7 * HOUR,
    absentWithinMs: HOUR,
    days: 11,
  },
  {
    kind: 'register_reset',
    rule: 'register_fall',
    channel: 'heat_energy',
    durationMs: 0,
    detectWithinMs: HOUR,
    absentWithinMs: 25 * HOUR,
    days: 10,
    // A reset to 0 makes the day's heat look like nothing for the COP.
    alsoAllowed: [],
  },
  {
    kind: 'register_rollback',
    rule: 'register_fall',
    channel: 'heat_energy',
    durationMs: 0,
    detectWithinMs: HOUR,
    absentWithinMs: 25 * HOUR,
    days: 10,
  },
  {
    kind: 'immersion_stuck_on',
    rule: 'backup_heater_running',
    channel: 'electricity_energy',
    durationMs: 2 * DAY,
    detectWithinMs: 4 * HOUR,
    absentWithinMs: 2 * HOUR,
    // The heater's heat at COP 1 drags the SPF down and runs the water hotter than the curve.
    alsoAllowed: ['low_performance', 'high_flow_temperature'],
    days: 14,
  },
  {
    kind: 'short_cycling',
    rule: 'short_cycling',
    channel: 'electricity_power',
    durationMs: 2 * DAY,
    detectWithinMs: 4 * HOUR,
    absentWithinMs: 6 * HOUR,
    days: 11,
  },
  {
    kind: 'degraded_cop',
    rule: 'low_performance',
    channel: 'electricity_energy',
    durationMs: 6 * DAY,
    detectWithinMs: 72 * HOUR,
    absentWithinMs: 73 * HOUR,
    days: 18,
  },
  {
    kind: 'high_flow_temperature',
    rule: 'high_flow_temperature',
    channel: 'flow_temperature',
    durationMs: 3 * DAY,
    detectWithinMs: 30 * HOUR,
    absentWithinMs: 30 * HOUR,
    days: 13,
  },
];

describe('simulated faults are found by their rule', { timeout: timeout(180_000) }, () => {
  for (const c of CASES) {
    it(`${c.kind} → ${c.rule}`, () => {
      const fault: FaultSpec = { kind: c.kind, start: START, durationMs: c.durationMs };
      const run = simulate(home({ reference: `F-${c.kind}`, faults: [fault] }), { start: JAN, days: c.days });
      const end = START + c.durationMs;
      const { present, first, firstAt } = stepHourly(run, c.rule, JAN + HOUR);

      // Found, and soon enough.
      expect(firstAt, `${c.rule} never present`).toBeDefined();
      expect(firstAt as number).toBeGreaterThanOrEqual(START);
      expect((firstAt as number) - START).toBeLessThanOrEqual(c.detectWithinMs);
      // The evidence names the channel and covers the fault.
      expect(first?.evidence?.channelKey).toBe(c.channel);
      expect(first?.evidence?.to).toBeGreaterThanOrEqual(START);
      expect(first?.evidence?.from).toBeLessThanOrEqual(Math.max(end, firstAt as number));
      // Gone once the fault is over (the evaluator then clears it after clearAfterMs).
      const times = present.get(c.rule) ?? [];
      const last = times[times.length - 1] as number;
      expect(last).toBeLessThan(end + c.absentWithinMs);
      const rule = RULES.find((r) => r.id === c.rule) as Rule;
      expect(evaluate(rule, run, run.end)?.present).toBe(false);
      // Nothing unrelated fires, and nothing at all before the fault.
      const allowed = new Set([c.rule, ...(c.alsoAllowed ?? [])]);
      expect([...present.keys()].filter((id) => !allowed.has(id))).toEqual([]);
      for (const ats of present.values()) expect(Math.min(...ats)).toBeGreaterThanOrEqual(START);
    });
  }
});

describe('communication loss, stepped by the minute', { timeout: timeout(180_000) }, () => {
  it('is late after 3 intervals, lost after 12, and absent as soon as readings return', () => {
    const durationMs = 3 * HOUR;
    const run = simulate(
      home({ reference: 'F-COMMS', faults: [{ kind: 'communication_loss', start: START, durationMs }] }),
      {
        start: JAN,
        days: 9,
      },
    );
    const rule = RULES.find((r) => r.id === 'communication_lost') as Rule;
    const states: { at: number; f: Finding | undefined }[] = [];
    for (let at = START - 5 * MINUTE; at <= START + durationMs + 5 * MINUTE; at += MINUTE)
      states.push({ at, f: evaluate(rule, run, at) });
    const firstLate = states.find((s) => s.f?.present);
    const firstLost = states.find((s) => s.f?.severity === 'major');
    expect(firstLate?.f?.severity).toBe('warning');
    expect((firstLate?.at as number) - START).toBeLessThanOrEqual(4 * MINUTE);
    expect((firstLost?.at as number) - START).toBeLessThanOrEqual(13 * MINUTE);
    expect(firstLost?.f?.evidence?.from).toBeLessThanOrEqual(START);
    expect(firstLost?.f?.evidence?.summary).toMatch(/F-COMMS-(HM|EM|TI|TO)/);
    expect(firstLost?.f?.evidence?.values.silentMeters).toBe(4);
    const after = states.filter((s) => s.at >= START + durationMs);
    expect(after.every((s) => s.f?.present === false)).toBe(true);
    // Hourly over the whole run: the outage raises nothing else at all (data_gaps ignores silent hours).
    const { present } = stepHourly(run, 'communication_lost', JAN + HOUR);
    expect([...present.keys()]).toEqual(['communication_lost']);
  });
});

describe('a home its heat pump cannot keep warm (no simulator fault: 4 kW for 250 W/K, no backup, January)', {
  timeout: timeout(180_000),
}, () => {
  it('raises low_indoor_temperature and nothing else', () => {
    const spec = home({
      reference: 'F-COLD',
      heatLossWPerK: 250,
      thermalMassKWhPerK: 10,
      ratedCapacityKw: 4,
      backupHeaterKw: 0,
    });
    const run = simulate(spec, { start: JAN, days: 20 });
    const { present, first } = stepHourly(run, 'low_indoor_temperature', JAN + HOUR);
    expect(first?.evidence?.channelKey).toBe('indoor_temperature');
    expect(Number(first?.evidence?.values.meanIndoorC)).toBeLessThan(16);
    expect([...present.keys()]).toEqual(['low_indoor_temperature']);
  });
});
