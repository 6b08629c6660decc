import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import { MeterSpecSchema } from './description.js';
import {
  HomeListQuery,
  HomeSummarySchema,
  HomeViewSchema,
  MeterViewSchema,
  UpdateHomeBody,
} from './schemas.js';

/** /homes: what submitted orders created, seen within the agent and the caller's home groups. */
export const homesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Homes'] });
  const { homes } = app.ctx.services;

  app.get(
    '/homes',
    {
      config: { permission: 'homes.read' },
      schema: {
        summary: 'List the homes you may see (filters, search, paging)',
        querystring: HomeListQuery,
        response: { 200: pageOf(HomeSummarySchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status, postcode, technology, groupId, q, hasActiveAlarms } = request.query;
      const after = decodeCursor(cursor);
      const rows = await homes.list(request.scope, {
        limit,
        ...(after ? { after } : {}),
        ...(status ? { status } : {}),
        ...(postcode ? { postcode } : {}),
        ...(technology ? { technology } : {}),
        ...(groupId ? { groupId } : {}),
        ...(q ? { q } : {}),
        ...(hasActiveAlarms !== undefined ? { hasActiveAlarms } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/homes/:id',
    {
      config: { permission: 'homes.read' },
      schema: {
        summary: 'Read one home with its meters, channels, groups and provisioning summary',
        params: IdParams,
        response: { 200: HomeViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await homes.get(request.scope, request.params.id)),
  );

  app.get(
    '/homes/:id/meters',
    {
      config: { permission: 'homes.read' },
      schema: {
        summary: "A home's meters and their channels (the ids readings are sent for)",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(MeterViewSchema) }) },
      },
    },
    async (request) => ({ items: await homes.meters(request.scope, request.params.id) }),
  );

  app.post(
    '/homes/:id/meters',
    {
      config: { permission: 'homes.write' },
      schema: {
        summary: 'Add a meter to an installed home (fitted later, or a replacement under a new serial)',
        description:
          'The same fields as a meter of an order; 422 lists its problems; serials are unique within a home.',
        params: IdParams,
        body: MeterSpecSchema,
        response: { 201: MeterViewSchema },
      },
    },
    async (request, reply) => {
      const meter = await homes.addMeter(actorOf(request), request.params.id, request.body);
      return reply.code(201).send(meter);
    },
  );

  app.put(
    '/homes/:id',
    {
      config: { permission: 'homes.write' },
      schema: {
        summary:
          'Edit what may change after installation: reference, occupant, address, design figures, groups',
        description: 'Each object given replaces the previous one as a whole. groupIds: admins only.',
        params: IdParams,
        body: UpdateHomeBody,
        response: { 200: HomeViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await homes.update(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/homes/:id',
    {
      config: { permission: 'homes.manage' },
      schema: {
        summary: 'Decommission a home: collection stops, its history stays readable',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await homes.decommission(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/homes/:id/occupant-erasure',
    {
      config: { permission: 'homes.manage' },
      schema: {
        summary: "Erase the occupant's personal data for good (the home and its telemetry stay)",
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await homes.eraseOccupant(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
