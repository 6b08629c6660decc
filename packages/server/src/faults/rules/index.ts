/**
 * The fault rule catalogue: every rule the evaluator runs, and the per-agent/per-home threshold
 * overrides (`fault_management.thresholds`, keyed `<ruleId>.<parameter>`) applied to their defaults.
 */

import { clockDrift } from './clock.js';
import { lowIndoorTemperature } from './comfort.js';
import { communicationLost, dataGaps } from './communication.js';
import { backupHeaterRunning, highFlowTemperature, shortCycling } from './heat-pump.js';
import { implausibleCop, lowPerformance, noHeatWhileRunning } from './performance.js';
import { registerFall } from './registers.js';
import { stuckSensor, valueOutOfRange } from './sensors.js';
import type { Rule } from './types.js';

export type * from './types.js';

export const RULES: readonly Rule[] = [
  communicationLost,
  dataGaps,
  registerFall,
  valueOutOfRange,
  stuckSensor,
  implausibleCop,
  lowPerformance,
  noHeatWhileRunning,
  shortCycling,
  backupHeaterRunning,
  highFlowTemperature,
  lowIndoorTemperature,
  clockDrift,
];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/** A rule's parameters: its defaults, with any `<ruleId>.<parameter>` overrides for it applied. */
export function resolveParams(
  rule: Rule,
  overrides: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const params: Record<string, number> = {};
  for (const [name, p] of Object.entries(rule.parameters)) {
    const value = overrides[`${rule.id}.${name}`];
    params[name] = typeof value === 'number' && Number.isFinite(value) ? value : p.default;
  }
  return params;
}

/**
 * Problems with a thresholds object, one sentence each: keys that name no rule or parameter, and
 * values that are not finite numbers or fall outside the parameter's min/max. Empty when valid.
 */
export function validateThresholds(overrides: Readonly<Record<string, unknown>>): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    const dot = key.indexOf('.');
    const rule = dot > 0 ? BY_ID.get(key.slice(0, dot)) : undefined;
    if (!rule) {
      errors.push(
        `${key}: no fault rule ${dot > 0 ? `'${key.slice(0, dot)}'` : '(expected <ruleId>.<parameter>)'}`,
      );
      continue;
    }
    const name = key.slice(dot + 1);
    const parameter = rule.parameters[name];
    if (!parameter) {
      errors.push(
        `${key}: rule ${rule.id} has no parameter '${name}' (it has ${Object.keys(rule.parameters).join(', ')})`,
      );
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      errors.push(`${key}: must be a number`);
      continue;
    }
    if (parameter.min !== undefined && value < parameter.min)
      errors.push(`${key}: ${value} is below the minimum ${parameter.min} ${parameter.unit}`);
    if (parameter.max !== undefined && value > parameter.max)
      errors.push(`${key}: ${value} is above the maximum ${parameter.max} ${parameter.unit}`);
  }
  return errors;
}
