import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import {
  CreateSubscriptionBody,
  SubscriptionListQuery,
  SubscriptionViewSchema,
  UpdateSubscriptionBody,
} from './schemas.js';

const manage = { permission: 'notifications.manage' } as const;

/** /notification-subscriptions: who gets alarm emails, at once or as a daily digest (docs/notifications.md). */
export const notificationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Notifications'] });
  const { notifications } = app.ctx.services;

  app.post(
    '/notification-subscriptions',
    {
      config: manage,
      schema: {
        summary: 'Subscribe an email address to alarm events (immediate or a daily digest)',
        description: 'Filters by event type, severity and home group; see docs/notifications.md.',
        body: CreateSubscriptionBody,
        response: { 201: SubscriptionViewSchema },
      },
    },
    async (request, reply) => {
      const created = await notifications.create(actorOf(request), request.body);
      return reply
        .code(201)
        .header('location', locationOf(request, created.view.id))
        .send(withEtag(reply, created));
    },
  );

  app.get(
    '/notification-subscriptions',
    {
      config: manage,
      schema: {
        summary: "List the agent's email subscriptions",
        querystring: SubscriptionListQuery,
        response: { 200: pageOf(SubscriptionViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, mode, agentId } = request.query;
      const after = decodeCursor(cursor);
      const rows = await notifications.list(request.scope, {
        limit,
        ...(after ? { after } : {}),
        ...(mode ? { mode } : {}),
        ...(agentId ? { agentId } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/notification-subscriptions/:id',
    {
      config: manage,
      schema: {
        summary: 'Read one email subscription',
        params: IdParams,
        response: { 200: SubscriptionViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await notifications.get(request.scope, request.params.id)),
  );

  app.put(
    '/notification-subscriptions/:id',
    {
      config: manage,
      schema: {
        summary: 'Change an email subscription (the fields given)',
        params: IdParams,
        body: UpdateSubscriptionBody,
        response: { 200: SubscriptionViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await notifications.update(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/notification-subscriptions/:id',
    {
      config: manage,
      schema: {
        summary: 'Delete an email subscription (events waiting for its digest go with it)',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await notifications.delete(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );
};
