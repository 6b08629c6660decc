/**
 * `npm run bench:fleet-spread`: how widely the simulator's homes spread (issue #17, part 6).
 *
 * Simulates two fleets over 2026 in the built-in weather, at 5-minute readings: the tidy fleet
 * (`demoFleet`'s heat pump homes without faults, repeated with other weather seeds and references up
 * to `--homes`) and `variedFleet({ count: --homes, seed: --seed })`. For January and for the year it
 * reports, per fleet:
 *  - SPF (the truth's heat delivered / electricity: SEPEMO H4 with the backup heater) distribution:
 *    median, interquartile range, 10th and 90th percentiles;
 *  - the spread of SPF at the same temperature lift: a least-squares line of SPF on the heat-weighted
 *    mean of (flow − outdoor) over the readings with heat (outdoor from the weather model), and the standard deviation of the residuals;
 *  - the median design flow temperature, the median heat-weighted flow temperature and the median
 *    heat-weighted flow–return difference while space heating (hot_water_mode 0).
 * Homes are spread over worker threads (`--workers`, default the number of cores).
 *
 * Options: --homes 100, --only varied|tidy, --days 365 (the "year": a shorter run for trying distributions out), --seed 1, --workers N, --json (print the figures as JSON too).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  demoFleet,
  type HomeSpec,
  simulateHome,
  ukWeather,
  variedFleet,
} from '../../packages/simulator/src/index.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const JANUARY_DAYS = 31;

/** What one home did over one period. */
interface HomeFigures {
  spf: number;
  /** heat-weighted mean of flow − outdoor over the readings with heat, K */
  liftK: number;
  /** heat-weighted mean flow temperature, °C */
  flowC: number;
  /** heat-weighted mean flow − return while space heating, K */
  flowReturnK: number;
}

interface HomeResult {
  reference: string;
  designFlowC: number;
  january: HomeFigures;
  year: HomeFigures;
}

class Weighted {
  heat = 0;
  lift = 0;
  flow = 0;
  spaceHeat = 0;
  flowReturn = 0;
  figures(spf: number): HomeFigures {
    return {
      spf,
      liftK: this.lift / this.heat,
      flowC: this.flow / this.heat,
      flowReturnK: this.flowReturn / this.spaceHeat,
    };
  }
}

/** Simulates one home over the year, a day at a time, weighting the readings by heat power. */
function simulate(spec: HomeSpec, days: number): HomeResult {
  const sim = simulateHome(spec, { start: START });
  // The weather itself, not the outdoor sensor: some tidy homes have none.
  const weather = ukWeather(spec.seed);
  const january = new Weighted();
  const year = new Weighted();
  let januarySpf = Number.NaN;
  for (let day = 1; day <= days; day++) {
    const readings = sim.advance(START + day * DAY);
    // Readings come by time, then meter, then channel: gather each stamp's values.
    let t = Number.NaN;
    const v: Record<string, number> = {};
    const flush = () => {
      const heat = v.heat_power ?? 0;
      const flow = v.flow_temperature;
      if (heat > 0 && flow !== undefined) {
        const outdoor = weather.at(t).outdoorC;
        for (const w of day <= JANUARY_DAYS ? [january, year] : [year]) {
          w.heat += heat;
          w.lift += heat * (flow - outdoor);
          w.flow += heat * flow;
          if (v.hot_water_mode === 0 && (v.flow_rate ?? 0) > 0 && v.return_temperature !== undefined) {
            w.spaceHeat += heat;
            w.flowReturn += heat * (flow - v.return_temperature);
          }
        }
      }
      for (const k of Object.keys(v)) delete v[k];
    };
    for (const r of readings) {
      if (r.t !== t) {
        flush();
        t = r.t;
      }
      v[r.channel] = r.value;
    }
    flush();
    if (day === JANUARY_DAYS) januarySpf = sim.truth().spf;
  }
  return {
    reference: spec.reference,
    designFlowC: spec.designFlowTemperatureC,
    january: january.figures(januarySpf),
    year: year.figures(sim.truth().spf),
  };
}

