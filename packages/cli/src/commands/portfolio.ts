import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  Distribution,
  PortfolioInsight,
  PortfolioInsightQuery,
  PortfolioInsightRow,
  PortfolioPerformance,
  PortfolioPerformanceQuery,
  PortfolioPerformanceRow,
  SepemoBoundary,
} from '@hearth/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Act } from '../cli.js';
import { type Context, optionsOf } from '../context.js';
import type { Column } from '../output.js';
import { localTime } from './analysis.js';
import { writeFileAtomically, writeOut } from './telemetry.js';

const BOUNDARIES: SepemoBoundary[] = ['H1', 'H2', 'H3', 'H4'];
const PERFORMANCE_SORTS = ['spf', 'coverage', 'electricity', 'heat', 'belowDesign'] as const;
const INSIGHT_SORTS = ['electricity', 'heat', 'gas', 'pv'] as const;

const fixed = (value: number | null | undefined, digits = 1): string | null =>
  value === null || value === undefined ? null : value.toFixed(digits);

function percentage(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError('--min-coverage must be a percentage from 0 to 100.');
  }
  return n;
}

function pageSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new InvalidArgumentError('--limit must be a whole number from 1 to 1000.');
  }
  return n;
}

interface PortfolioOptions {
  agent?: string;
  from?: string;
  to?: string;
  technology?: string;
  group?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
  csv?: boolean;
  out?: string;
  boundary?: SepemoBoundary;
  minCoverage?: number;
  sort?: string;
}

/** The options both tables share. */
function portfolioCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option('--agent <id>', 'the agent (the operator must name one; others get their own)')
    .option('--from <time>', 'RFC 3339 start, inclusive (default: 30 local days ending today)')
    .option('--to <time>', 'RFC 3339 end, exclusive (default: the coming local midnight)')
    .option('--technology <t>', 'only homes of this technology, e.g. air_source_heat_pump')
    .option('--group <id>', 'only homes in this home group')
    .addOption(new Option('--order <o>', 'sort order').choices(['asc', 'desc']))
    .option('--limit <n>', 'rows of the table (1-1000, default 50)', pageSize)
    .option('--cursor <c>', 'the next page: the cursor a previous page printed')
    .option('--csv', "every row as the server's CSV instead of the table (no summary)")
    .option('--out <file>', 'write the CSV (with --json: the JSON) to this file instead of stdout');
}

const filtersOf = (o: PortfolioOptions) => ({
  ...(o.agent ? { agentId: o.agent } : {}),
  ...(o.from ? { from: o.from } : {}),
  ...(o.to ? { to: o.to } : {}),
  ...(o.technology ? { technology: o.technology } : {}),
  ...(o.group ? { group: o.group } : {}),
});

const paging = (o: PortfolioOptions) => ({
  ...(o.order ? { order: o.order } : {}),
  ...(o.limit !== undefined ? { limit: o.limit } : {}),
  ...(o.cursor ? { cursor: o.cursor } : {}),
});

/** Writes --csv / --out / --json answers; false when the caller should print tables instead. */
async function writeRaw(
  ctx: Context,
  o: PortfolioOptions,
  csv: () => Promise<string>,
  json: () => Promise<unknown>,
): Promise<boolean> {
  if (!o.csv && !o.out && !ctx.out.json) return false;
  const text = ctx.out.json ? `${JSON.stringify(await json(), null, 2)}\n` : await csv();
  if (o.out) {
    const target = o.out;
    await writeFileAtomically(target, async (file) => pipeline(Readable.from([text]), file));
    const rows = Math.max(0, text.trim().split(/\r?\n/).length - 1);
    if (!ctx.out.json) ctx.out.say(`Wrote ${rows} ${rows === 1 ? 'home' : 'homes'} to ${target}.`);
  } else {
    await writeOut(ctx.io, text);
  }
  return true;
}

