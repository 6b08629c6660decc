import type { Gateway, GatewaySecret } from '@hearth/client';
import type { Command } from 'commander';
import type { Act } from '../cli.js';
import type { Column } from '../output.js';

const gatewayFields: Column<Gateway>[] = [
  { header: 'client id', value: (g) => g.clientId },
  { header: 'home', value: (g) => g.homeId },
  { header: 'status', value: (g) => g.status },
  { header: 'secret issued', value: (g) => g.secretIssuedAt },
  { header: 'last used', value: (g) => g.lastUsedAt },
  { header: 'token url', value: (g) => g.tokenUrl },
  { header: 'mqtt username', value: (g) => g.mqtt.username },
  { header: 'mqtt topic', value: (g) => g.mqtt.topic },
  { header: 'mqtt results', value: (g) => g.mqtt.resultsTopic },
];

const secretFields: Column<GatewaySecret>[] = [
  gatewayFields[0] as Column<GatewaySecret>,
  { header: 'client secret', value: (g) => g.clientSecret },
  ...(gatewayFields.slice(1) as Column<GatewaySecret>[]),
];

/** `hearth gateway show|secret|revoke <homeId>`: the OAuth2 client a home's gateway pushes readings with. */
export function registerGateway(program: Command, act: Act): void {
  const gateway = program
    .command('gateway')
    .description("a home's gateway: the client id and secret it gets tokens with (client_credentials)");

  gateway
    .command('show')
    .description("the home's gateway: client id, status, token URL, MQTT topics (never the secret)")
    .argument('<homeId>', 'home id')
    .action(
      act(async (ctx, _command, homeId) => {
        ctx.out.record(await (await ctx.client()).gateways.get(String(homeId)), gatewayFields);
      }),
    );

  gateway
    .command('secret')
    .description(
      'issue a new secret (admin): printed once, never again; the previous secret and its tokens stop working',
    )
    .argument('<homeId>', 'home id')
    .action(
      act(async (ctx, _command, homeId) => {
        const issued = await (await ctx.client()).gateways.issueSecret(String(homeId));
        ctx.out.record(issued, secretFields);
        ctx.out.note(
          'hearth: store the client secret now: it is shown this once and cannot be shown again (the server ' +
            'keeps only its hash). Any previous secret of this gateway, and every token it got, no longer works.',
        );
      }),
    );

  gateway
    .command('revoke')
    .description(
      'revoke the secret and every gateway token (admin): no token, no MQTT login until a new secret',
    )
    .argument('<homeId>', 'home id')
    .action(
      act(async (ctx, _command, homeId) => {
        await (await ctx.client()).gateways.revokeSecret(String(homeId));
        if (ctx.out.json) ctx.out.writeJson({ homeId, revoked: true });
        else
          ctx.out.say(
            `Revoked the gateway secret of home ${homeId}: it gets no token until a new secret is issued.`,
          );
      }),
    );
}
