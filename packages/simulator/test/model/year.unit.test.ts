import { describe, expect, it } from 'vitest';
import { simulateHome } from '../../src/model/index.js';
import { healthyHome } from './helpers.js';

describe('a year of one-minute readings', () => {
  it('runs a healthy air source home through 2026 with monotonic registers and a plausible SPF', () => {
    const start = Date.UTC(2026, 0, 1);
    const sim = simulateHome(healthyHome(), { start });
    const last = new Map<string, number>();
    let readings = 0;
    let drops = 0;
    const began = performance.now();
    for (let month = 1; month <= 12; month++) {
      for (const r of sim.advance(Date.UTC(2026, month, 1))) {
        readings++;
        if (r.channel === 'heat_energy' || r.channel === 'electricity_energy') {
          if (r.value < (last.get(r.channel) ?? 0)) drops++;
          last.set(r.channel, r.value);
        }
      }
    }
    const seconds = (performance.now() - began) / 1000;
    const truth = sim.truth();
    // A measurement for docs/simulator.md, never an assertion: timing depends on the machine.
    console.log(
      `year: ${readings} readings in ${seconds.toFixed(2)} s (${Math.round(readings / seconds)} /s); SPF ${truth.spf.toFixed(2)}`,
    );
    expect(readings).toBe(365 * 24 * 60 * 10);
    expect(drops).toBe(0);
    expect(truth.days).toHaveLength(365);
    expect(truth.spf).toBeGreaterThan(2.5);
    expect(truth.spf).toBeLessThan(4.5);
    const summer = truth.days.filter((d) => d.date >= '2026-06-15' && d.date < '2026-08-15');
    const winter = truth.days.filter((d) => d.date < '2026-02-15');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Summer is hot water only: a few kWh a day against tens in winter.
    expect(mean(summer.map((d) => d.heatKwh))).toBeLessThan(12);
    expect(mean(winter.map((d) => d.heatKwh))).toBeGreaterThan(30);
  });
});
