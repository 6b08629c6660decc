import { describe, expect, it } from 'vitest';
import { simulateHome } from '../../src/model/index.js';
import type { HomeSpec, SimReading } from '../../src/types.js';
import { DAY, healthyHome, JAN_1_2026 } from './helpers.js';

const END = JAN_1_2026 + 3 * DAY;
const EVERYTHING: HomeSpec = healthyHome({
  pvKwp: 3,
  meters: ['heat_meter', 'electricity_meter', 'indoor_sensor', 'outdoor_sensor', 'pv_inverter'],
  faults: [
    {
      kind: 'clock_drift',
      start: JAN_1_2026 + 12 * 3_600_000,
      durationMs: DAY,
      params: { secondsPerDay: 600 },
    },
    { kind: 'register_rollback', start: JAN_1_2026 + DAY + 1234, durationMs: 60_000 },
    { kind: 'communication_loss', start: JAN_1_2026 + 2 * DAY, durationMs: 3_600_000 },
  ],
});

function whole(spec: HomeSpec): { readings: SimReading[]; spf: number } {
  const sim = simulateHome(spec, { start: JAN_1_2026 });
  return { readings: sim.advance(END), spf: sim.truth().spf };
}

describe('determinism', () => {
  it('gives identical readings for the same spec and seed', () => {
    expect(whole(EVERYTHING)).toEqual(whole(EVERYTHING));
  });

  it('gives different readings for a different seed', () => {
    const a = whole(EVERYTHING).readings;
    const b = whole({ ...EVERYTHING, seed: 43 }).readings;
    expect(a.length).toBeGreaterThan(0);
    expect(b).not.toEqual(a);
  });

  it('gives identical readings and truth however advance calls are split', () => {
    const once = simulateHome(EVERYTHING, { start: JAN_1_2026 });
    const expected = once.advance(END);
    const split = simulateHome(EVERYTHING, { start: JAN_1_2026 });
    const got: SimReading[] = [];
    // Odd cut points: mid-step, mid-interval, inside the drift and the gap, and a no-op call.
    const cuts = [
      12_345,
      3_600_000,
      3_600_000,
      17 * 3_600_000 + 59_999,
      DAY + 1,
      2 * DAY + 1_800_000,
      END - JAN_1_2026,
    ];
    for (const cut of cuts) got.push(...split.advance(JAN_1_2026 + cut));
    expect(got).toEqual(expected);
    const a = once.truth();
    const b = split.truth();
    expect(b.days).toEqual(a.days);
    expect(b.heatDeliveredKwh).toBeCloseTo(a.heatDeliveredKwh, 9);
    expect(b.starts).toBe(a.starts);
  });

  it('reports the truth at a time inside a step', () => {
    const sim = simulateHome(healthyHome(), { start: JAN_1_2026 });
    sim.advance(JAN_1_2026 + 90_000);
    const half = sim.truth();
    sim.advance(JAN_1_2026 + 120_000);
    const whole = sim.truth();
    expect(half.electricityKwh).toBeGreaterThan(0);
    expect(half.electricityKwh).toBeLessThan(whole.electricityKwh);
  });
});
