import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { ifMatchOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import { GatewaySecretSchema, GatewayViewSchema } from './schemas.js';

/** /homes/{id}/gateway: the OAuth2 client a home's gateway sends readings with, and its secret. */
export const gatewaysRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Gateways'] });
  const { gateways } = app.ctx.services;

  app.get(
    '/homes/:id/gateway',
    {
      config: { permission: 'homes.read' },
      schema: {
        summary: "A home's gateway: its client id, state, token URL and MQTT topics (never the secret)",
        params: IdParams,
        response: { 200: GatewayViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await gateways.get(request.scope, request.params.id)),
  );

  app.post(
    '/homes/:id/gateway/secret',
    {
      config: { permission: 'gateways.manage' },
      schema: {
        summary: 'Issue a new gateway secret, shown once; the previous one and its tokens stop working',
        description: '409 when the home is decommissioned.',
        params: IdParams,
        response: { 201: GatewaySecretSchema },
      },
    },
    async (request, reply) => {
      const issued = await gateways.issueSecret(actorOf(request), request.params.id, ifMatchOf(request));
      // The answer holds a credential: no cache may keep it (RFC 9111 §5.2.2.5).
      return reply.code(201).header('cache-control', 'no-store').send(withEtag(reply, issued));
    },
  );

  app.delete(
    '/homes/:id/gateway/secret',
    {
      config: { permission: 'gateways.manage' },
      schema: {
        summary: "Revoke the gateway's secret and every token it holds",
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await gateways.revokeSecret(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );
};
