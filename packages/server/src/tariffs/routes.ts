import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import {
  CreateTariffBody,
  HomeTariffsQuery,
  HomeTariffsViewSchema,
  SetHomeTariffsBody,
  TariffListQuery,
  TariffViewSchema,
  UpdateTariffBody,
} from './schemas.js';

const read = { permission: 'tariffs.read' } as const;
const manage = { permission: 'tariffs.manage' } as const;

/** /tariffs: an agent's unit rates, standing charges and carbon factors; /homes/{id}/tariffs: a home's. */
export const tariffsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Tariffs'] });
  const { tariffs } = app.ctx.services;

  app.post(
    '/tariffs',
    {
      config: manage,
      schema: {
        summary: 'Create a tariff (flat unitRate or time-of-use bands) for one fuel',
        description:
          'Money in minor units (pence); bands cover the local day exactly once. See docs/tariffs.md.',
        body: CreateTariffBody,
        response: { 201: TariffViewSchema },
      },
    },
    async (request, reply) => {
      const created = await tariffs.create(actorOf(request), request.body);
      return reply
        .code(201)
        .header('location', locationOf(request, created.view.id))
        .send(withEtag(reply, created));
    },
  );

  app.get(
    '/tariffs',
    {
      config: read,
      schema: {
        summary: "List the agent's tariffs (filter by fuel)",
        querystring: TariffListQuery,
        response: { 200: pageOf(TariffViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, fuel, agentId } = request.query;
      const after = decodeCursor(cursor);
      const rows = await tariffs.list(request.scope, {
        limit,
        ...(after ? { after } : {}),
        ...(fuel ? { fuel } : {}),
        ...(agentId ? { agentId } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/tariffs/:id',
    {
      config: read,
      schema: {
        summary: 'Read one tariff',
        params: IdParams,
        response: { 200: TariffViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await tariffs.get(request.scope, request.params.id)),
  );

  app.put(
    '/tariffs/:id',
    {
      config: manage,
      schema: {
        summary: 'Change a tariff (the fields given; fuel and agent never change)',
        params: IdParams,
        body: UpdateTariffBody,
        response: { 200: TariffViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await tariffs.update(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/tariffs/:id',
    {
      config: manage,
      schema: {
        summary: 'Delete a tariff (409 while a home uses it as its own)',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await tariffs.delete(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/homes/:id/tariffs',
    {
      config: read,
      schema: {
        summary: "The tariff of each fuel a home uses on a date: its own, or its agent's default",
        params: IdParams,
        querystring: HomeTariffsQuery,
        response: { 200: HomeTariffsViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(reply, await tariffs.homeTariffs(request.scope, request.params.id, request.query.date)),
  );

  app.put(
    '/homes/:id/tariffs',
    {
      config: manage,
      schema: {
        summary: "Replace a home's own tariffs (fuels not listed use the agent's default)",
        params: IdParams,
        body: SetHomeTariffsBody,
        response: { 200: HomeTariffsViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await tariffs.setHomeTariffs(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );
};
