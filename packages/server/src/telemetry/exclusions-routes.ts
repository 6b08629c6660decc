import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { etagOf, withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import { CreateExclusionBody, ExclusionListQuery, ExclusionParams, ExclusionViewSchema } from './schemas.js';

/** /homes/{id}/telemetry/exclusions: readings left out of rollups, queries and analytics. */
export const exclusionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Telemetry'] });
  const exclusions = app.ctx.services.exclusions;

  app.get(
    '/homes/:id/telemetry/exclusions',
    {
      config: { permission: 'telemetry.read' },
      schema: {
        summary: "A home's exclusions of readings, oldest first; ?channelId= for one channel's",
        params: IdParams,
        querystring: ExclusionListQuery,
        response: { 200: pageOf(ExclusionViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, channelId } = request.query;
      const after = decodeCursor(cursor);
      const rows = await exclusions.list(request.scope, request.params.id, {
        limit,
        ...(after ? { after } : {}),
        ...(channelId ? { channelId } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/homes/:id/telemetry/exclusions/:exclusionId',
    {
      config: { permission: 'telemetry.read' },
      schema: {
        summary: 'One exclusion of readings',
        params: ExclusionParams,
        response: { 200: ExclusionViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(reply, await exclusions.get(request.scope, request.params.id, request.params.exclusionId)),
  );

  app.post(
    '/homes/:id/telemetry/exclusions',
    {
      config: { permission: 'telemetry.exclude' },
      schema: {
        summary: "Exclude a channel's readings over [from, to) (they stay stored)",
        description:
          'The readings leave rollups, queries (unless includeExcluded=true), analytics and fault rules; ' +
          'the buckets they touch are recomputed before the answer. 201 with Location; the same channel ' +
          'and range again answers 200 with the existing exclusion (409 with another reason).',
        params: IdParams,
        body: CreateExclusionBody,
        response: { 200: ExclusionViewSchema, 201: ExclusionViewSchema },
      },
    },
    async (request, reply) => {
      const result = await exclusions.create(actorOf(request), request.params.id, request.body);
      const location = locationOf(request, result.view.id);
      return reply
        .code(result.created ? 201 : 200)
        .header(result.created ? 'location' : 'content-location', location)
        .header('etag', etagOf(result.revision))
        .send(result.view);
    },
  );

  app.delete(
    '/homes/:id/telemetry/exclusions/:exclusionId',
    {
      config: { permission: 'telemetry.exclude' },
      schema: {
        summary: 'Remove an exclusion: its readings count again, exactly as before',
        params: ExclusionParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await exclusions.delete(
        actorOf(request),
        request.params.id,
        request.params.exclusionId,
        ifMatchOf(request),
      );
      return reply.code(204).send(null);
    },
  );
};
