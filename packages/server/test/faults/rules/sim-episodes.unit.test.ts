/**
 * Faults that track the fault (issue #17): each simulator fault injected into a home, in winter
 * and in a shoulder season, judged hour by hour with the evaluator's own reconcile and hysteresis
 * (episodes.ts). Each fault gives exactly one alarm of its rule, raised within the time
 * docs/faults.md states, active for at least 90 % of the fault's hours, whose summary describes
 * the whole episode; the healthy home raises nothing. The fleet source is `fleetHome` below.
 */
import { type FaultKind, type FaultSpec, type HomeSpec, variedHome } from '@hearth/simulator';
// Simulating and stepping weeks of a home hour by hour takes 10–40 s on a loaded 2-core machine.
import { describe, expect, it } from 'vitest';
import { timeout } from '../../harness/timeouts.js';
import { alarmEpisodes, ruleFor, scoreFault } from './episodes.js';
import { DAY, HOUR, home, simulate } from './sim-data.js';

/**
 * The homes the faults are injected into (the fleet source of these tests): the reference home,
 * and home 4 of the simulator's varied fleet (seed 17, as bench:fault-detection) — a
 * weather-compensated 5 kW air source unit, 96 W/K, 45 °C design, 3 kW backup — read every 60 s
 * so short cycling shows.
 */
const FLEET: Record<string, (reference: string) => HomeSpec> = {
  reference: (reference) => home({ reference }),
  varied: (reference) => ({ ...variedHome({ seed: 17, intervalSeconds: 60 }, 3), reference, faults: [] }),
};
/**
 * Where the varied home does not meet the goals yet (measured 2026-12-07), run as expected
 * failures so the day they pass the list must shrink: backup heater found 32 h in (the outdoor
 * mean below 2 °C at first), degraded COP active 88–89 % of its 14 days (found 37–38 h in).
 * (High flow temperature left the list on 2026-12-08: judged against the home's own weeks too.)
 */
const KNOWN_SHORTFALLS = new Set([
  'varied immersion_stuck_on January',
  'varied degraded_cop January',
  'varied degraded_cop October',
]);
const fleetHome = FLEET.reference as (reference: string) => HomeSpec;

const SEASONS = [
  ['January', Date.UTC(2026, 0, 1)],
  ['October', Date.UTC(2025, 9, 1)],
] as const;

interface Case {
  kind: FaultKind | 'heat_meter_scale';
  durationMs: number;
  /** documented detection time (docs/faults.md) */
  detectWithinMs: number;
  /** the channel the alarm's evidence must name */
  channelKey: string;
}

const CASES: Case[] = [
  { kind: 'stuck_sensor', durationMs: 3 * DAY, detectWithinMs: 7 * HOUR, channelKey: 'outdoor_temperature' },
  {
    kind: 'immersion_stuck_on',
    durationMs: 3 * DAY,
    detectWithinMs: 4 * HOUR,
    channelKey: 'electricity_energy',
  },
  { kind: 'short_cycling', durationMs: 3 * DAY, detectWithinMs: 4 * HOUR, channelKey: 'electricity_power' },
  // A 40 % COP loss within 72 h in any season (the tests hold it to 48 h; measured 22–33 h).
  { kind: 'degraded_cop', durationMs: 14 * DAY, detectWithinMs: 48 * HOUR, channelKey: 'electricity_energy' },
  {
    kind: 'high_flow_temperature',
    durationMs: 10 * DAY,
    detectWithinMs: 24 * HOUR,
    channelKey: 'flow_temperature',
  },
  { kind: 'clock_drift', durationMs: 4 * DAY, detectWithinMs: 8 * HOUR, channelKey: 'heat_energy' },
  // The day's COP is judged when the local day ends: up to a day and an hour.
  { kind: 'heat_meter_scale', durationMs: 7 * DAY, detectWithinMs: 25 * HOUR, channelKey: 'heat_energy' },
];