interface SummaryRow {
  figure: string;
  d: Distribution;
  digits: number;
}

const quartileColumns: Column<SummaryRow>[] = [
  { header: 'figure', value: (r) => r.figure },
  { header: 'min', value: (r) => fixed(r.d?.min, r.digits) },
  { header: 'q1', value: (r) => fixed(r.d?.q1, r.digits) },
  { header: 'median', value: (r) => fixed(r.d?.median, r.digits) },
  { header: 'q3', value: (r) => fixed(r.d?.q3, r.digits) },
  { header: 'max', value: (r) => fixed(r.d?.max, r.digits) },
];

/** Rows with their place in the table; the cursor is opaque, so only the first page is ranked. */
const rank = <T>(page: { items: T[] }, cursor: string | undefined) =>
  page.items.map((item, i) => ({ item, rank: cursor ? null : i + 1 }));

const performanceColumns: Column<{ item: PortfolioPerformanceRow; rank: number | null }>[] = [
  { header: '#', value: (r) => r.rank },
  { header: 'reference', value: (r) => r.item.reference },
  { header: 'boundary', value: (r) => r.item.boundary },
  { header: 'SPF', value: (r) => fixed(r.item.spf, 2) },
  { header: 'design', value: (r) => fixed(r.item.designSpf, 2) },
  { header: 'vs design', value: (r) => fixed(r.item.spfRatio, 2) },
  { header: 'coverage %', value: (r) => fixed(r.item.coveragePercent) },
  { header: 'heat kWh', value: (r) => fixed(r.item.heatKwh) },
  { header: 'electricity kWh', value: (r) => fixed(r.item.electricityKwh) },
  { header: 'home id', value: (r) => r.item.homeId },
];

const insightColumns: Column<{ item: PortfolioInsightRow; rank: number | null }>[] = [
  { header: '#', value: (r) => r.rank },
  { header: 'reference', value: (r) => r.item.reference },
  { header: 'technology', value: (r) => r.item.technology },
  { header: 'electricity kWh', value: (r) => fixed(r.item.electricityKwh) },
  { header: 'heat kWh', value: (r) => fixed(r.item.heatKwh) },
  { header: 'gas kWh', value: (r) => fixed(r.item.gasKwh) },
  { header: 'PV kWh', value: (r) => fixed(r.item.pvKwh) },
  { header: 'home id', value: (r) => r.item.homeId },
];

function printWindow(
  ctx: Context,
  page: { from: string; to: string; timeZone: string; resolution?: string },
) {
  ctx.out.say(
    `${localTime(page.from, page.timeZone)} to ${localTime(page.to, page.timeZone)} ` +
      `(${page.timeZone}${page.resolution ? `, ${page.resolution} rollups` : ''})`,
  );
  ctx.out.say('');
}

function printNext(ctx: Context, nextCursor: string | null) {
  if (nextCursor) ctx.out.say(`\nMore homes: --cursor ${nextCursor}`);
}