if (!isMainThread) {
  const { specs, days } = workerData as { specs: HomeSpec[]; days: number };
  parentPort?.postMessage(specs.map((s) => simulate(s, days)));
} else {
  const { values: args } = parseArgs({
    options: {
      homes: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: String(os.availableParallelism()) },
      days: { type: 'string', default: '365' },
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const homes = Number(args.homes);
  const workers = Math.max(1, Number(args.workers));
  const days = Math.max(JANUARY_DAYS, Number(args.days));

  /** The tidy fleet: the demo's heat pump variants, copied with other weather and references. */
  const tidy: HomeSpec[] = [];
  for (let copy = 0; tidy.length < homes; copy++) {
    for (const spec of demoFleet({ start: START, homes: 20, faults: false, prefix: `TIDY${copy}` })) {
      if (spec.technology === 'gas_boiler' || tidy.length >= homes) continue;
      tidy.push({ ...spec, seed: spec.seed + 1000 * copy, intervalSeconds: 300 });
    }
  }
  const varied = variedFleet({ count: homes, seed: Number(args.seed) });

  const run = async (specs: HomeSpec[]): Promise<HomeResult[]> => {
    const chunks: HomeSpec[][] = Array.from({ length: workers }, () => []);
    for (const [i, s] of specs.entries()) chunks[i % workers]?.push(s);
    const parts = await Promise.all(
      chunks
        .filter((c) => c.length > 0)
        .map(
          (chunk) =>
            new Promise<HomeResult[]>((resolve, reject) => {
              // A worker does not inherit tsx's loader: it registers it, then imports this file.
              const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
              const worker = new Worker(code, { eval: true, workerData: { specs: chunk, days } });
              worker.once('message', resolve);
              worker.once('error', reject);
            }),
        ),
    );
    return parts.flat();
  };

  const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    const i = (s.length - 1) * q;
    const lo = Math.floor(i);
    return (s[lo] as number) + ((s[Math.ceil(i)] as number) - (s[lo] as number)) * (i - lo);
  };
  /** Least squares of y on x: slope, intercept and the residuals' standard deviation. */
  const leastSquares = (xs: number[], ys: number[]) => {
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
      sxx += ((xs[i] as number) - mx) ** 2;
    }
    const slope = sxy / sxx;
    const intercept = my - slope * mx;
    const ss = ys.reduce((s, y, i) => s + (y - (intercept + slope * (xs[i] as number))) ** 2, 0);
    return { slope, intercept, residualSd: Math.sqrt(ss / (n - 2)) };
  };
  const summarise = (results: HomeResult[], period: 'january' | 'year') => {
    if (results.length === 0) return null;
    const f = results.map((r) => r[period]);
    const spf = f.map((x) => x.spf);
    const line = leastSquares(
      f.map((x) => x.liftK),
      spf,
    );
    return {
      homes: results.length,
      spfMedian: quantile(spf, 0.5),
      spfIqr: [quantile(spf, 0.25), quantile(spf, 0.75)],
      spfP10P90: [quantile(spf, 0.1), quantile(spf, 0.9)],
      liftMedianK: quantile(
        f.map((x) => x.liftK),
        0.5,
      ),
      fitSlopePerK: line.slope,
      residualSd: line.residualSd,
      designFlowMedianC: quantile(
        results.map((r) => r.designFlowC),
        0.5,
      ),
      flowMedianC: quantile(
        f.map((x) => x.flowC),
        0.5,
      ),
      flowReturnMedianK: quantile(
        f.map((x) => x.flowReturnK),
        0.5,
      ),
      flowReturnP10P90K: [
        quantile(
          f.map((x) => x.flowReturnK),
          0.1,
        ),
        quantile(
          f.map((x) => x.flowReturnK),
          0.9,
        ),
      ],
    };
  };

  const began = performance.now();
  // --only varied|tidy: simulate one fleet (the other's rows are then empty).
  const tidyResults = args.only === 'varied' ? [] : await run(tidy);
  const variedResults = args.only === 'tidy' ? [] : await run(varied);
  const seconds = (performance.now() - began) / 1000;
  const figures = {
    tidy: { january: summarise(tidyResults, 'january'), year: summarise(tidyResults, 'year') },
    varied: { january: summarise(variedResults, 'january'), year: summarise(variedResults, 'year') },
  };
  const f2 = (x: number) => x.toFixed(2);
  const rows: string[][] = [];
  for (const fleet of ['tidy', 'varied'] as const) {
    for (const period of ['january', 'year'] as const) {
      const s = figures[fleet][period];
      if (!s) continue;
      rows.push([
        `${fleet} ${period}`,
        String(s.homes),
        f2(s.spfMedian),
        `${f2(s.spfIqr[0] as number)}–${f2(s.spfIqr[1] as number)}`,
        `${f2(s.spfP10P90[0] as number)}–${f2(s.spfP10P90[1] as number)}`,
        f2(s.liftMedianK),
        f2(s.fitSlopePerK),
        f2(s.residualSd),
        String(s.designFlowMedianC),
        f2(s.flowMedianC),
        `${f2(s.flowReturnMedianK)} (${f2(s.flowReturnP10P90K[0] as number)}–${f2(s.flowReturnP10P90K[1] as number)})`,
      ]);
    }
  }
  const header = [
    'fleet, period',
    'homes',
    'SPF median',
    'IQR',
    '10th–90th',
    'lift K (median)',
    'SPF per K',
    'residual sd',
    'design flow °C (median)',
    'flow °C (median)',
    'flow–return K (median, 10th–90th)',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  const ratio =
    (figures.varied.year?.residualSd ?? Number.NaN) / (figures.tidy.year?.residualSd ?? Number.NaN);
  const ratioJan =
    (figures.varied.january?.residualSd ?? Number.NaN) / (figures.tidy.january?.residualSd ?? Number.NaN);
  const simulated = tidyResults.length + variedResults.length;
  const ratios = Number.isFinite(ratio)
    ? `residual sd varied/tidy: year ${f2(ratio)}×, January ${f2(ratioJan)}×; `
    : '';
  console.log(
    `\n${ratios}${simulated} homes × ${days} days in ${seconds.toFixed(0)} s on ${workers} workers`,
  );
  if (args.json) console.log(JSON.stringify(figures, null, 2));
}
