/**
 * The demo's homes (packages/simulator/src/fleet.ts `demoFleet`) at the demo's intervals, stepped
 * hour by hour as the evaluator would: every (rule, step) where a rule was present.
 */
import type { HomeSpec } from '@hearth/simulator';
import { RULES, resolveParams } from '../../../src/faults/rules/index.js';
import { factsAt, HOUR, type SimRun, simulate } from './sim-data.js';

export const LOOKBACK = Math.max(...RULES.map((r) => r.lookbackHours));
const PARAMS = new Map(RULES.map((r) => [r.id, resolveParams(r, {})]));

export interface Alarm {
  rule: string;
  at: number;
  summary: string | undefined;
}

/** Every (rule, hourly step from `from`) where a rule was present in a simulated run. */
export function alarmsOf(run: SimRun, from = run.start + HOUR): Alarm[] {
  const alarms: Alarm[] = [];
  const lookbacks = [...new Set(RULES.map((r) => r.lookbackHours))];
  for (let at = from; at <= run.end; at += HOUR) {
    // Each rule its own lookback, as the evaluator cuts the facts.
    const facts = new Map(lookbacks.map((l) => [l, factsAt(run, at, l)]));
    for (const rule of RULES) {
      const home = facts.get(rule.lookbackHours) as ReturnType<typeof factsAt>;
      const f = rule.evaluate({ at, home, params: PARAMS.get(rule.id) ?? {} });
      if (f?.present) alarms.push({ rule: rule.id, at, summary: f.evidence?.summary });
    }
  }
  return alarms;
}

/** A healthy home's false alarms as "rule @ time: summary" (empty when there are none). */
export function falseAlarms(spec: HomeSpec, start: number, days: number): string[] {
  return alarmsOf(simulate(spec, { start, days })).map(
    (a) => `${a.rule} @ ${new Date(a.at).toISOString()}: ${a.summary}`,
  );
}