describe('one alarm per fault episode, raised in time and active while the fault lasts', {
  timeout: timeout(180_000),
}, () => {
  for (const [source, homeOf] of Object.entries(FLEET)) {
    for (const [season, start] of SEASONS) {
      for (const c of CASES) {
        const test = KNOWN_SHORTFALLS.has(`${source} ${c.kind} ${season}`) ? it.fails : it;
        test(`${source} home: ${c.kind} from ${season}`, () => {
          const faultStart = start + 24 * DAY + 10.5 * HOUR;
          const end = faultStart + c.durationMs;
          const spec = homeOf(`EP-${c.kind}`);
          const rule = ruleFor(c.kind, spec) as string;
          const faults: FaultSpec[] =
            c.kind === 'heat_meter_scale'
              ? []
              : [{ kind: c.kind, start: faultStart, durationMs: c.durationMs }];
          const run = simulate(
            { ...spec, faults },
            {
              start,
              days: Math.ceil((end - start) / DAY) + 3,
              ...(c.kind === 'heat_meter_scale'
                ? { meterFaults: [{ kind: 'heat_meter_scale' as const, start: faultStart, end, factor: 10 }] }
                : {}),
            },
          );
          const episodes = alarmEpisodes(run);
          const score = scoreFault(episodes, { kind: c.kind, rule, start: faultStart, end }, run.end, HOUR);
          expect(score.found, `${rule} never raised`).toBe(true);
          expect(score.alarms, 'alarms for one fault episode').toBe(1);
          expect(score.detectMs as number).toBeLessThanOrEqual(c.detectWithinMs);
          expect(score.activeShare as number).toBeGreaterThanOrEqual(0.9);
          const alarm = score.alarm;
          expect(alarm?.channelKey).toBe(c.channelKey);
          // The episode began at or before the alarm, and no earlier than the rule's window before the fault.
          expect(alarm?.conditionSince as number).toBeLessThanOrEqual(alarm?.raisedAt as number);
          expect(alarm?.conditionSince as number).toBeGreaterThanOrEqual(faultStart - 3 * DAY);
          // Nothing of this rule before the fault, and the alarm cleared once it was over.
          expect(episodes.filter((e) => e.rule === rule && e.raisedAt < faultStart)).toEqual([]);
          expect(alarm?.clearedAt, 'cleared after the fault').not.toBeNull();
          // The summary tells the whole episode, with the latest evidence beside it.
          expect(alarm?.summary).toMatch(/since \d{4}-\d\d-\d\dT\d\d:\d\dZ \(.+\)\. Latest: /);
        });
      }
    }
  }

  it('a stuck sensor’s alarm reads as the whole episode, not the latest look-back', () => {
    const start = Date.UTC(2025, 9, 1);
    const faultStart = start + 24 * DAY + 10.5 * HOUR;
    const stuck = simulate(
      {
        ...fleetHome('EP-STUCK-10D'),
        faults: [{ kind: 'stuck_sensor', start: faultStart, durationMs: 10 * DAY }],
      },
      { start, days: 36 },
    );
    const alarm = alarmEpisodes(stuck).find((e) => e.rule === 'stuck_sensor');
    expect(alarm?.summary).toMatch(
      /stuck at -?\d+(\.\d)? °C since 2025-10-25T1\d:\d\dZ \((9\.\d|10) days\)\. Latest: /,
    );
  });

  it('implausible_cop names the heat meter when it over-reads against its own flow and ΔT', () => {
    const start = Date.UTC(2026, 0, 1);
    const faultStart = start + 24 * DAY;
    const run = simulate(fleetHome('EP-HM10'), {
      start,
      days: 30,
      meterFaults: [{ kind: 'heat_meter_scale', start: faultStart, end: faultStart + 3 * DAY, factor: 10 }],
    });
    const alarm = alarmEpisodes(run).find((e) => e.rule === 'implausible_cop');
    expect(alarm?.meterSerial).toBe('EP-HM10-HM');
    expect(alarm?.firstSummary).toMatch(/heat meter EP-HM10-HM is at fault/);
    expect(alarm?.firstSummary).not.toMatch(/electricity meter .* is at fault/);
  });
});

describe('healthy homes raise no alarm with hysteresis on', { timeout: timeout(180_000) }, () => {
  for (const [source, homeOf] of Object.entries(FLEET))
    for (const [season, start] of SEASONS) {
      it(`the ${source} home from ${season}, 40 days`, () => {
        const episodes = alarmEpisodes(simulate(homeOf(`EP-OK-${season}`), { start, days: 40 }));
        expect(
          episodes.map((e) => `${e.rule} @ ${new Date(e.raisedAt).toISOString()}: ${e.summary}`),
        ).toEqual([]);
      });
    }
});
