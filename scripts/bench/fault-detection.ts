/**
 * `npm run bench:fault-detection`: how well the fault rules find faults (issue #17).
 *
 * Over a fleet (`--fleet varied`, the simulator's varied fleet, seed 17 — the default; or `--fleet demo`,
 * the demo fleet's variants; the fleet source is one function below), in a winter and a shoulder season: every home healthy for `--days` days, and every home
 * with each simulator fault it can show injected on day 24 (plus a heat meter reading 10× for
 * three days, which the simulator does not model: applied to its readings). The rules run over
 * the simulated readings exactly as the evaluator judges them (hourly, with the server's own
 * alarm reconcile and hysteresis: test/faults/rules/episodes.ts). Per rule it reports the
 * detection rate, the median and worst time to detect, the share of the fault's hours its alarm
 * was active (from its raising), alarms per fault episode, and false alarms per 1,000 healthy
 * home-days (any alarm on a healthy home).
 *
 * Options: --fleet varied|demo, --homes 10, --days 40, --seasons jan,oct
 */
import { parseArgs } from 'node:util';
import {
  alarmEpisodes,
  type InjectedFault,
  ruleFor,
  scoreFault,
} from '../../packages/server/test/faults/rules/episodes.js';
import { DAY, HOUR, simulate } from '../../packages/server/test/faults/rules/sim-data.js';
import {
  demoFleet,
  type FaultKind,
  type FaultSpec,
  type HomeSpec,
  variedFleet,
} from '../../packages/simulator/src/index.js';

const { values: args } = parseArgs({
  options: {
    fleet: { type: 'string', default: 'varied' },
    homes: { type: 'string', default: '10' },
    days: { type: 'string', default: '40' },
    seasons: { type: 'string', default: 'jan,oct' },
  },
});

/** The fleet source: the homes judged, without faults. */
function fleetOf(name: string, start: number, homes: number): HomeSpec[] {
  switch (name) {
    case 'demo':
      return demoFleet({ start, faults: false, homes });
    // UK-retrofit-like homes (packages/simulator/src/varied-fleet.ts): 5-minute readings, a quarter
    // on fixed-flow controls; seed 17 is the bench's fleet.
    case 'varied':
      return variedFleet({ count: homes, seed: 17 }).map((spec) => ({ ...spec, faults: [] }));
    default:
      throw new Error(`unknown fleet ${name}`);
  }
}

const SEASONS: Record<string, number> = {
  jan: Date.UTC(2026, 0, 1),
  oct: Date.UTC(2025, 9, 1),
  apr: Date.UTC(2026, 2, 20),
};
/** Fault kinds, how long each lasts, and the grace after its end in which an alarm still counts. */
const FAULTS: { kind: FaultKind | 'heat_meter_scale'; durationMs: number; graceMs: number }[] = [
  { kind: 'communication_loss', durationMs: 12 * HOUR, graceMs: HOUR },
  { kind: 'stuck_sensor', durationMs: 3 * DAY, graceMs: HOUR },
  { kind: 'register_reset', durationMs: 0, graceMs: 2 * HOUR },
  { kind: 'immersion_stuck_on', durationMs: 3 * DAY, graceMs: HOUR },
  { kind: 'short_cycling', durationMs: 3 * DAY, graceMs: HOUR },
  { kind: 'degraded_cop', durationMs: 14 * DAY, graceMs: HOUR },
  { kind: 'high_flow_temperature', durationMs: 10 * DAY, graceMs: HOUR },
  { kind: 'clock_drift', durationMs: 2 * DAY, graceMs: HOUR },
  { kind: 'heat_meter_scale', durationMs: 3 * DAY, graceMs: DAY },
];

interface Row {
  faults: number;
  found: number;
  detect: number[];
  share: number[];
  alarms: number[];
}
const rows = new Map<string, Row>();
const falseAlarms: string[] = [];
let healthyDays = 0;
const started = performance.now();
const days = Number(args.days);

for (const season of args.seasons.split(',')) {
  const start = SEASONS[season];
  if (start === undefined) throw new Error(`unknown season ${season}`);
  const faultStart = start + 24 * DAY + 10.5 * HOUR;
  for (const spec of fleetOf(args.fleet, start, Number(args.homes))) {
    const healthy = simulate(spec, { start, days });
    healthyDays += days;
    for (const a of alarmEpisodes(healthy))
      falseAlarms.push(
        `${season} ${spec.reference} ${a.rule} @ ${new Date(a.raisedAt).toISOString()}: ${a.summary}`,
      );
    for (const f of FAULTS) {
      const rule = ruleFor(f.kind, spec);
      if (!rule) continue;
      const end = faultStart + f.durationMs;
      const faults: FaultSpec[] =
        f.kind === 'heat_meter_scale' ? [] : [{ kind: f.kind, start: faultStart, durationMs: f.durationMs }];
      const run = simulate(
        { ...spec, faults },
        {
          start,
          days: Math.max(days, Math.ceil((end - start) / DAY) + 3),
          ...(f.kind === 'heat_meter_scale'
            ? { meterFaults: [{ kind: 'heat_meter_scale' as const, start: faultStart, end, factor: 10 }] }
            : {}),
        },
      );
      const injected: InjectedFault = { kind: f.kind, rule, start: faultStart, end };
      const score = scoreFault(alarmEpisodes(run), injected, run.end, f.graceMs);
      const row = rows.get(rule) ?? { faults: 0, found: 0, detect: [], share: [], alarms: [] };
      row.faults++;
      if (score.found) row.found++;
      if (score.detectMs !== null) row.detect.push(score.detectMs);
      if (score.activeShare !== null) row.share.push(score.activeShare);
      if (score.found) row.alarms.push(score.alarms);
      if (!score.found) console.error(`missed: ${season} ${spec.reference} ${f.kind}`);
      rows.set(rule, row);
    }
  }
}

const h = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / HOUR).toFixed(0)} h`);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
const falseByRule = new Map<string, number>();
for (const f of falseAlarms) {
  const rule = f.split(' ')[2] as string;
  falseByRule.set(rule, (falseByRule.get(rule) ?? 0) + 1);
}
console.log(
  `fleet ${args.fleet} (${args.homes} homes), seasons ${args.seasons}, ${days} days each; ${healthyDays} healthy home-days; ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
console.log(
  '| rule | faults | detected | median to detect | worst to detect | active (of fault hours, median / worst) | alarms per episode (max) | false alarms per 1,000 healthy home-days |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [rule, r] of [...rows].sort()) {
  const share = r.share.length
    ? `${Math.round((median(r.share) as number) * 100)} % / ${Math.round(Math.min(...r.share) * 100)} %`
    : 'n/a (an instant)';
  console.log(
    `| \`${rule}\` | ${r.faults} | ${Math.round((100 * r.found) / r.faults)} % | ${h(median(r.detect))} | ${h(r.detect.length ? Math.max(...r.detect) : undefined)} | ${share} | ${r.alarms.length ? Math.max(...r.alarms) : '–'} | ${((1000 * (falseByRule.get(rule) ?? 0)) / healthyDays).toFixed(1)} |`,
  );
}
const others = [...falseByRule].filter(([rule]) => !rows.has(rule));
for (const [rule, n] of others)
  console.log(`| \`${rule}\` | 0 | – | – | – | – | – | ${((1000 * n) / healthyDays).toFixed(1)} |`);
for (const f of falseAlarms) console.log(`false alarm: ${f.slice(0, 300)}`);
