import type { Agent, AgentStatus } from '@hearth/client';
import { type Command, Option } from 'commander';
import type { Act } from '../cli.js';
import { optionsOf, positiveInteger } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';

const columns: Column<Agent>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'name', value: (a) => a.name },
  { header: 'status', value: (a) => a.status },
  { header: 'created', value: (a) => a.createdAt },
];

const fields: Column<Agent>[] = [
  ...columns,
  { header: 'time zone', value: (a) => a.timeZone },
  { header: 'region', value: (a) => a.region ?? '(platform default)' },
  { header: 'updated', value: (a) => a.updatedAt },
];

/** `hearth agents …`: the operator's registry of companies. */
export function registerAgents(program: Command, act: Act): void {
  const agents = program
    .command('agents')
    .description('agents: the companies on the platform (operator only)');

  agents
    .command('list')
    .description('list agents, every page (or the first --limit)')
    .option('-q, --search <text>', 'part of the name')
    .addOption(new Option('--status <status>', 'only this status').choices(['active', 'suspended']))
    .option('--limit <n>', 'show at most n agents', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ search?: string; status?: AgentStatus; limit?: number }>(command);
        const client = await ctx.client();
        const list = client.agents.list({
          ...(o.search ? { q: o.search } : {}),
          ...(o.status ? { status: o.status } : {}),
          ...(o.limit ? { limit: Math.min(o.limit, 200) } : {}),
        });
        ctx.out.table(await list.toArray(o.limit), columns, 'No agents.');
      }),
    );

  agents
    .command('get')
    .description('show one agent')
    .argument('<id>', 'agent id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).agents.get(String(id)), fields);
      }),
    );

  agents
    .command('create')
    .description('register an agent; its first admin gets an invitation by email')
    .requiredOption('--name <name>', 'company name')
    .requiredOption('--admin-email <email>', "the first admin's email")
    .requiredOption('--admin-name <name>', "the first admin's name")
    .option('--time-zone <zone>', "IANA time zone of the agent's days and months (default Europe/London)")
    .option(
      '--region <region>',
      'default region of its homes (hearth regions list; default: the platform default)',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{
          name: string;
          adminEmail: string;
          adminName: string;
          timeZone?: string;
          region?: string;
        }>(command);
        const created = await (await ctx.client()).agents.create({
          name: o.name,
          adminEmail: o.adminEmail,
          adminName: o.adminName,
          ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
          ...(o.region !== undefined ? { region: o.region } : {}),
        });
        if (ctx.out.json) return ctx.out.writeJson(created);
        ctx.out.record(created, fields);
        ctx.out.say(
          `Invitation sent to ${created.adminInvitation.email} (expires ${created.adminInvitation.expiresAt}).`,
        );
      }),
    );

  agents
    .command('update')
    .description("rename an agent, or change its time zone or its homes' default region")
    .argument('<id>', 'agent id')
    .option('--name <name>', 'new company name')
    .option('--time-zone <zone>', 'IANA time zone, e.g. Europe/London')
    .option('--region <region>', "default region of its homes; 'platform' for the platform default")
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<{ name?: string; timeZone?: string; region?: string }>(command);
        if (o.name === undefined && o.timeZone === undefined && o.region === undefined)
          throw new UsageError('nothing to change: give --name, --time-zone or --region');
        const input = {
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
          ...(o.region !== undefined ? { region: o.region === 'platform' ? null : o.region } : {}),
        };
        ctx.out.record(await (await ctx.client()).agents.update(String(id), input), fields);
      }),
    );

  agents
    .command('suspend')
    .description('suspend an agent: every call by its users is refused until it is reactivated')
    .argument('<id>', 'agent id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).agents.suspend(String(id)), fields);
      }),
    );

  agents
    .command('reactivate')
    .description('reactivate a suspended agent')
    .argument('<id>', 'agent id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).agents.reactivate(String(id)), fields);
      }),
    );

  agents
    .command('delete')
    .description('delete an agent with its users and invitations')
    .argument('<id>', 'agent id')
    .action(
      act(async (ctx, _command, id) => {
        await (await ctx.client()).agents.delete(String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, deleted: true });
        else ctx.out.say(`Deleted agent ${id}.`);
      }),
    );
}
