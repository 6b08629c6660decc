import type { User } from '@hearth/client';
import type { Command } from 'commander';
import type { Act } from '../cli.js';
import { optionsOf } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';

export const userFields: Column<User>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'username', value: (u) => u.username },
  { header: 'name', value: (u) => u.name },
  { header: 'email', value: (u) => u.email },
  { header: 'role', value: (u) => u.role },
  { header: 'status', value: (u) => u.status },
  { header: 'agent', value: (u) => (u.agent ? `${u.agent.name} (${u.agent.id})` : null) },
  { header: 'created', value: (u) => u.createdAt },
];

const describeUser = (user: User) =>
  `${user.username} (${user.role}${user.agent ? ` of ${user.agent.name}` : ''})`;

/** login, logout, whoami, password change. */
export function registerSession(program: Command, act: Act): void {
  program
    .command('login')
    .description('log in and keep the tokens in your config folder (mode 0600)')
    .option('--username <name>', 'your username (default: HEARTH_USERNAME, else asked)')
    .addHelpText(
      'after',
      '\nThe password comes from HEARTH_PASSWORD, else the first line of stdin when it is not a terminal,\n' +
        'else a prompt that does not echo. Example: hearth login --server http://127.0.0.1:8080 --username oper_a',
    )
    .action(
      act(async (ctx, command) => {
        const { username: given } = optionsOf<{ username?: string }>(command);
        const server = await ctx.resolveServer();
        const username =
          given ?? ctx.io.env.HEARTH_USERNAME ?? (await ctx.prompter.text('Username: ', 'a username'));
        const password = await ctx.prompter.secret(
          `Password for ${username} at ${server}: `,
          'a password',
          'HEARTH_PASSWORD',
        );
        const client = await ctx.client(username);
        await client.login({ username, password });
        const me = await client.me();
        if (ctx.out.json) ctx.out.writeJson(me);
        else ctx.out.say(`Logged in to ${server} as ${describeUser(me)}.`);
      }),
    );

  program
    .command('logout')
    .description('log out: revoke the tokens on the server and forget them')
    .action(
      act(async (ctx) => {
        const server = await ctx.resolveServer();
        const session = await ctx.sessions.get(server);
        if (!session) {
          if (ctx.out.json) ctx.out.writeJson({ server, loggedOut: false });
          else ctx.out.say(`Not logged in to ${server}.`);
          return;
        }
        await (await ctx.client()).logout();
        if (ctx.out.json) ctx.out.writeJson({ server, loggedOut: true, username: session.username });
        else ctx.out.say(`Logged out of ${server} (${session.username}).`);
      }),
    );

  program
    .command('whoami')
    .description('who you are logged in as')
    .action(
      act(async (ctx) => {
        const me = await (await ctx.client()).me();
        ctx.out.record(me, [...userFields, { header: 'server', value: () => ctx.server }]);
      }),
    );

  const password = program.command('password').description('your password');
  password
    .command('change')
    .description('change your password (your other logins end; this one goes on)')
    .addHelpText(
      'after',
      '\nThe current password comes from HEARTH_PASSWORD and the new one from HEARTH_NEW_PASSWORD, else from\n' +
        'two lines of stdin (current, new) when it is not a terminal, else from prompts that do not echo.',
    )
    .action(
      act(async (ctx) => {
        const client = await ctx.client();
        const currentPassword = await ctx.prompter.secret(
          'Current password: ',
          'the current password',
          'HEARTH_PASSWORD',
        );
        const newPassword = await ctx.prompter.secret(
          'New password: ',
          'a new password',
          'HEARTH_NEW_PASSWORD',
        );
        if (ctx.io.stdin.isTTY && !ctx.io.env.HEARTH_NEW_PASSWORD) {
          const again = await ctx.prompter.secret('New password again: ', 'the new password again');
          if (again !== newPassword)
            throw new UsageError('the two new passwords differ; nothing was changed');
        }
        await client.changePassword({ currentPassword, newPassword });
        if (ctx.out.json) ctx.out.writeJson({ changed: true });
        else ctx.out.say('Password changed. Your other logins have ended.');
      }),
    );

  password
    .command('reset')
    .description(
      'forgot your password: --email asks for a reset email; --token sets a new password with the token from it',
    )
    .option('--email <address>', 'the email address of your account: a reset email goes to it')
    .option('--token <token>', 'the reset token from the email: set a new password (no login needed)')
    .addHelpText(
      'after',
      '\nFirst: hearth password reset --server https://hearth.example.com --email you@example.com\n' +
        'The server answers the same whether or not an account has the address. Then, with the token from\n' +
        'the email: hearth password reset --token <token>. The new password comes from HEARTH_NEW_PASSWORD,\n' +
        'else the first line of stdin when it is not a terminal, else a prompt that does not echo (asked\n' +
        'twice). Every session of the account ends: log in again with hearth login.',
    )
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ email?: string; token?: string }>(command);
        if (Boolean(o.email) === Boolean(o.token)) {
          throw new UsageError(
            'give either --email (to ask for a reset email) or --token (to set a new password with the token from it)',
          );
        }
        const server = await ctx.resolveServer();
        const client = await ctx.client();
        if (o.email) {
          await client.passwordResets.request({ email: o.email });
          if (ctx.out.json) return ctx.out.writeJson({ server, email: o.email, requested: true });
          ctx.out.say(
            `If an account at ${server} has ${o.email}, an email with a reset link and token is on its way ` +
              `(it works once, for a short while). Then: hearth password reset --server ${server} --token <token>`,
          );
          return;
        }
        const newPassword = await ctx.prompter.secret(
          'New password: ',
          'a new password',
          'HEARTH_NEW_PASSWORD',
        );
        if (ctx.io.stdin.isTTY && !ctx.io.env.HEARTH_NEW_PASSWORD) {
          const again = await ctx.prompter.secret('New password again: ', 'the new password again');
          if (again !== newPassword) throw new UsageError('the two passwords differ; nothing was changed');
        }
        await client.passwordResets.confirm({ token: String(o.token), password: newPassword });
        if (ctx.out.json) return ctx.out.writeJson({ server, reset: true });
        ctx.out.say(
          `Password set. Every session of the account has ended: log in with hearth login --server ${server}.`,
        );
      }),
    );
}
