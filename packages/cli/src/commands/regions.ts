import { readFile } from 'node:fs/promises';
import type { Region, SeriesImport } from '@hearth/client';
import type { Command } from 'commander';
import type { Act } from '../cli.js';
import { type CliIo, UsageError } from '../io.js';
import type { Column } from '../output.js';

const regionColumns: Column<Region>[] = [
  { header: 'region', value: (r) => (r.isDefault ? `${r.name} (default)` : r.name) },
  { header: 'weather from', value: (r) => r.weather?.first ?? null },
  { header: 'weather to', value: (r) => r.weather?.last ?? null },
  { header: 'days', value: (r) => r.weather?.days ?? null },
  { header: 'carbon from', value: (r) => r.carbonIntensity?.first ?? null },
  { header: 'carbon to', value: (r) => r.carbonIntensity?.last ?? null },
  { header: 'half hours', value: (r) => r.carbonIntensity?.halfHours ?? null },
];

const importColumns: Column<SeriesImport>[] = [
  { header: 'region', value: (i) => i.region },
  { header: 'stored', value: (i) => i.stored },
  { header: 'first', value: (i) => i.first },
  { header: 'last', value: (i) => i.last },
];

/** A whole text file, or stdin for `-`. */
async function readText(file: string, io: CliIo): Promise<string> {
  try {
    if (file !== '-') return await readFile(file, 'utf8');
    let text = '';
    for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    return text;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** `hearth regions …`: the platform's regional series (docs/insight.md, docs/tariffs.md). */
export function registerRegions(program: Command, act: Act): void {
  const regions = program
    .command('regions')
    .description(
      "regional series homes use by their property's region: daily weather (degree days) and half-hourly carbon intensity",
    );

  regions
    .command('list')
    .description('every region with the series loaded for it')
    .action(
      act(async (ctx) => {
        ctx.out.table(await (await ctx.client()).regions.list(), regionColumns, 'No regions.');
      }),
    );

  regions
    .command('import-weather')
    .description("load a region's daily mean outdoor temperatures (operator), all or nothing")
    .argument('<region>', 'the region, e.g. GB, north-wales')
    .argument('<file>', 'CSV with the header date,mean_c (- for stdin)')
    .addHelpText('after', '\nExample file:\n  date,mean_c\n  2026-01-05,5.5\n  2026-01-06,7.25\n')
    .action(
      act(async (ctx, _command, region, file) => {
        const csv = await readText(String(file), ctx.io);
        const stored = await (await ctx.client()).regions.putWeather(String(region), csv);
        ctx.out.record(stored, importColumns);
      }),
    );

  regions
    .command('import-carbon')
    .description("load a region's half-hourly grid carbon intensity (operator), all or nothing")
    .argument('<region>', 'the region, e.g. GB, north-wales')
    .argument('<file>', 'CSV with the header time,g_per_kwh (- for stdin)')
    .addHelpText(
      'after',
      '\nExample file (each time the start of a half hour, RFC 3339 with a zone; gCO2e/kWh):\n' +
        '  time,g_per_kwh\n  2026-03-29T00:00:00Z,120\n  2026-03-29T00:30:00Z,131\n',
    )
    .action(
      act(async (ctx, _command, region, file) => {
        const csv = await readText(String(file), ctx.io);
        const stored = await (await ctx.client()).regions.putCarbonIntensity(String(region), csv);
        ctx.out.record(stored, importColumns);
      }),
    );
}
