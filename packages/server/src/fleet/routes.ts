import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { routeDefaults } from '../http/route-defaults.js';
import { FleetAnswerSchema, FleetQuery } from './schemas.js';

/** GET /fleet: the console's fleet table, filtered, counted, sorted and paged on the server. */
export const fleetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Fleet'] });
  const { fleet } = app.ctx.services;

  app.get(
    '/fleet',
    {
      config: { permission: 'homes.read' },
      schema: {
        summary: 'The homes you may see as a table: connection, active alarms, SPF over the last 30 days',
        description:
          'Filters (q, connection, technology, groupId, manufacturer, model, hasActiveAlarms), a sort with nulls ' +
          'last in both orders, and paging; counts by connection and the filters’ facets. See docs/fleet.md.',
        querystring: FleetQuery,
        response: { 200: FleetAnswerSchema },
      },
    },
    async (request) => fleet.page(request.scope, request.query),
  );
};
