import { describe, expect, it } from 'vitest';
import { simulateHome, weatherCompensatedFlowC } from '../../src/model/index.js';
import type { FaultSpec, HomeSpec, SimReading, Truth } from '../../src/types.js';
import { channel, DAY, healthyHome, JAN_1_2026, startsFromPower } from './helpers.js';

const HOUR = 3_600_000;
/** Faults run through the second of three January days. */
const FAULT_START = JAN_1_2026 + DAY;
const FAULT_END = FAULT_START + DAY;

function run(
  fault: Omit<FaultSpec, 'start' | 'durationMs'> & Partial<FaultSpec>,
  overrides: Partial<HomeSpec> = {},
) {
  const spec = healthyHome({ faults: [{ start: FAULT_START, durationMs: DAY, ...fault }], ...overrides });
  const sim = simulateHome(spec, { start: JAN_1_2026 });
  const readings = sim.advance(JAN_1_2026 + 3 * DAY);
  return { readings, truth: sim.truth() };
}

const inWindow = (r: SimReading) => r.t >= FAULT_START && r.t < FAULT_END;

function expectWindow(truth: Truth, kind: FaultSpec['kind']) {
  expect(truth.faults).toContainEqual(expect.objectContaining({ kind, start: FAULT_START, end: FAULT_END }));
}

const healthy = (() => {
  const sim = simulateHome(healthyHome(), { start: JAN_1_2026 });
  return { readings: sim.advance(JAN_1_2026 + 3 * DAY), truth: sim.truth() };
})();

