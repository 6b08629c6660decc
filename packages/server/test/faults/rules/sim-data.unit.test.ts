/** The in-memory rollups the simulator tests rely on agree with the raw readings they come from. */
// Simulating and stepping weeks of a home hour by hour takes 10–40 s on a loaded 2-core machine.
import { describe, expect, it } from 'vitest';
import { timeout } from '../../harness/timeouts.js';
import { DAY, factsAt, HOUR, home, MINUTE, simulate } from './sim-data.js';

describe('simulated facts', { timeout: timeout(180_000) }, () => {
  const start = Date.UTC(2026, 0, 5);
  const run = simulate(home({ reference: 'HARNESS' }), { start, days: 2 });

  it('keeps only the lookback hours and cuts the current hour at `at`', () => {
    const at = start + DAY + 10 * HOUR + 17 * MINUTE;
    const facts = factsAt(run, at, 24);
    const heat = facts.channels.find((c) => c.key === 'heat_energy');
    if (!heat) throw new Error('no heat_energy');
    expect(heat.hours).toHaveLength(25);
    expect(heat.hours[0]?.hour).toBe(start + 10 * HOUR);
    const current = heat.hours[heat.hours.length - 1];
    expect(current?.hour).toBe(start + DAY + 10 * HOUR);
    expect(current?.count).toBe(18);
    expect(current?.lastT).toBe(at);
    expect(heat.lastT).toBe(at);
    for (const h of heat.hours.slice(0, -1)) expect(h.count).toBe(60);
  });

  it('sums register deltas to the register rise and counts starts in power hours only', () => {
    const at = run.end;
    const facts = factsAt(run, at, 48);
    const heat = facts.channels.find((c) => c.key === 'heat_energy');
    const hours = heat?.hours ?? [];
    // The window reaches back to the first reading, whose delta is 0: Σ delta is the whole rise.
    expect(hours[0]?.firstT).toBe(start + MINUTE);
    const rise = (hours[hours.length - 1]?.lastV ?? 0) - (hours[0]?.firstV ?? 0);
    expect(hours.reduce((s, h) => s + h.delta, 0)).toBeCloseTo(rise, 6);
    const power = facts.channels.find((c) => c.key === 'electricity_power');
    expect(power?.hours.every((h) => h.starts !== undefined && h.above !== undefined)).toBe(true);
    expect(heat?.hours.every((h) => h.starts === undefined)).toBe(true);
    const starts = power?.hours.reduce((s, h) => s + (h.starts ?? 0), 0) ?? 0;
    expect(starts).toBeGreaterThan(0);
    expect(starts).toBeLessThan(2 * 48 + 48);
  });
});
