import { describe, expect, it } from 'vitest';
import { simulateHome } from '../src/model/index.js';
import type { HomeSpec } from '../src/types.js';
import { variedFleet } from '../src/varied-fleet.js';
import { DAY, healthyHome, JAN_1_2026 } from './model/helpers.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const share = <T>(homes: HomeSpec[], f: (h: HomeSpec) => T, value: T) =>
  homes.filter((h) => f(h) === value).length / homes.length;

describe('variedFleet', () => {
  const fleet = variedFleet({ count: 400, seed: 7 });

  it('is deterministic, and home n does not depend on the count', () => {
    expect(variedFleet({ count: 400, seed: 7 })).toEqual(fleet);
    expect(variedFleet({ count: 5, seed: 7 })).toEqual(fleet.slice(0, 5));
    expect(variedFleet({ count: 5, seed: 8 })).not.toEqual(fleet.slice(0, 5));
    expect(fleet[0]?.reference).toBe('HOME-001');
    expect(variedFleet({ count: 1, seed: 7, prefix: 'X' })[0]?.reference).toBe('X-001');
  });

  it('draws every home within the documented ranges', () => {
    for (const h of fleet) {
      expect(h.technology).not.toBe('gas_boiler');
      expect(h.heatLossWPerK).toBeGreaterThanOrEqual(70);
      expect(h.heatLossWPerK).toBeLessThanOrEqual(400);
      expect([35, 38, 40, 45, 50, 55]).toContain(h.designFlowTemperatureC);
      expect([4, 5, 6, 7, 8]).toContain(h.designDeltaK);
      expect(h.emitterMargin).toBeGreaterThanOrEqual(0.95);
      expect(h.emitterMargin).toBeLessThanOrEqual(1.8);
      // 0.28–0.59 air, 0.33–0.64 ground (docs/simulator.md, "A varied fleet").
      const ground = h.technology === 'ground_source_heat_pump';
      expect(h.carnotFraction).toBeGreaterThanOrEqual(ground ? 0.33 : 0.28);
      expect(h.carnotFraction).toBeLessThanOrEqual(ground ? 0.64 : 0.59);
      expect(h.setpoint.nightC).toBeLessThanOrEqual(h.setpoint.dayC);
      expect(h.faults).toEqual([]);
      expect(h.intervalSeconds).toBe(300);
      // Covers the design heat loss at the design outdoor temperature, less 10 % at most.
      const designKw = (h.heatLossWPerK * (21 - h.designOutdoorC)) / 1000;
      const atDesign = h.technology === 'air_source_heat_pump' ? 1 + 0.022 * (h.designOutdoorC - 7) : 1;
      if (h.ratedCapacityKw < 16) expect(h.ratedCapacityKw * atDesign).toBeGreaterThanOrEqual(0.9 * designKw);
    }
  });

  it('spreads like UK retrofits: mostly air source, most designs at 35–45 °C, a quarter on fixed flow', () => {
    const air = fleet.filter((h) => h.technology === 'air_source_heat_pump');
    expect(air.length / fleet.length).toBeGreaterThan(0.85);
    expect(Math.abs(median(air.map((h) => h.carnotFraction ?? 0)) - 0.45)).toBeLessThan(0.01);
    expect(median(fleet.map((h) => h.designFlowTemperatureC))).toBeLessThanOrEqual(45);
    expect(fleet.filter((h) => h.designFlowTemperatureC <= 45).length / fleet.length).toBeGreaterThan(0.7);
    expect(share(fleet, (h) => h.control, 'fixed_flow')).toBeGreaterThan(0.18);
    expect(share(fleet, (h) => h.control, 'fixed_flow')).toBeLessThan(0.32);
    expect(new Set(fleet.map((h) => h.seed)).size).toBe(fleet.length); // each its own weather
    expect(new Set(variedFleet({ count: 10, seed: 7, weatherSeed: 3 }).map((h) => h.seed))).toEqual(
      new Set([3]),
    );
  });

  it('simulates every home without error', () => {
    for (const spec of fleet.slice(0, 20)) {
      const sim = simulateHome(spec, { start: JAN_1_2026 });
      sim.advance(JAN_1_2026 + DAY);
      const truth = sim.truth();
      expect(truth.spf).toBeGreaterThan(1.2);
      expect(truth.spf).toBeLessThan(6);
    }
  });
});

describe('the optional HomeSpec fields', () => {
  const run = (spec: HomeSpec, days = 2) => {
    const sim = simulateHome(spec, { start: JAN_1_2026 });
    return { readings: sim.advance(JAN_1_2026 + days * DAY), truth: sim.truth() };
  };

  it('default to the constants they replace', () => {
    expect(
      run(
        healthyHome({
          emitterMargin: 1.2,
          designDeltaK: 5,
          control: 'weather_compensation',
          minModulation: 0.35,
          cylinderTargetC: 50,
        }),
      ),
    ).toEqual(run(healthyHome()));
  });

  it('move the physics the way they should', () => {
    const base = run(healthyHome()).truth.spf;
    // A fixed flow at the design temperature runs hotter than the weather curve in mild weather
    // (seen over two January weeks with a 4 kW unit designed for 50 °C: 2.58 against 2.73).
    const sized = { ratedCapacityKw: 4, designFlowTemperatureC: 50 };
    expect(run(healthyHome({ ...sized, control: 'fixed_flow' }), 14).truth.spf).toBeLessThan(
      run(healthyHome(sized), 14).truth.spf - 0.1,
    );
    // Bigger emitters let the curve's room feedback bring the flow down.
    expect(run(healthyHome({ emitterMargin: 1.6 })).truth.spf).toBeGreaterThan(base);
    // A wider design difference: less flow, so a wider flow–return difference at the same output.
    const wide = run(healthyHome({ designDeltaK: 8 })).readings.filter((r) => r.channel === 'flow_rate');
    const narrow = run(healthyHome()).readings.filter((r) => r.channel === 'flow_rate');
    expect(Math.max(...wide.map((r) => r.value))).toBeCloseTo(
      (Math.max(...narrow.map((r) => r.value)) * 5) / 8,
      1,
    );
    expect(() => run(healthyHome({ minModulation: 0 }))).toThrow(RangeError);
    expect(() => run(healthyHome({ designDeltaK: -1 }))).toThrow(RangeError);
  });
});
