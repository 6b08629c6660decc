import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import {
  CreateIntegrationClientBody,
  IntegrationClientListQuery,
  IntegrationClientViewSchema,
  IntegrationClientWithSecretSchema,
} from './schemas.js';

const manage = { permission: 'integration-clients.manage' } as const;

/**
 * /integration-clients: the OAuth2 clients (client_credentials) an agent's admin creates for
 * scripts, BI tools and partners. Answers holding a secret are never cached (Cache-Control: no-store,
 * as every answer here: http/headers.ts).
 */
export const integrationClientsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Integration clients'] });
  const { integrationClients } = app.ctx.services;

  app.post(
    '/integration-clients',
    {
      config: manage,
      schema: {
        summary: 'Create an integration client; the answer holds its secret, shown only this once',
        description:
          'Get tokens with POST /oauth/token, grant_type=client_credentials, authenticated by the clientId and ' +
          'clientSecret (HTTP Basic). 409 when the agent has a client of that name.',
        body: CreateIntegrationClientBody,
        response: { 201: IntegrationClientWithSecretSchema },
      },
    },
    async (request, reply) => {
      const created = await integrationClients.create(actorOf(request), request.body);
      return reply
        .code(201)
        .header('location', locationOf(request, created.view.id))
        .header('cache-control', 'no-store')
        .send(withEtag(reply, created));
    },
  );

  app.get(
    '/integration-clients',
    {
      config: manage,
      schema: {
        summary: "List the agent's integration clients (never their secrets)",
        querystring: IntegrationClientListQuery,
        response: { 200: pageOf(IntegrationClientViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, access } = request.query;
      const after = decodeCursor(cursor);
      const rows = await integrationClients.list(request.scope, {
        limit,
        ...(after ? { after } : {}),
        ...(access ? { access } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/integration-clients/:id',
    {
      config: manage,
      schema: {
        summary: 'Read one integration client: its access, when its secret was issued and last used',
        params: IdParams,
        response: { 200: IntegrationClientViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await integrationClients.get(request.scope, request.params.id)),
  );

  app.post(
    '/integration-clients/:id/secret',
    {
      config: manage,
      schema: {
        summary: 'Rotate the secret: a new one, shown once; the old one and its tokens stop working at once',
        params: IdParams,
        response: { 200: IntegrationClientWithSecretSchema },
      },
    },
    async (request, reply) => {
      const rotated = await integrationClients.rotateSecret(
        actorOf(request),
        request.params.id,
        ifMatchOf(request),
      );
      return reply.header('cache-control', 'no-store').send(withEtag(reply, rotated));
    },
  );

  app.delete(
    '/integration-clients/:id',
    {
      config: manage,
      schema: {
        summary: 'Delete an integration client: its secret and every token it holds stop working at once',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await integrationClients.delete(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );
};
