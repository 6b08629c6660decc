import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import {
  CreateWebhookBody,
  DeliveryListQuery,
  DeliveryViewSchema,
  UpdateWebhookBody,
  WebhookListQuery,
  WebhookViewSchema,
  WebhookWithSecretSchema,
} from './schemas.js';

const manage = { permission: 'notifications.manage' } as const;

/** /webhooks: an agent's signed HTTPS endpoints for alarm events, with their delivery logs (docs/notifications.md). */
export const webhooksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Webhooks'] });
  const { webhooks } = app.ctx.services;

  app.post(
    '/webhooks',
    {
      config: manage,
      schema: {
        summary: 'Create a webhook; the answer holds its signing secret, shown only this once',
        description:
          'Deliveries are POSTed as JSON with a Hearth-Signature header (HMAC-SHA256); see docs/notifications.md.',
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecretSchema },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(actorOf(request), request.body);
      return reply
        .code(201)
        .header('location', locationOf(request, created.view.id))
        .send(withEtag(reply, created));
    },
  );

  app.get(
    '/webhooks',
    {
      config: manage,
      schema: {
        summary: "List the agent's webhooks (never their secrets)",
        querystring: WebhookListQuery,
        response: { 200: pageOf(WebhookViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status, agentId } = request.query;
      const after = decodeCursor(cursor);
      const rows = await webhooks.list(request.scope, {
        limit,
        ...(after ? { after } : {}),
        ...(status ? { status } : {}),
        ...(agentId ? { agentId } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/webhooks/:id',
    {
      config: manage,
      schema: {
        summary: 'Read one webhook: its status, and why it was disabled',
        params: IdParams,
        response: { 200: WebhookViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await webhooks.get(request.scope, request.params.id)),
  );

  app.put(
    '/webhooks/:id',
    {
      config: manage,
      schema: {
        summary:
          'Change a webhook (the fields given); status active re-enables it and resumes pending deliveries',
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await webhooks.update(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: manage,
      schema: {
        summary: 'Delete a webhook and its delivery log (pending deliveries are not sent)',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await webhooks.delete(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/:id/secret',
    {
      config: manage,
      schema: {
        summary:
          'Rotate the signing secret: the new one signs every attempt from now on, shown only this once',
        params: IdParams,
        response: { 200: WebhookWithSecretSchema },
      },
    },
    async (request, reply) =>
      withEtag(reply, await webhooks.rotateSecret(actorOf(request), request.params.id)),
  );

  app.post(
    '/webhooks/:id/ping',
    {
      config: manage,
      schema: {
        summary: 'Queue a test delivery (type ping) to the webhook; follow it in its delivery log',
        params: IdParams,
        response: { 202: DeliveryViewSchema },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.ping(request.scope, request.params.id)),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: manage,
      schema: {
        summary: "The webhook's delivery log, newest first: status, attempts, last answer or error",
        params: IdParams,
        querystring: DeliveryListQuery,
        response: { 200: pageOf(DeliveryViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status } = request.query;
      const before = decodeCursor(cursor);
      const rows = await webhooks.deliveries(request.scope, request.params.id, {
        limit,
        ...(before ? { before } : {}),
        ...(status ? { status } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );
};
