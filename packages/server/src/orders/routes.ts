import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import {
  CreateOrderBody,
  OrderListQuery,
  OrderViewSchema,
  SubmissionResultSchema,
  UpdateOrderBody,
} from './schemas.js';

const read = { permission: 'orders.read' } as const;
const write = { permission: 'orders.write' } as const;

/** /orders: New Installation monitoring orders, and their submission. */
export const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Orders'] });
  const { orders } = app.ctx.services;

  app.post(
    '/orders',
    {
      config: write,
      schema: {
        summary: 'Create a draft New Installation monitoring order',
        description:
          'A draft may be incomplete; submission checks it is complete (422 listing every problem).',
        body: CreateOrderBody,
        response: { 201: OrderViewSchema },
      },
    },
    async (request, reply) => {
      const created = await orders.create(actorOf(request), request.body);
      return reply
        .code(201)
        .header('location', locationOf(request, created.view.id))
        .send(withEtag(reply, created));
    },
  );

  app.get(
    '/orders',
    {
      config: read,
      schema: {
        summary: 'List orders (filter by status, search by reference or postcode)',
        querystring: OrderListQuery,
        response: { 200: pageOf(OrderViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status, q } = request.query;
      const after = decodeCursor(cursor);
      const rows = await orders.list(request.scope, {
        limit,
        ...(after ? { after } : {}),
        ...(status ? { status } : {}),
        ...(q ? { q } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/orders/:id',
    {
      config: read,
      schema: {
        summary: 'Read one order',
        params: IdParams,
        response: { 200: OrderViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await orders.get(request.scope, request.params.id)),
  );

  app.put(
    '/orders/:id',
    {
      config: write,
      schema: {
        summary: 'Replace a draft order (only drafts change)',
        params: IdParams,
        body: UpdateOrderBody,
        response: { 200: OrderViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await orders.update(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/orders/:id',
    {
      config: write,
      schema: {
        summary: 'Cancel a draft order',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await orders.cancel(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/orders/:id/submission',
    {
      config: write,
      schema: {
        summary: 'Submit an order: creates its home, meters, channels and provisioning definitions',
        description:
          'In one transaction. 422 lists every problem by field path when the order is incomplete. Submitting ' +
          'again answers 200 with the same home.',
        params: IdParams,
        response: { 200: SubmissionResultSchema, 201: SubmissionResultSchema },
      },
    },
    async (request, reply) => {
      const result = await orders.submit(actorOf(request), request.params.id);
      const prefix = request.url.replace(/\/orders\/.*$/, '');
      const home = `${prefix}/homes/${result.homeId}`;
      return reply
        .code(result.created ? 201 : 200)
        .header('location', home)
        .send({ order: result.order, homeId: result.homeId, home });
    },
  );
};
