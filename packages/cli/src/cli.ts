import { Command, CommanderError } from 'commander';
import { registerAgents } from './commands/agents.js';
import { registerAlarms } from './commands/alarms.js';
import { registerAnalysis } from './commands/analysis.js';
import { registerAudit } from './commands/audit.js';
import { registerGateway } from './commands/gateway.js';
import { registerHomes } from './commands/homes.js';
import { registerIntegrationClients } from './commands/integration-clients.js';
import { registerInvitations } from './commands/invitations.js';
import { registerOrders } from './commands/orders.js';
import { registerPortfolio } from './commands/portfolio.js';
import { registerRegions } from './commands/regions.js';
import { registerReport } from './commands/report.js';
import { registerSession } from './commands/session.js';
import { registerTariffs } from './commands/tariffs.js';
import { registerTelemetry } from './commands/telemetry.js';
import { registerUsers } from './commands/users.js';
import { registerWebhooks } from './commands/webhooks.js';
import { Context, optionsOf } from './context.js';
import { describeError } from './errors.js';
import { type CliIo, ExitCode } from './io.js';
import { CLI_VERSION } from './version.js';

/** Runs a command's work with its Context; the arguments are the command's positional ones. */
export type Act = (
  work: (ctx: Context, command: Command, ...args: string[]) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

const EXIT_CODES = `
Exit codes:
  0   done
  1   the server refused the request or could not be reached
  2   bad usage (unknown command or option, a missing or malformed value such as a home id)
  3   not logged in, the login was refused or ended, or your role may not do this
  4   not found
  5   telemetry import: some rows were refused or could not be read (each listed by line number)
  10  the server retired the API version this CLI speaks: upgrade the CLI

Environment:
  HEARTH_SERVER        server URL when --server is not given (default: the last login's)
  HEARTH_PASSWORD      password for login and invitations accept (else stdin, else a prompt)
  HEARTH_NEW_PASSWORD  new password for password change and password reset
  HEARTH_CONFIG_DIR    where tokens and version moves are kept (default ~/.config/hearth)
  HEARTH_CLIENT_ID, HEARTH_CLIENT_SECRET  the OAuth2 client (default trusted / secret)`;

/** The whole command tree, writing to `io`; `seen` learns each command's Context (for error messages). */
export function buildProgram(io: CliIo, seen: (ctx: Context) => void): Command {
  const program = new Command('hearth')
    .description(
      'The Hearth platform from the command line: agents, users, invitations, audit trail, orders, homes, provisioning, telemetry, gateways, performance, insight, portfolio, reports, tariffs, regional series, alarms, fault rules, webhooks, email subscriptions.',
    )
    .version(CLI_VERSION, '-V, --version', 'print the CLI version')
    .option('--server <url>', 'the Hearth server (default: HEARTH_SERVER, else the last login)')
    .option('--json', 'print JSON for scripts instead of tables')
    .helpCommand(true)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`hearth: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText('after', EXIT_CODES);

  const act: Act =
    (work) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const ctx = new Context(io, optionsOf(command));
      seen(ctx);
      await work(ctx, command, ...(args.slice(0, -2) as string[]));
    };

  registerSession(program, act);
  registerAgents(program, act);
  registerUsers(program, act);
  registerInvitations(program, act);
  registerAudit(program, act);
  registerOrders(program, act);
  registerHomes(program, act);
  registerTelemetry(program, act);
  registerGateway(program, act);
  registerAnalysis(program, act);
  registerPortfolio(program, act);
  registerReport(program, act);
  registerTariffs(program, act);
  registerRegions(program, act);
  registerAlarms(program, act);
  registerWebhooks(program, act);
  registerIntegrationClients(program, act);
  return program;
}

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let context: Context | undefined;
  const program = buildProgram(io, (ctx) => {
    context = ctx;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return context?.exitCode ?? ExitCode.ok;
  } catch (err) {
    // Commander has already printed its own errors (unknown option, missing argument) and help.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    const { line, exitCode } = describeError(err, context?.server);
    io.stderr.write(`hearth: ${line}\n`);
    if (io.env.HEARTH_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
    return exitCode;
  }
}
