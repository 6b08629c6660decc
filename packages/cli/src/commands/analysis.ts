import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  AnalysisPeriod,
  Insight,
  InsightPeriod,
  InsightQuery,
  Performance,
  PerformancePeriod,
  PerformanceQuery,
  SepemoBoundary,
} from '@hearth/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Act } from '../cli.js';
import { type Context, optionsOf } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';
import { writeFileAtomically, writeOut } from './telemetry.js';

const PERIODS: AnalysisPeriod[] = ['day', 'week', 'month', 'year', 'all'];
const BOUNDARIES: SepemoBoundary[] = ['H1', 'H2', 'H3', 'H4'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A figure rounded for display; `-` (by the table) when there is none. */
const fixed = (value: number | null | undefined, digits = 1): string | null =>
  value === null || value === undefined ? null : value.toFixed(digits);

/** `--min-coverage`: a percentage, 0 to 100. */
function percentage(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError('--min-coverage must be a percentage from 0 to 100.');
  }
  return n;
}

/** A home id, checked before anything is sent: a mistyped one is a usage error, not a server round trip. */
function homeIdOf(value: unknown): string {
  const id = String(value);
  if (!UUID.test(id)) throw new UsageError(`${id} is not a home id (a UUID, as \`hearth homes list\` shows)`);
  return id;
}

interface AnalysisOptions {
  from?: string;
  to?: string;
  period?: AnalysisPeriod;
  boundary?: SepemoBoundary;
  minCoverage?: number;
  csv?: boolean;
  out?: string;
}

/** The options performance and insight share. */
function analysisCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .argument('<homeId>', 'home id')
    .option('--from <time>', 'RFC 3339 start, inclusive (rounded down to its hour)')
    .option('--to <time>', 'RFC 3339 end, exclusive (default: now)')
    .addOption(
      new Option(
        '--period <p>',
        "the table's periods, in the agent's local calendar (default month)",
      ).choices(PERIODS),
    )
    .option('--csv', "the server's CSV of the periods table instead of the table")
    .option('--out <file>', 'write the CSV (with --json: the JSON) to this file instead of stdout');
}

/** Writes --csv / --out / --json answers; false when the caller should print tables instead. */
async function writeRaw(
  ctx: Context,
  o: AnalysisOptions,
  csv: () => Promise<string>,
  json: () => Promise<unknown>,
): Promise<boolean> {
  if (!o.csv && !o.out && !ctx.out.json) return false;
  const text = ctx.out.json ? `${JSON.stringify(await json(), null, 2)}\n` : await csv();
  if (o.out) {
    const target = o.out;
    await writeFileAtomically(target, async (file) => pipeline(Readable.from([text]), file));
    const rows = Math.max(0, text.trim().split(/\r?\n/).length - 1);
    if (!ctx.out.json) ctx.out.say(`Wrote ${rows} ${rows === 1 ? 'period' : 'periods'} to ${target}.`);
  } else {
    await writeOut(ctx.io, text);
  }
  return true;
}

/**
 * A time in the agent's zone, as its periods are cut: `2026-04-01` at local midnight, else
 * `2026-04-01 13:00` (periods are local days, weeks, months; the JSON and CSV keep UTC instants).
 */
export function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const date = `${part('year')}-${part('month')}-${part('day')}`;
  const time = `${part('hour')}:${part('minute')}`;
  return time === '00:00' ? date : `${date} ${time}`;
}

/** The periods' first column: their start in the agent's zone (the summary's window names it). */
const startColumn = (timeZone: string): Column<{ start: string }> => ({
  header: 'start',
  value: (p) => localTime(p.start, timeZone),
});

/** The summary's first line: the window in local times, and their zone. */
const windowLine: Column<{ from: string; to: string; timeZone: string }> = {
  header: 'window',
  value: (a) => `${localTime(a.from, a.timeZone)} to ${localTime(a.to, a.timeZone)} (${a.timeZone})`,
};

