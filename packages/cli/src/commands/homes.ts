import type {
  CreateProvisioningInput,
  Home,
  HomeGroup,
  HomeListItem,
  HomeListQuery,
  Meter,
  ProvisioningDefinition,
  UpdateProvisioningInput,
} from '@hearth/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Act } from '../cli.js';
import { optionsOf, positiveInteger } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';
import { registerHomeTariffs } from './tariffs.js';

const homeColumns: Column<HomeListItem>[] = [
  { header: 'id', value: (h) => h.id },
  { header: 'reference', value: (h) => h.reference },
  { header: 'status', value: (h) => h.status },
  { header: 'postcode', value: (h) => h.postcode },
  { header: 'town', value: (h) => h.town },
  { header: 'technology', value: (h) => h.technology },
];

const homeFields: Column<Home>[] = [
  { header: 'id', value: (h) => h.id },
  { header: 'reference', value: (h) => h.reference },
  { header: 'status', value: (h) => h.status },
  {
    header: 'address',
    value: (h) =>
      [...(h.property.addressLines ?? []), h.property.town, h.property.postcode].filter(Boolean).join(', '),
  },
  { header: 'technology', value: (h) => h.installation.technology },
  { header: 'meters', value: (h) => h.meters.map((m) => `${m.kind} ${m.serial}`).join('; ') },
  { header: 'groups', value: (h) => h.groups.map((g) => g.name).join('; ') },
  { header: 'region', value: (h) => `${h.region.name} (${REGION_SOURCE[h.region.source]})` },
  { header: 'order', value: (h) => h.orderId },
  { header: 'created', value: (h) => h.createdAt },
  { header: 'decommissioned', value: (h) => h.decommissionedAt },
];

/** Where a home's region comes from, in words. */
const REGION_SOURCE = {
  home: 'its own',
  agent_default: "the agent's default",
  platform_default: 'the platform default',
} as const;

const meterColumns: Column<Meter>[] = [
  { header: 'id', value: (m) => m.id },
  { header: 'kind', value: (m) => m.kind },
  { header: 'serial', value: (m) => m.serial },
  { header: 'channels', value: (m) => m.channels.map((c) => `${c.key} (${c.unit}) ${c.id}`).join('; ') },
];

const provisioningColumns: Column<ProvisioningDefinition>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'service', value: (p) => p.service },
  { header: 'status', value: (p) => p.status },
  { header: 'revision', value: (p) => p.revision },
  { header: 'settings', value: (p) => p.settings },
];

const groupColumns: Column<HomeGroup>[] = [
  { header: 'id', value: (g) => g.id },
  { header: 'name', value: (g) => g.name },
  { header: 'homes', value: (g) => g.homeCount },
];

/** A JSON object option (`--settings '{"intervalSeconds":60}'`). */
function jsonObject(name: string): (value: string) => Record<string, unknown> {
  return (value) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InvalidArgumentError(`${name} must be a JSON object, e.g. '{"intervalSeconds":60}'.`);
    }
    return parsed as Record<string, unknown>;
  };
}

