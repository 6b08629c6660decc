import type { HearthClient, IntegrationClient, IntegrationClientAccess } from '@hearth/client';
import { type Command, Option } from 'commander';
import type { Act } from '../cli.js';
import { type Context, optionsOf, positiveInteger } from '../context.js';
import { UsageError } from '../io.js';
import type { Column } from '../output.js';

const ACCESS: IntegrationClientAccess[] = ['read', 'read_write'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const clientFields: Column<IntegrationClient>[] = [
  { header: 'client id', value: (c) => c.clientId },
  { header: 'name', value: (c) => c.name },
  { header: 'access', value: (c) => c.access },
  { header: 'secret issued', value: (c) => c.secretIssuedAt },
  { header: 'last used', value: (c) => c.lastUsedAt },
  { header: 'token url', value: (c) => c.tokenUrl },
  { header: 'created', value: (c) => c.createdAt },
];

const SECRET_NOTE =
  'hearth: store the client secret now: it is shown this once and cannot be shown again (the server ' +
  'keeps only its hash).';

/** A client named by its id, or by its name (looked up in the agent's list). */
async function clientIdOf(client: HearthClient, value: string): Promise<string> {
  if (UUID.test(value)) return value.toLowerCase();
  const found = (await client.integrationClients.list().toArray()).filter((c) => c.name === value);
  if (found.length === 0) {
    throw new UsageError(`no integration client is named "${value}" (see hearth integration-clients list)`);
  }
  return (found[0] as IntegrationClient).id;
}

function printWithSecret(ctx: Context, issued: IntegrationClient & { clientSecret: string }): void {
  if (ctx.out.json) ctx.out.writeJson(issued);
  else ctx.out.record(issued, [...clientFields, { header: 'client secret', value: (c) => c.clientSecret }]);
}

/**
 * `hearth integration-clients create|list|show|rotate|delete`: the agent's OAuth2 clients for scripts,
 * BI tools and partners (the agent's admins).
 */
export function registerIntegrationClients(program: Command, act: Act): void {
  const clients = program
    .command('integration-clients')
    .description(
      "the agent's OAuth2 clients for scripts, BI tools and partners (client_credentials), instead of a person's password (admin)",
    );

  clients
    .command('create')
    .description('create a client; its secret is printed once, never again')
    .argument('<name>', 'what it is for ("Grafana"): unique within the agent')
    .addOption(
      new Option(
        '--access <access>',
        "read: every GET of the agent's data; read_write: also an editor's writes",
      )
        .choices(ACCESS)
        .default('read'),
    )
    .addHelpText(
      'after',
      '\nThe client gets tokens with: curl -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials <server>/oauth/token',
    )
    .action(
      act(async (ctx, command, name) => {
        const o = optionsOf<{ access: IntegrationClientAccess }>(command);
        const { client } = await (await ctx.client()).integrationClients.create({
          name: String(name),
          access: o.access,
        });
        printWithSecret(ctx, client);
        ctx.out.note(SECRET_NOTE);
      }),
    );

  clients
    .command('list')
    .description("the agent's integration clients (never their secrets)")
    .addOption(new Option('--access <access>', 'read or read_write').choices(ACCESS))
    .option('--limit <n>', 'at most this many', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ access?: IntegrationClientAccess; limit?: number }>(command);
        const list = (await ctx.client()).integrationClients.list(o.access ? { access: o.access } : {});
        ctx.out.table(await list.toArray(o.limit), clientFields, 'No integration clients.');
      }),
    );

  clients
    .command('show')
    .description('one client: its access, when its secret was issued and last used')
    .argument('<client>', 'client id or name')
    .action(
      act(async (ctx, _command, value) => {
        const sdk = await ctx.client();
        const { client } = await sdk.integrationClients.get(await clientIdOf(sdk, String(value)));
        ctx.out.record(client, clientFields);
      }),
    );

  clients
    .command('rotate')
    .description(
      'issue a new secret, printed once: the old secret and every token it got stop working at once',
    )
    .argument('<client>', 'client id or name')
    .action(
      act(async (ctx, _command, value) => {
        const sdk = await ctx.client();
        const { client } = await sdk.integrationClients.rotateSecret(await clientIdOf(sdk, String(value)));
        printWithSecret(ctx, client);
        ctx.out.note(`${SECRET_NOTE} The previous secret, and every token it got, no longer works.`);
      }),
    );

  clients
    .command('delete')
    .description('delete a client: its secret and every token it holds stop working at once')
    .argument('<client>', 'client id or name')
    .action(
      act(async (ctx, _command, value) => {
        const sdk = await ctx.client();
        const id = await clientIdOf(sdk, String(value));
        await sdk.integrationClients.delete(id);
        if (ctx.out.json) ctx.out.writeJson({ id, deleted: true });
        else ctx.out.say(`Deleted integration client ${id}: its tokens no longer work.`);
      }),
    );
}