const performanceColumns: Column<PerformancePeriod>[] = [
  { header: 'heat kWh', value: (p) => fixed(p.heatKwh) },
  { header: 'electricity kWh', value: (p) => fixed(p.electricityKwh) },
  { header: 'COP', value: (p) => fixed(p.cop, 2) },
  { header: 'coverage %', value: (p) => fixed(p.coverage.percent) },
  {
    header: 'quality',
    value: (p) => (p.quality.ok ? 'ok' : p.quality.reasons.map((r) => r.code).join(', ')),
  },
];

const performanceSummary: Column<Performance>[] = [
  windowLine,
  { header: 'SPF', value: (p) => fixed(p.window.spf, 2) },
  {
    header: 'boundary',
    value: (p) => (p.boundary ? p.boundary.description : 'none the meters support'),
  },
  {
    header: 'coverage',
    value: (p) =>
      `${p.window.coverage.percent.toFixed(1)}% (${p.window.coverage.hoursWithData} of ${p.window.coverage.hours} hours; minimum ${p.minCoveragePercent}%)`,
  },
  {
    header: 'quality',
    value: (p) => (p.window.quality.ok ? 'ok' : p.window.quality.reasons.map((r) => r.message).join('; ')),
  },
  {
    header: 'COP space heating / hot water',
    value: (p) =>
      p.window.split.spaceHeating && p.window.split.hotWater
        ? `${fixed(p.window.split.spaceHeating.cop, 2) ?? '-'} / ${fixed(p.window.split.hotWater.cop, 2) ?? '-'} (${fixed(p.window.split.coveragePercent) ?? '-'}% attributed)`
        : 'no hot_water_mode channel',
  },
  {
    header: 'COP running',
    value: (p) =>
      p.window.split.running
        ? `${fixed(p.window.split.running.cop, 2) ?? '-'} (${p.window.split.running.hours} running hours)`
        : null,
  },
  { header: 'Carnot %', value: (p) => fixed(p.window.carnotPercent) },
  {
    header: 'flow temp',
    value: (p) =>
      p.window.flowTemperatureWeightedC === null ? null : `${fixed(p.window.flowTemperatureWeightedC)} °C`,
  },
  { header: 'starts/h', value: (p) => fixed(p.window.startsPerHourOfData, 2) },
  { header: 'starts/run h', value: (p) => fixed(p.window.startsPerRunningHour, 2) },
  {
    header: 'design ratio',
    value: (p) =>
      p.window.design.spfRatio === null
        ? null
        : `${p.window.design.spfRatio.toFixed(2)} (SPF / ${p.window.design.spfRatioAgainst === 'designScop' ? 'design SCOP' : 'design SPF'})`,
  },
];

/** Money in the currency (pounds), with its code. */
const money = (value: number | null | undefined, currency: string | null | undefined): string | null =>
  value === null || value === undefined ? null : `${value.toFixed(2)}${currency ? ` ${currency}` : ''}`;

const insightColumns: Column<InsightPeriod>[] = [
  { header: 'electricity kWh', value: (p) => fixed(p.electricityKwh) },
  { header: 'heat kWh', value: (p) => fixed(p.heatKwh) },
  { header: 'gas kWh', value: (p) => fixed(p.gasKwh) },
  { header: 'PV kWh', value: (p) => fixed(p.pvKwh) },
  { header: 'cost', value: (p) => money(p.cost.total, p.cost.currency) },
  { header: 'carbon kg', value: (p) => fixed(p.carbonKg) },
  // A period without a measured day has no degree days, not zero of them.
  { header: 'HDD', value: (p) => (p.degreeDays?.daysMeasured ? fixed(p.degreeDays.value) : null) },
  { header: 'last year elec kWh', value: (p) => fixed(p.lastYear?.electricityKwh) },
];

