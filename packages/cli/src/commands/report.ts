import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MonthlyReport } from '@hearth/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Act } from '../cli.js';
import { optionsOf } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';
import { writeFileAtomically, writeOut } from './telemetry.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function monthOf(value: string): string {
  if (!/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError('--month must be YYYY-MM.');
  return value;
}

interface ReportOptions {
  month?: string;
  period?: 'day' | 'week';
  out?: string;
  html?: boolean;
}

const fixed = (value: number | null | undefined, digits = 1): string | null =>
  value === null || value === undefined ? null : value.toFixed(digits);

const summary: Column<MonthlyReport>[] = [
  { header: 'home', value: (r) => r.home.reference },
  { header: 'month', value: (r) => `${r.month}${r.complete ? '' : ' (to date)'}` },
  {
    header: 'SPF',
    value: (r) =>
      r.performance.window.spf === null
        ? `not stated: ${r.performance.window.quality.reasons.map((q) => q.message).join('; ')}`
        : `${r.performance.window.spf.toFixed(2)} at ${r.performance.boundary?.level}`,
  },
  { header: 'heat kWh', value: (r) => fixed(r.performance.window.heatKwh) },
  { header: 'electricity kWh', value: (r) => fixed(r.performance.window.electricityKwh) },
  { header: 'coverage %', value: (r) => fixed(r.performance.window.coverage.percent) },
  {
    header: 'cost',
    value: (r) =>
      r.insight.window.cost.total === null
        ? null
        : `${r.insight.window.cost.total.toFixed(2)} ${r.insight.window.cost.currency ?? ''}`.trim(),
  },
  { header: 'carbon kg', value: (r) => fixed(r.insight.window.carbonKg) },
  { header: 'HDD', value: (r) => fixed(r.insight.window.degreeDays?.value) },
  {
    header: 'meters',
    value: (r) =>
      r.dataQuality.meters
        .map(
          (m) =>
            `${m.serial} ${m.percent.toFixed(1)}%${m.gapCount > 0 ? ` (${m.gapCount} gaps, ${m.gapHours} h)` : ''}`,
        )
        .join(', '),
  },
];

/** `hearth report monthly`: a home's monthly performance report, as a printable page or its figures. */
export function registerReport(program: Command, act: Act): void {
  const report = program.command('report').description('documents an installer can send: the monthly report');

  report
    .command('monthly')
    .description("a home's monthly performance report: a printable HTML page (--out), or its figures")
    .argument('<homeId>', 'home id')
    .option(
      '--month <YYYY-MM>',
      "the month, in the agent's local calendar (default: the current one, to date)",
      monthOf,
    )
    .addOption(new Option('--period <p>', 'rows of the COP table (default week)').choices(['week', 'day']))
    .option('--out <file>', 'write the HTML page (with --json: the JSON document) to this file')
    .option('--html', 'print the HTML page to stdout')
    .addHelpText(
      'after',
      '\nWithout --out or --html, prints a summary; --json prints the whole document. Open the page in a\n' +
        'browser and print it to PDF. See docs/reports.md.\n\n' +
        'Example: hearth report monthly <homeId> --month 2026-10 --out report.html\n' +
        '         hearth report monthly <homeId> --month 2026-10 --json',
    )
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<ReportOptions>(command);
        const id = String(homeId);
        if (!UUID.test(id))
          throw new UsageError(`${id} is not a home id (a UUID, as \`hearth homes list\` shows)`);
        const query = o.period ? { period: o.period } : {};
        const client = await ctx.client();
        if (ctx.out.json || (!o.out && !o.html)) {
          const document = await client.reports.monthly(id, o.month, query);
          if (o.out) {
            const text = `${JSON.stringify(document, null, 2)}\n`;
            await writeFileAtomically(o.out, async (file) => pipeline(Readable.from([text]), file));
          } else ctx.out.record(document, summary);
          return;
        }
        const page = await client.reports.monthly(id, o.month, { ...query, format: 'html' });
        if (o.out) {
          await writeFileAtomically(o.out, async (file) => pipeline(Readable.from([page]), file));
          ctx.out.say(`Wrote the ${o.month ?? 'current month'} report of ${id} to ${o.out}.`);
        } else await writeOut(ctx.io, page);
      }),
    );
}
