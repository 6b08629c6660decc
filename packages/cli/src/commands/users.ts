import type { Role, UpdateUserInput, User } from '@hearth/client';
import { type Command, Option } from 'commander';
import type { Act } from '../cli.js';
import { optionsOf, positiveInteger } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';
import { userFields } from './session.js';

const columns: Column<User>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'username', value: (u) => u.username },
  { header: 'name', value: (u) => u.name },
  { header: 'role', value: (u) => u.role },
  { header: 'status', value: (u) => u.status },
  { header: 'agent', value: (u) => u.agent?.name },
];

/** `hearth users …`: an admin manages their agent's users, the operator any agent's. */
export function registerUsers(program: Command, act: Act): void {
  const users = program.command('users').description("users: an admin's own agent, the operator's any agent");

  users
    .command('list')
    .description('list users, every page (or the first --limit)')
    .option('--agent <id>', "operator: one agent's users")
    .addOption(
      new Option('--role <role>', 'only this role').choices(['operator', 'admin', 'editor', 'viewer']),
    )
    .addOption(new Option('--status <status>', 'only this status').choices(['active', 'disabled']))
    .option('-q, --search <text>', 'part of the username, name or email')
    .option('--limit <n>', 'show at most n users', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{
          agent?: string;
          role?: Role;
          status?: 'active' | 'disabled';
          search?: string;
          limit?: number;
        }>(command);
        const list = (await ctx.client()).users.list({
          ...(o.agent ? { agentId: o.agent } : {}),
          ...(o.role ? { role: o.role } : {}),
          ...(o.status ? { status: o.status } : {}),
          ...(o.search ? { q: o.search } : {}),
          ...(o.limit ? { limit: Math.min(o.limit, 200) } : {}),
        });
        ctx.out.table(await list.toArray(o.limit), columns, 'No users.');
      }),
    );

  users
    .command('get')
    .description('show one user')
    .argument('<id>', 'user id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).users.get(String(id)), userFields);
      }),
    );

  users
    .command('update')
    .description('rename a user or change their role')
    .argument('<id>', 'user id')
    .option('--name <name>', 'new name')
    .addOption(new Option('--role <role>', 'new role').choices(['admin', 'editor', 'viewer']))
    .action(
      act(async (ctx, command, id) => {
        const o = optionsOf<{ name?: string; role?: UpdateUserInput['role'] }>(command);
        if (o.name === undefined && o.role === undefined)
          throw new UsageError('nothing to change: give --name or --role');
        const changed = await (await ctx.client()).users.update(String(id), {
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(o.role !== undefined ? { role: o.role } : {}),
        });
        ctx.out.record(changed, userFields);
      }),
    );

  users
    .command('disable')
    .description('disable a user: their tokens are revoked at once and login is refused')
    .argument('<id>', 'user id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).users.disable(String(id)), userFields);
      }),
    );

  users
    .command('enable')
    .description('enable a disabled user')
    .argument('<id>', 'user id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).users.enable(String(id)), userFields);
      }),
    );

  users
    .command('delete')
    .description("delete a user (never the agent's last enabled admin)")
    .argument('<id>', 'user id')
    .action(
      act(async (ctx, _command, id) => {
        await (await ctx.client()).users.delete(String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, deleted: true });
        else ctx.out.say(`Deleted user ${id}.`);
      }),
    );
}