/** `hearth homes …`, `hearth provisioning …`, `hearth home-groups …`. */
export function registerHomes(program: Command, act: Act): void {
  const homes = program.command('homes').description('homes: the homes your submitted orders created');

  homes
    .command('list')
    .description('list the homes you may see, every page (or the first --limit)')
    .addOption(new Option('--status <status>', 'only this status').choices(['active', 'decommissioned']))
    .option('--postcode <prefix>', 'postcode prefix')
    .option('--technology <technology>', 'e.g. air_source_heat_pump')
    .option('--group <id>', 'only homes of this home group')
    .option('-q, --search <text>', 'reference, address or postcode')
    .option('--limit <n>', 'show at most n homes', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{
          status?: HomeListQuery['status'];
          postcode?: string;
          technology?: HomeListQuery['technology'];
          group?: string;
          search?: string;
          limit?: number;
        }>(command);
        const list = (await ctx.client()).homes.list({
          ...(o.status ? { status: o.status } : {}),
          ...(o.postcode ? { postcode: o.postcode } : {}),
          ...(o.technology ? { technology: o.technology } : {}),
          ...(o.group ? { groupId: o.group } : {}),
          ...(o.search ? { q: o.search } : {}),
          ...(o.limit ? { limit: Math.min(o.limit, 200) } : {}),
        });
        ctx.out.table(await list.toArray(o.limit), homeColumns, 'No homes.');
      }),
    );

  homes
    .command('get')
    .description('show one home (its whole document with --json)')
    .argument('<id>', 'home id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).homes.get(String(id)), homeFields);
      }),
    );

  homes
    .command('meters')
    .description("a home's meters and channels (channel ids are what readings are sent for)")
    .argument('<id>', 'home id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.table(await (await ctx.client()).homes.meters(String(id)), meterColumns, 'No meters.');
      }),
    );

  registerHomeTariffs(homes, act);

  homes
    .command('groups')
    .description('put a home in exactly these home groups (admin)')
    .argument('<id>', 'home id')
    .argument('[groupIds...]', 'home group ids (none: no group)')
    .action(
      act(async (ctx, _command, id, ...groupIds) => {
        const ids = groupIds.flat() as string[];
        ctx.out.record(await (await ctx.client()).homes.update(String(id), { groupIds: ids }), homeFields);
      }),
    );

  homes
    .command('erase-occupant')
    .description("erase the occupant's personal data for good (admin)")
    .argument('<id>', 'home id')
    .action(
      act(async (ctx, _command, id) => {
        await (await ctx.client()).homes.eraseOccupant(String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, occupantErased: true });
        else ctx.out.say(`Erased the occupant of home ${id}.`);
      }),
    );

  homes
    .command('decommission')
    .description('decommission a home (admin): its services are suspended, its history stays readable')
    .argument('<id>', 'home id')
    .action(
      act(async (ctx, _command, id) => {
        await (await ctx.client()).homes.decommission(String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, decommissioned: true });
        else ctx.out.say(`Decommissioned home ${id}.`);
      }),
    );

  const provisioning = program
    .command('provisioning')
    .description("provisioning: a home's services (amr, insight, performance, fault_management)");

  provisioning
    .command('list')
    .description("a home's service provisioning definitions")
    .argument('<homeId>', 'home id')
    .action(
      act(async (ctx, _command, homeId) => {
        const items = await (await ctx.client()).provisioning.list(String(homeId));
        ctx.out.table(items, provisioningColumns, 'No services.');
      }),
    );

  provisioning
    .command('get')
    .description('one definition')
    .argument('<homeId>', 'home id')
    .argument('<id>', 'provisioning id')
    .action(
      act(async (ctx, _command, homeId, id) => {
        const item = await (await ctx.client()).provisioning.get(String(homeId), String(id));
        ctx.out.record(item, provisioningColumns);
      }),
    );

  provisioning
    .command('add')
    .description('add a service to a home')
    .argument('<homeId>', 'home id')
    .requiredOption('--service <service>', 'amr, insight, performance or fault_management')
    .option('--settings <json>', 'the service settings as a JSON object', jsonObject('--settings'))
    .action(
      act(async (ctx, command, homeId) => {
        const o = optionsOf<{ service: string; settings?: Record<string, unknown> }>(command);
        const input = { service: o.service, ...(o.settings ? { settings: o.settings } : {}) };
        const added = await (await ctx.client()).provisioning.add(
          String(homeId),
          input as CreateProvisioningInput,
        );
        ctx.out.record(added, provisioningColumns);
      }),
    );

  provisioning
    .command('update')
    .description("change a service's settings, or suspend or resume it")
    .argument('<homeId>', 'home id')
    .argument('<id>', 'provisioning id')
    .addOption(new Option('--status <status>', 'suspend or resume').choices(['active', 'suspended']))
    .option('--settings <json>', 'the new settings as a JSON object', jsonObject('--settings'))
    .action(
      act(async (ctx, command, homeId, id) => {
        const o = optionsOf<{ status?: 'active' | 'suspended'; settings?: Record<string, unknown> }>(command);
        if (!o.status && !o.settings) throw new UsageError('nothing to change: give --status or --settings');
        const input = {
          ...(o.status ? { status: o.status } : {}),
          ...(o.settings ? { settings: o.settings } : {}),
        };
        const changed = await (await ctx.client()).provisioning.update(
          String(homeId),
          String(id),
          input as UpdateProvisioningInput,
        );
        ctx.out.record(changed, provisioningColumns);
      }),
    );

  provisioning
    .command('remove')
    .description('remove a service from a home (amr last)')
    .argument('<homeId>', 'home id')
    .argument('<id>', 'provisioning id')
    .action(
      act(async (ctx, _command, homeId, id) => {
        await (await ctx.client()).provisioning.remove(String(homeId), String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, removed: true });
        else ctx.out.say(`Removed service ${id} from home ${homeId}.`);
      }),
    );

  const groups = program.command('home-groups').description('home groups: who sees which home');

  groups
    .command('list')
    .description("the agent's home groups with their home counts")
    .action(
      act(async (ctx) => {
        ctx.out.table(await (await ctx.client()).homeGroups.list(), groupColumns, 'No home groups.');
      }),
    );

  groups
    .command('get')
    .description('one home group')
    .argument('<id>', 'home group id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).homeGroups.get(String(id)), groupColumns);
      }),
    );

  groups
    .command('create')
    .description('create a home group (admin)')
    .requiredOption('--name <name>', 'its name')
    .action(
      act(async (ctx, command) => {
        const { name } = optionsOf<{ name: string }>(command);
        ctx.out.record(await (await ctx.client()).homeGroups.create({ name }), groupColumns);
      }),
    );

  groups
    .command('update')
    .description('rename a home group (admin)')
    .argument('<id>', 'home group id')
    .requiredOption('--name <name>', 'its new name')
    .action(
      act(async (ctx, command, id) => {
        const { name } = optionsOf<{ name: string }>(command);
        ctx.out.record(await (await ctx.client()).homeGroups.update(String(id), { name }), groupColumns);
      }),
    );

  groups
    .command('delete')
    .description('delete a home group (its homes stay)')
    .argument('<id>', 'home group id')
    .action(
      act(async (ctx, _command, id) => {
        await (await ctx.client()).homeGroups.delete(String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, deleted: true });
        else ctx.out.say(`Deleted home group ${id}.`);
      }),
    );
}
