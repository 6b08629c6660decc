/** The catalogue as a whole: stable ids, sane parameters, threshold overrides and the docs. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES, resolveParams, ruleById, validateThresholds } from '../../../src/faults/rules/index.js';
import { channel, facts, HOUR, levels, register, T0 } from './facts.js';

describe('the rule catalogue', () => {
  it('has unique snake_case ids, the twelve rules of issue #8 and clock_drift (issue #17)', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(ids).toEqual([
      'communication_lost',
      'data_gaps',
      'register_fall',
      'value_out_of_range',
      'stuck_sensor',
      'implausible_cop',
      'low_performance',
      'no_heat_while_running',
      'short_cycling',
      'backup_heater_running',
      'high_flow_temperature',
      'low_indoor_temperature',
      'clock_drift',
    ]);
  });

  it('gives every parameter a default within its bounds, a unit and a description', () => {
    for (const rule of RULES) {
      expect(rule.lookbackHours).toBeGreaterThan(0);
      expect(rule.clearAfterMs).toBeGreaterThanOrEqual(0);
      expect(rule.description.length).toBeGreaterThan(40);
      for (const [name, p] of Object.entries(rule.parameters)) {
        expect(p.unit, `${rule.id}.${name}`).not.toBe('');
        expect(p.description.length, `${rule.id}.${name}`).toBeGreaterThan(10);
        if (p.min !== undefined) expect(p.default, `${rule.id}.${name}`).toBeGreaterThanOrEqual(p.min);
        if (p.max !== undefined) expect(p.default, `${rule.id}.${name}`).toBeLessThanOrEqual(p.max);
      }
    }
  });

  it('judges the same with an empty params object as with the resolved defaults', () => {
    const at = T0 + 30 * HOUR + 5 * 60_000;
    const home = facts([
      channel(
        'heat_energy',
        register(
          T0,
          100,
          Array.from({ length: 30 }, () => 0.1),
        ),
      ),
      channel(
        'electricity_energy',
        register(
          T0,
          100,
          Array.from({ length: 30 }, () => 1),
        ),
      ),
      channel(
        'indoor_temperature',
        levels(
          T0,
          Array.from({ length: 30 }, () => 15),
        ),
      ),
      channel(
        'flow_temperature',
        levels(
          T0,
          Array.from({ length: 30 }, () => 90),
        ),
      ),
    ]);
    for (const rule of RULES) {
      const resolved = rule.evaluate({ at, home, params: resolveParams(rule, {}) });
      expect(rule.evaluate({ at, home, params: {} }), rule.id).toEqual(resolved);
    }
  });

  it('looks rules up by id', () => {
    expect(ruleById('short_cycling')?.title).toBe('Short cycling');
    expect(ruleById('nope')).toBeUndefined();
  });
});

describe('thresholds', () => {
  it('resolves overrides keyed <ruleId>.<parameter> and ignores the rest', () => {
    const rule = ruleById('communication_lost');
    if (!rule) throw new Error('missing');
    expect(resolveParams(rule, {})).toEqual({ lateIntervals: 3, lostIntervals: 12 });
    expect(
      resolveParams(rule, {
        'communication_lost.lateIntervals': 5,
        'data_gaps.windowHours': 3,
        'communication_lost.nope': 1,
      }),
    ).toEqual({ lateIntervals: 5, lostIntervals: 12 });
  });

  it('validates rule and parameter names and bounds', () => {
    expect(
      validateThresholds({ 'communication_lost.lateIntervals': 5, 'low_performance.minSpf': 2.5 }),
    ).toEqual([]);
    const errors = validateThresholds({
      'no_such_rule.x': 1,
      lateIntervals: 3,
      'communication_lost.nope': 1,
      'communication_lost.lateIntervals': 1,
      'low_performance.minSpf': 9,
      'stuck_sensor.windowHours': 'six',
    });
    expect(errors).toHaveLength(6);
    expect(errors[0]).toContain("no fault rule 'no_such_rule'");
    expect(errors[1]).toContain('expected <ruleId>.<parameter>');
    expect(errors[2]).toContain("has no parameter 'nope'");
    expect(errors[3]).toContain('below the minimum 2');
    expect(errors[4]).toContain('above the maximum 5');
    expect(errors[5]).toContain('must be a number');
  });
});

describe('docs/faults.md', () => {
  it('documents every rule and every parameter in its rule catalogue', () => {
    const docs = readFileSync(resolve(import.meta.dirname, '../../../../../docs/faults.md'), 'utf8');
    const catalogue = docs.slice(docs.indexOf('## Rule catalogue'));
    expect(catalogue.length).toBeGreaterThan(100);
    for (const rule of RULES) {
      expect(catalogue, rule.id).toContain(`\`${rule.id}\``);
      for (const name of Object.keys(rule.parameters))
        expect(catalogue, `${rule.id}.${name}`).toContain(`\`${name}\``);
    }
  });
});
