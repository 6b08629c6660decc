/**
 * No false alarms in the demo: all 20 homes of `demoFleet` without their faults, at the demo's
 * intervals (60 s for homes 1, 2 and 10, else 300 s), over the demo's 60-day history from late
 * September (`npm start` backfills 60 days before today), stepped hourly; no rule may be present at
 * any step. The January run and the demo's faults are in sim-demo-fleet-winter.unit.test.ts (a second
 * file so the two run in parallel).
 */
import { demoFleet } from '@hearth/simulator';
// Simulating and stepping weeks of a home hour by hour takes 10–40 s on a loaded 2-core machine.
import { describe, expect, it } from 'vitest';
import { timeout } from '../../harness/timeouts.js';
import { falseAlarms } from './demo-fleet.js';

const AUTUMN = Date.UTC(2026, 8, 29);
const DAYS = 60;

describe('the healthy demo fleet raises no alarm (60 days from late September)', {
  timeout: timeout(180_000),
}, () => {
  for (const spec of demoFleet({ start: AUTUMN, faults: false })) {
    it(`${spec.reference} (${spec.technology}, design ${spec.designFlowTemperatureC} °C, every ${spec.intervalSeconds} s)`, () => {
      expect(falseAlarms(spec, AUTUMN, DAYS)).toEqual([]);
    });
  }
});