/** `hearth portfolio performance` and `hearth portfolio insight`: league tables across homes. */
export function registerPortfolio(program: Command, act: Act): void {
  const portfolio = program
    .command('portfolio')
    .description("league tables across an agent's homes: performance (SPF) and insight (energy)");

  portfolioCommand(
    portfolio,
    'performance',
    'SPF, coverage and energy per home, quartiles, homes below design',
  )
    .addOption(
      new Option('--boundary <h>', 'only homes that support this SEPEMO boundary, stated at it').choices(
        BOUNDARIES,
      ),
    )
    .option('--min-coverage <percent>', 'coverage below which no SPF is stated (default 90)', percentage)
    .addOption(new Option('--sort <figure>', 'sort by (default spf)').choices([...PERFORMANCE_SORTS]))
    .addHelpText(
      'after',
      '\nSPF is "-" where coverage is below --min-coverage. See docs/portfolio.md.\n\n' +
        'Example: hearth portfolio performance --sort belowDesign --limit 20\n' +
        '         hearth portfolio performance --technology ground_source_heat_pump --csv --out spf.csv',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<PortfolioOptions>(command);
        const filters = {
          ...filtersOf(o),
          ...(o.boundary ? { boundary: o.boundary } : {}),
          ...(o.minCoverage !== undefined ? { minCoverage: o.minCoverage } : {}),
          ...(o.sort ? { sort: o.sort as PortfolioPerformanceQuery['sort'] } : {}),
        };
        const query: PortfolioPerformanceQuery = { ...filters, ...paging(o) };
        const client = await ctx.client();
        const raw = await writeRaw(
          ctx,
          o,
          () => client.portfolio.exportPerformanceCsv(filters),
          () => client.portfolio.performance(query),
        );
        if (raw) return;
        const page: PortfolioPerformance = await client.portfolio.performance(query);
        printWindow(ctx, page);
        ctx.out.table(rank(page, o.cursor), performanceColumns, 'No homes.');
        printNext(ctx, page.nextCursor);
        const s = page.summary;
        ctx.out.say(
          `\n${s.homes} ${s.homes === 1 ? 'home' : 'homes'}, ${s.withSpf} with an SPF (coverage from ${page.minCoveragePercent}%)`,
        );
        ctx.out.table(
          [
            { figure: 'SPF', d: s.spf, digits: 2 },
            { figure: 'SPF vs design', d: s.spfRatio, digits: 2 },
            { figure: 'coverage %', d: s.coverage, digits: 1 },
            { figure: 'heat kWh', d: s.heat, digits: 1 },
            { figure: 'electricity kWh', d: s.electricity, digits: 1 },
          ],
          quartileColumns,
        );
        if (page.belowDesign.length > 0) {
          ctx.out.say('\nFurthest below design:');
          for (const row of page.belowDesign)
            ctx.out.say(
              `  ${row.reference}  SPF ${fixed(row.spf, 2)} / design ${fixed(row.designSpf, 2)} = ${fixed(row.spfRatio, 2)}`,
            );
        }
      }),
    );

  portfolioCommand(portfolio, 'insight', 'electricity, heat, gas and PV per home, with quartiles')
    .addOption(new Option('--sort <fuel>', 'sort by (default electricity)').choices([...INSIGHT_SORTS]))
    .addHelpText(
      'after',
      '\nCost, carbon and degree days are per home: hearth insight <homeId>. See docs/portfolio.md.\n\n' +
        'Example: hearth portfolio insight --sort heat --order asc\n' +
        '         hearth portfolio insight --from 2026-10-01T00:00:00Z --to 2026-11-01T00:00:00Z --csv',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<PortfolioOptions>(command);
        const filters = {
          ...filtersOf(o),
          ...(o.sort ? { sort: o.sort as PortfolioInsightQuery['sort'] } : {}),
        };
        const query: PortfolioInsightQuery = { ...filters, ...paging(o) };
        const client = await ctx.client();
        const raw = await writeRaw(
          ctx,
          o,
          () => client.portfolio.exportInsightCsv(filters),
          () => client.portfolio.insight(query),
        );
        if (raw) return;
        const page: PortfolioInsight = await client.portfolio.insight(query);
        printWindow(ctx, page);
        ctx.out.table(rank(page, o.cursor), insightColumns, 'No homes.');
        printNext(ctx, page.nextCursor);
        const s = page.summary;
        ctx.out.say(`\n${s.homes} ${s.homes === 1 ? 'home' : 'homes'}`);
        ctx.out.table(
          [
            { figure: 'electricity kWh', d: s.electricity, digits: 1 },
            { figure: 'heat kWh', d: s.heat, digits: 1 },
            { figure: 'gas kWh', d: s.gas, digits: 1 },
            { figure: 'PV kWh', d: s.pv, digits: 1 },
          ],
          quartileColumns,
        );
      }),
    );
}