describe('fault signatures', () => {
  it('communication_loss: no readings in the window, and registers carry the gap afterwards', () => {
    const { readings, truth } = run({ kind: 'communication_loss' });
    expectWindow(truth, 'communication_loss');
    expect(readings.filter(inWindow)).toEqual([]);
    const heat = channel(readings, 'heat_energy');
    const before = heat.filter((r) => r.t < FAULT_START).at(-1) as SimReading;
    const after = heat.find((r) => r.t >= FAULT_END) as SimReading;
    expect(after.t).toBe(FAULT_END);
    const day2 = truth.days[1];
    expect(after.value - before.value).toBeGreaterThan((day2?.heatKwh ?? 0) * 0.9);
    expect(readings.filter((r) => r.t > FAULT_END).length).toBeGreaterThan(0);
  });

  it('stuck_sensor: the outdoor temperature repeats its value at the fault start', () => {
    const { readings, truth } = run({ kind: 'stuck_sensor' });
    expect(truth.faults[0]?.channel).toBe('outdoor_temperature');
    const stuck = channel(readings, 'outdoor_temperature').filter(inWindow);
    expect(new Set(stuck.map((r) => r.value)).size).toBe(1);
    const after = channel(readings, 'outdoor_temperature').filter((r) => r.t >= FAULT_END);
    expect(new Set(after.map((r) => r.value)).size).toBeGreaterThan(10);
  });

  it('stuck_sensor without an outdoor sensor freezes the flow temperature', () => {
    const { readings, truth } = run(
      { kind: 'stuck_sensor' },
      { meters: ['heat_meter', 'electricity_meter'] },
    );
    expect(truth.faults[0]?.channel).toBe('flow_temperature');
    expect(
      new Set(
        channel(readings, 'flow_temperature')
          .filter(inWindow)
          .map((r) => r.value),
      ).size,
    ).toBe(1);
  });

  it('register_reset: the heat register restarts from zero and counts on', () => {
    const { readings, truth } = run({ kind: 'register_reset' });
    expectWindow(truth, 'register_reset');
    const heat = channel(readings, 'heat_energy');
    const atStart = heat.find((r) => r.t === FAULT_START) as SimReading;
    expect(atStart.value).toBeLessThan(0.2);
    expect((heat.at(-1) as SimReading).value).toBeGreaterThan(10);
    const later = heat.filter((r) => r.t >= FAULT_START);
    expect(later.every((r, i) => i === 0 || r.value >= (later[i - 1] as SimReading).value)).toBe(true);
    // The physics is untouched.
    expect(truth.heatDeliveredKwh).toBeCloseTo(healthy.truth.heatDeliveredKwh, 9);
  });

  it('register_rollback: the register drops by the amount once', () => {
    const { readings, truth } = run({
      kind: 'register_rollback',
      channel: 'electricity_energy',
      params: { amount: 30 },
    });
    expect(truth.faults[0]?.channel).toBe('electricity_energy');
    const elec = channel(readings, 'electricity_energy');
    const drops = elec
      .map((r, i) => (i === 0 ? 0 : r.value - (elec[i - 1] as SimReading).value))
      .filter((d) => d < 0);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toBeGreaterThanOrEqual(-30.001);
    expect(drops[0]).toBeLessThan(-29.9);
  });

  it('immersion_stuck_on: electricity power never falls below the heater', () => {
    const { readings, truth } = run({ kind: 'immersion_stuck_on' });
    // Each power reading is the mean of the minute before its stamp.
    const power = channel(readings, 'electricity_power').filter((r) => r.t > FAULT_START && r.t <= FAULT_END);
    expect(power.filter((r) => r.value < 3000)).toEqual([]);
    expect(truth.backupElectricityKwh - healthy.truth.backupElectricityKwh).toBeGreaterThan(60);
    expect(truth.spf).toBeLessThan(healthy.truth.spf - 0.3);
    const indoor = channel(readings, 'indoor_temperature').filter(inWindow);
    expect(Math.max(...indoor.map((r) => r.value))).toBeGreaterThan(21);
  });

  it('short_cycling: more than six starts an hour, and a lower COP', () => {
    const { readings, truth } = run({ kind: 'short_cycling' });
    const power = channel(readings, 'electricity_power');
    const starts = startsFromPower(power.filter(inWindow), 300);
    expect(starts / 24).toBeGreaterThan(6);
    const healthyStarts = startsFromPower(
      channel(healthy.readings, 'electricity_power').filter(inWindow),
      300,
    );
    expect(healthyStarts / 24).toBeLessThan(3);
    expect(truth.spf).toBeLessThan(healthy.truth.spf);
    expect(truth.starts).toBeGreaterThan(healthy.truth.starts + 100);
  });

  it('degraded_cop: the day’s heat per unit of electricity falls by about the factor', () => {
    const { truth } = run({ kind: 'degraded_cop', params: { factor: 0.6 } });
    const day = truth.days[1];
    const healthyDay = healthy.truth.days[1];
    if (!day || !healthyDay) throw new Error('missing day');
    const ratio = day.heatKwh / day.electricityKwh / (healthyDay.heatKwh / healthyDay.electricityKwh);
    expect(ratio).toBeGreaterThan(0.55);
    expect(ratio).toBeLessThan(0.7);
  });

  it('high_flow_temperature: the flow runs above the weather curve by the offset', () => {
    const { readings } = run({ kind: 'high_flow_temperature', params: { offsetC: 12 } });
    const excess = (rs: SimReading[]) => {
      const outdoor = new Map(channel(rs, 'outdoor_temperature').map((r) => [r.t, r.value]));
      const power = new Map(channel(rs, 'heat_power').map((r) => [r.t, r.value]));
      const sorted = channel(rs, 'flow_temperature')
        .filter((r) => inWindow(r) && (power.get(r.t) ?? 0) > 0)
        .map((r) => r.value - weatherCompensatedFlowC(outdoor.get(r.t) ?? 0, 45, -3))
        .sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    };
    // Room feedback claws a little back as the house warms, hence the tolerance.
    expect(excess(readings)).toBeGreaterThan(12 - 4);
    expect(excess(readings) - excess(healthy.readings)).toBeGreaterThan(12 - 4);
  });

  it('clock_drift: the heat meter’s stamps run ahead by secondsPerDay', () => {
    const { readings, truth } = run({ kind: 'clock_drift', params: { secondsPerDay: 120 } });
    expectWindow(truth, 'clock_drift');
    const heat = channel(readings, 'heat_energy');
    const drifted = heat.filter((r) => r.t % 60_000 !== 0);
    expect(drifted.length).toBeGreaterThan(1000);
    const lastDrifted = drifted.at(-1) as SimReading;
    const offset = lastDrifted.t - Math.floor(lastDrifted.t / 60_000) * 60_000;
    // Just under a day of drift at 120 s/day: 119.9 s, i.e. 1 min 59.9 s past an aligned minute.
    expect(offset + 60_000).toBeGreaterThan(119_000);
    expect(offset + 60_000).toBeLessThan(120_001);
    // Other meters keep time, and the heat meter's stamps never go backwards.
    expect(channel(readings, 'indoor_temperature').every((r) => r.t % 60_000 === 0)).toBe(true);
    expect(heat.every((r, i) => i === 0 || r.t > (heat[i - 1] as SimReading).t)).toBe(true);
  });
});

describe('fault windows in the truth', () => {
  it('clips a window to the simulated span', () => {
    const spec = healthyHome({
      faults: [{ kind: 'degraded_cop', start: JAN_1_2026 + 12 * HOUR, durationMs: DAY }],
    });
    const sim = simulateHome(spec, { start: JAN_1_2026 });
    sim.advance(JAN_1_2026 + 6 * HOUR);
    expect(sim.truth().faults).toEqual([]);
    sim.advance(JAN_1_2026 + 18 * HOUR);
    expect(sim.truth().faults).toEqual([
      { kind: 'degraded_cop', start: JAN_1_2026 + 12 * HOUR, end: JAN_1_2026 + 18 * HOUR },
    ]);
  });
});
