import type { CreateInvitationInput, Invitation, InvitationListQuery } from '@hearth/client';
import { type Command, Option } from 'commander';
import type { Act } from '../cli.js';
import { optionsOf, positiveInteger } from '../context.js';
import type { Column } from '../output.js';
import { userFields } from './session.js';

const columns: Column<Invitation>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'email', value: (i) => i.email },
  { header: 'role', value: (i) => i.role },
  { header: 'status', value: (i) => i.status },
  { header: 'expires', value: (i) => i.expiresAt },
  { header: 'email delivery', value: (i) => i.delivery?.status },
];

const fields: Column<Invitation>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'agent', value: (i) => i.agentId },
  { header: 'email', value: (i) => i.email },
  { header: 'name', value: (i) => i.name },
  { header: 'role', value: (i) => i.role },
  { header: 'status', value: (i) => i.status },
  { header: 'expires', value: (i) => i.expiresAt },
  { header: 'created', value: (i) => i.createdAt },
  { header: 'accepted', value: (i) => i.acceptedAt },
  { header: 'revoked', value: (i) => i.revokedAt },
  {
    header: 'email delivery',
    value: (i) =>
      i.delivery
        ? `${i.delivery.status}, ${i.delivery.attempts} attempt(s)${i.delivery.lastError ? `, last error: ${i.delivery.lastError}` : ''}`
        : null,
  },
];

const ROLES = ['admin', 'editor', 'viewer'];

/** `hearth invitations …`: invite people by email; accept an invitation. */
export function registerInvitations(program: Command, act: Act): void {
  const invitations = program
    .command('invitations')
    .description('invitations: invite people into an agent by email, and accept them');

  invitations
    .command('send')
    .description('invite someone by email with a role')
    .requiredOption('--email <email>', 'who to invite')
    .addOption(new Option('--role <role>', 'their role').choices(ROLES).makeOptionMandatory())
    .option('--name <name>', 'their name')
    .option('--agent <id>', 'operator: the agent to invite into')
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{
          email: string;
          role: CreateInvitationInput['role'];
          name?: string;
          agent?: string;
        }>(command);
        const sent = await (await ctx.client()).invitations.send({
          email: o.email,
          role: o.role,
          ...(o.name ? { name: o.name } : {}),
          ...(o.agent ? { agentId: o.agent } : {}),
        });
        ctx.out.record(sent, fields);
      }),
    );

  invitations
    .command('list')
    .description('list invitations, every page (or the first --limit)')
    .addOption(
      new Option('--status <status>', 'only this status').choices([
        'pending',
        'accepted',
        'expired',
        'revoked',
      ]),
    )
    .option('--agent <id>', "operator: one agent's invitations")
    .option('--limit <n>', 'show at most n invitations', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ status?: InvitationListQuery['status']; agent?: string; limit?: number }>(
          command,
        );
        const list = (await ctx.client()).invitations.list({
          ...(o.status ? { status: o.status } : {}),
          ...(o.agent ? { agentId: o.agent } : {}),
          ...(o.limit ? { limit: Math.min(o.limit, 200) } : {}),
        });
        ctx.out.table(await list.toArray(o.limit), columns, 'No invitations.');
      }),
    );

  invitations
    .command('get')
    .description('show one invitation, with the delivery state of its email')
    .argument('<id>', 'invitation id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).invitations.get(String(id)), fields);
      }),
    );

  invitations
    .command('resend')
    .description('send the invitation again with a fresh token (the old one stops working)')
    .argument('<id>', 'invitation id')
    .action(
      act(async (ctx, _command, id) => {
        ctx.out.record(await (await ctx.client()).invitations.resend(String(id)), fields);
      }),
    );

  invitations
    .command('revoke')
    .description('revoke an invitation: its token stops working')
    .argument('<id>', 'invitation id')
    .action(
      act(async (ctx, _command, id) => {
        await (await ctx.client()).invitations.revoke(String(id));
        if (ctx.out.json) ctx.out.writeJson({ id, revoked: true });
        else ctx.out.say(`Revoked invitation ${id}.`);
      }),
    );

  invitations
    .command('accept')
    .description('accept an invitation with the token from its email (no login needed)')
    .requiredOption('--token <token>', 'the invitation token from the email')
    .requiredOption('--username <name>', 'the username to create (3-64 letters, digits, . _ @ -)')
    .requiredOption('--name <name>', 'your name')
    .addHelpText(
      'after',
      '\nThe password (12 or more characters, not a common one) comes from HEARTH_PASSWORD, else the first\n' +
        'line of stdin when it is not a terminal, else a prompt that does not echo. Then: hearth login.',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ token: string; username: string; name: string }>(command);
        const server = await ctx.resolveServer();
        const password = await ctx.prompter.secret('Choose a password: ', 'a password', 'HEARTH_PASSWORD');
        const user = await (await ctx.client()).invitations.accept({
          token: o.token,
          username: o.username,
          password,
          name: o.name,
        });
        if (ctx.out.json) return ctx.out.writeJson(user);
        ctx.out.record(user, userFields);
        ctx.out.say(`Welcome. Log in with: hearth login --server ${server} --username ${user.username}`);
      }),
    );
}
