/**
 * The demo fleet in winter and with its faults: the first ten homes (one of each variant) without
 * faults over 60 days from January raise nothing, and the demo's faults that the flow and cycling
 * rules must find (home 16: flow 12 K above the curve from day 50; home 10: short cycling from day
 * 45, read every 60 s so the starts are visible) are found within the documented delays.
 */
import { demoFleet } from '@hearth/simulator';
// Simulating and stepping weeks of a home hour by hour takes 10–40 s on a loaded 2-core machine.
import { describe, expect, it } from 'vitest';
import { timeout } from '../../harness/timeouts.js';
import { alarmsOf, falseAlarms } from './demo-fleet.js';
import { DAY, HOUR, simulate } from './sim-data.js';

const JANUARY = Date.UTC(2027, 0, 1);
const AUTUMN = Date.UTC(2026, 8, 29);
const DAYS = 60;

describe('the healthy demo fleet raises no alarm (60 days from January, one home of each variant)', {
  timeout: timeout(180_000),
}, () => {
  for (const spec of demoFleet({ start: JANUARY, faults: false }).slice(0, 10)) {
    it(`${spec.reference} (${spec.technology}, design ${spec.designFlowTemperatureC} °C)`, () => {
      expect(falseAlarms(spec, JANUARY, DAYS)).toEqual([]);
    });
  }
});

describe('the demo’s faults are found', { timeout: timeout(180_000) }, () => {
  const fleet = demoFleet({ start: AUTUMN });

  it.each([
    // [home number, fault start day, rule, documented delay]
    [16, 50, 'high_flow_temperature', 30 * HOUR],
    [10, 45, 'short_cycling', 4 * HOUR],
  ] as const)('DEMO-%s from day %s → %s', (homeNo, day, rule, delay) => {
    const spec = fleet[homeNo - 1];
    if (!spec) throw new Error(`no demo home ${homeNo}`);
    const faultStart = AUTUMN + day * DAY;
    const run = simulate(spec, { start: AUTUMN, days: DAYS });
    const alarms = alarmsOf(run);
    // Nothing before the fault, and only the fault's own rule after it.
    expect(alarms.filter((a) => a.at < faultStart)).toEqual([]);
    expect([...new Set(alarms.map((a) => a.rule))]).toEqual([rule]);
    const first = alarms[0]?.at;
    expect(first, `${rule} never present`).toBeDefined();
    expect((first as number) - faultStart).toBeLessThanOrEqual(delay);
  });
});
