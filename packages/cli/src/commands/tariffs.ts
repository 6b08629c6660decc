import type {
  CreateTariffInput,
  HomeTariff,
  Tariff,
  TariffFuel,
  TariffListQuery,
  UpdateTariffInput,
} from '@hearth/client';
import { type Command, Option } from 'commander';
import type { Act } from '../cli.js';
import { optionsOf, positiveInteger } from '../context.js';
import type { Column } from '../output.js';
import { readDocument } from './orders.js';

const FUELS: TariffFuel[] = ['electricity', 'gas', 'heat', 'electricity_export'];

export const tariffColumns: Column<Tariff>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'fuel', value: (t) => t.fuel },
  { header: 'default', value: (t) => (t.isDefault ? 'yes' : 'no') },
  { header: 'standing/day', value: (t) => `${t.standingCharge} ${t.currency}` },
  {
    header: 'rate/kWh',
    value: (t) =>
      t.bands
        ? t.bands.map((b) => `${b.from}-${b.to}${b.days ? ` ${b.days.join(' ')}` : ''} ${b.rate}`).join(', ')
        : `${t.unitRate ?? '-'}`,
  },
  { header: 'kgCO2e/kWh', value: (t) => t.carbonFactor },
  { header: 'valid from', value: (t) => t.validFrom },
  { header: 'valid to', value: (t) => t.validTo },
];

const homeTariffColumns: Column<HomeTariff>[] = [
  { header: 'fuel', value: (h) => h.fuel },
  { header: 'source', value: (h) => h.source },
  { header: 'tariff', value: (h) => (h.tariff ? `${h.tariff.name} (${h.tariff.id})` : null) },
  { header: 'home tariff', value: (h) => h.homeTariffId },
];

/** `hearth tariffs …` and `hearth homes tariffs`. */
export function registerTariffs(program: Command, act: Act): void {
  const tariffs = program
    .command('tariffs')
    .description("tariffs: an agent's prices and carbon factors per fuel (money in minor units, e.g. pence)");

  tariffs
    .command('list')
    .description("the agent's tariffs")
    .addOption(new Option('--fuel <fuel>', 'only tariffs of this fuel').choices(FUELS))
    .option('--limit <n>', 'at most this many', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ fuel?: TariffFuel; limit?: number }>(command);
        const query: TariffListQuery = o.fuel ? { fuel: o.fuel } : {};
        const list = (await ctx.client()).tariffs.list(query);
        ctx.out.table(await list.toArray(o.limit), tariffColumns, 'No tariffs.');
      }),
    );

  tariffs
    .command('get')
    .description('one tariff')
    .argument('<id>', 'tariff id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).tariffs.get(String(id)), tariffColumns);
      }),
    );

  tariffs
    .command('create')
    .description('create a tariff from a JSON or YAML file (- for stdin)')
    .requiredOption('-f, --file <path>', 'the tariff: .json, .yaml or .yml')
    .addHelpText(
      'after',
      '\nThe file holds name, fuel, standingCharge (minor units per day) and either unitRate (minor units per\n' +
        'kWh) or bands [{from, to, rate, days?}] covering each local day once (days: some of mon tue wed thu\n' +
        'fri sat sun; omitted: every day); optionally currency, carbonFactor, validFrom, validTo, isDefault.\n' +
        'See docs/tariffs.md.\n\n' +
        'Example: echo \'{"name":"Flat","fuel":"electricity","standingCharge":48.79,"unitRate":24.5}\' > t.json\n' +
        '         hearth tariffs create --file t.json',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ file: string }>(command);
        const input = (await readDocument(o.file, ctx.io, 'tariff')) as CreateTariffInput;
        ctx.out.record(await (await ctx.client()).tariffs.create(input), tariffColumns);
      }),
    );

  tariffs
    .command('update')
    .description('change the fields a JSON or YAML file gives (fuel never changes)')
    .argument('<id>', 'tariff id')
    .requiredOption('-f, --file <path>', 'the changes: .json, .yaml or .yml (- for stdin)')
    .option('--if-match <etag>', 'refuse (exit 1) if the tariff changed since you read this ETag')
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<{ file: string; ifMatch?: string }>(command);
        const input = (await readDocument(o.file, ctx.io, 'tariff')) as UpdateTariffInput;
        const changed = await (await ctx.client()).tariffs.update(
          String(id),
          input,
          o.ifMatch ? { ifMatch: o.ifMatch } : {},
        );
        ctx.out.record(changed, tariffColumns);
      }),
    );

  tariffs
    .command('delete')
    .description('delete a tariff (refused while a home uses it as its own)')
    .argument('<id>', 'tariff id')
    .action(
      act(async (ctx, _command, id) => {
        await (await ctx.client()).tariffs.delete(String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, deleted: true });
        else ctx.out.say(`Deleted tariff ${id}.`);
      }),
    );
}

/** `hearth homes tariffs <homeId> [--date]`, added to the `homes` command. */
export function registerHomeTariffs(homes: Command, act: Act): void {
  homes
    .command('tariffs')
    .description("the tariff of each fuel a home uses on a date: its own, or the agent's default")
    .argument('<homeId>', 'home id')
    .option('--date <date>', "local date YYYY-MM-DD (default: today in the agent's time zone)")
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<{ date?: string }>(command);
        const answer = await (await ctx.client()).tariffs.homeTariffs(String(homeId), o.date);
        if (ctx.out.json) {
          ctx.out.writeJson(answer);
          return;
        }
        ctx.out.say(`Tariffs of home ${answer.homeId} on ${answer.date}:`);
        ctx.out.table(answer.items, homeTariffColumns, 'No fuels.');
      }),
    );
}