const insightSummary: Column<Insight>[] = [
  windowLine,
  { header: 'electricity kWh', value: (i) => fixed(i.window.electricityKwh) },
  { header: 'heat kWh', value: (i) => fixed(i.window.heatKwh) },
  { header: 'gas kWh', value: (i) => fixed(i.window.gasKwh) },
  { header: 'PV kWh', value: (i) => fixed(i.window.pvKwh) },
  { header: 'cost', value: (i) => money(i.window.cost.total, i.window.cost.currency) },
  { header: 'carbon kg', value: (i) => fixed(i.window.carbonKg) },
  {
    header: 'HDD',
    value: (i) => {
      const d = i.window.degreeDays;
      if (!d?.daysMeasured) return null;
      return `${fixed(d.value)} (${d.daysMeasured} of ${d.days} days, ${i.degreeDaysSource === 'region' ? `region ${i.region}` : 'outdoor sensor'})`;
    },
  },
  { header: 'monitored from', value: (i) => localTime(i.monitoredFrom, i.timeZone) },
  {
    header: 'signature',
    value: (i) => {
      const s = i.window.signature;
      if (!s) return 'none (needs 14 whole days and an outdoor sensor)';
      return (
        `${s.fuel}: ${s.baseKwhPerDay.toFixed(2)} kWh/day + ${s.slopeKwhPerDegreeDay.toFixed(2)} kWh per degree day ` +
        `(r² ${s.r2.toFixed(2)}, ${s.days} days)`
      );
    },
  },
];

const rangeOf = (o: AnalysisOptions) => ({
  ...(o.from ? { from: o.from } : {}),
  ...(o.to ? { to: o.to } : {}),
  ...(o.period ? { period: o.period } : {}),
});

/** `hearth performance` and `hearth insight`. */
export function registerAnalysis(program: Command, act: Act): void {
  analysisCommand(
    program,
    'performance',
    "a home's heat pump performance: COP per period, then SPF over the window",
  )
    .addOption(
      new Option('--boundary <h>', 'SEPEMO boundary (default: the widest the meters support)').choices(
        BOUNDARIES,
      ),
    )
    .option(
      '--min-coverage <percent>',
      'hours with data below which no COP or SPF is stated (default 90)',
      percentage,
    )
    .addHelpText(
      'after',
      '\nCOP and SPF are "-" where too few hours have data (quality names why). See docs/performance.md.\n\n' +
        'Example: hearth performance <homeId> --from 2026-10-01T00:00:00Z --period week --boundary H2\n' +
        '         hearth performance <homeId> --period day --csv --out cop.csv',
    )
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<AnalysisOptions>(command);
        const id = homeIdOf(homeId);
        const query: PerformanceQuery = {
          ...rangeOf(o),
          ...(o.boundary ? { boundary: o.boundary } : {}),
          ...(o.minCoverage !== undefined ? { minCoverage: o.minCoverage } : {}),
        };
        const client = await ctx.client();
        const raw = await writeRaw(
          ctx,
          o,
          () => client.performance.exportCsv(id, query),
          () => client.performance.get(id, query),
        );
        if (raw) return;
        const performance = await client.performance.get(id, query);
        ctx.out.table(
          performance.periods,
          [startColumn(performance.timeZone), ...performanceColumns],
          'No periods in the window.',
        );
        ctx.out.say('');
        ctx.out.record(performance, performanceSummary);
      }),
    );

  analysisCommand(
    program,
    'insight',
    "a home's energy, cost, carbon and degree days per period, with last year",
  )
    .addHelpText(
      'after',
      "\nCost is on the home's tariffs (hearth homes tariffs <homeId>). See docs/insight.md.\n\n" +
        'Example: hearth insight <homeId> --period month\n' +
        '         hearth insight <homeId> --period day --from 2026-11-01T00:00:00Z --csv',
    )
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<AnalysisOptions>(command);
        const id = homeIdOf(homeId);
        const query: InsightQuery = rangeOf(o);
        const client = await ctx.client();
        const raw = await writeRaw(
          ctx,
          o,
          () => client.insight.exportCsv(id, query),
          () => client.insight.get(id, query),
        );
        if (raw) return;
        const insight = await client.insight.get(id, query);
        ctx.out.table(
          insight.periods,
          [startColumn(insight.timeZone), ...insightColumns],
          'No periods in the window.',
        );
        ctx.out.say('');
        ctx.out.record(insight, insightSummary);
      }),
    );
}
