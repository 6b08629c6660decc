import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ApiError } from '../http/errors.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams } from '../http/schemas.js';
import { toCsv } from './csv.js';
import {
  LatestQuery,
  LatestSchema,
  PushBody,
  PushResultSchema,
  TelemetryAnswerSchema,
  TelemetryQuery,
} from './schemas.js';
import { MAX_READINGS_PER_REQUEST, type Writer } from './types.js';

/** The writer behind a request: a gateway's token writes for its home; a user's within their homes. */
function writerOf(request: FastifyRequest): Writer {
  const { scope } = request;
  if (scope.role === 'gateway') {
    return {
      kind: 'gateway',
      clientId: scope.clientId,
      homeId: scope.gatewayHomeId as string,
      agentId: scope.agentId as string,
    };
  }
  return { kind: 'user', scope };
}

/** The caller asked for CSV (`Accept: text/csv`). */
export const wantsCsv = (request: FastifyRequest): boolean =>
  /\btext\/csv\b/.test(request.headers.accept ?? '');

/** POST /telemetry (push), GET /homes/{id}/telemetry (series, CSV), GET /homes/{id}/telemetry/latest. */
export const telemetryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Telemetry'] });
  const { telemetry, telemetryQueries } = app.ctx.services;

  app.post(
    '/telemetry',
    {
      config: { permission: 'telemetry.write' },
      schema: {
        summary: 'Push readings (a gateway for its home; admins and editors to import)',
        description:
          `Up to ${MAX_READINGS_PER_REQUEST} readings. The answer is sent once the stored readings are durably ` +
          'committed; each refused reading is listed with its index and reason. Re-sending is safe.',
        body: PushBody,
        response: { 200: PushResultSchema },
      },
    },
    async (request) => {
      const { readings } = request.body;
      if (readings.length > MAX_READINGS_PER_REQUEST) {
        throw new ApiError(
          'payload_too_large',
          `${readings.length} readings in one request; send at most ${MAX_READINGS_PER_REQUEST} per request`,
        );
      }
      return telemetry.accept(writerOf(request), readings);
    },
  );

  app.get(
    '/homes/:id/telemetry',
    {
      config: { permission: 'telemetry.read' },
      schema: {
        summary: "A home's readings: raw or in buckets (JSON, or CSV with Accept: text/csv)",
        params: IdParams,
        querystring: TelemetryQuery,
        produces: ['application/json', 'text/csv'],
        response: {
          200: {
            description: 'the series (JSON), or with Accept: text/csv one row per point',
            content: {
              'application/json': { schema: TelemetryAnswerSchema },
              'text/csv': { schema: Type.String() },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const answer = await telemetryQueries.series(request.scope, request.params.id, request.query);
      if (wantsCsv(request)) {
        // Raw readings with their excluded ones: a column says which (the import ignores it).
        const flagged = request.query.includeExcluded === true && answer.resolution === 'raw';
        const rows: unknown[][] = [];
        for (const c of answer.channels) {
          for (const p of c.points) {
            const row: unknown[] = [c.channelId, c.key, c.unit, p.time, p.value];
            if (flagged) row.push(p.excluded === true);
            rows.push(row);
          }
        }
        const header = ['channelId', 'key', 'unit', 'time', 'value', ...(flagged ? ['excluded'] : [])];
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="telemetry-${answer.homeId}.csv"`)
          .send(toCsv(header, rows));
      }
      return answer;
    },
  );

  app.get(
    '/homes/:id/telemetry/latest',
    {
      config: { permission: 'telemetry.read' },
      schema: {
        summary: "The newest reading of each of a home's channels",
        params: IdParams,
        querystring: LatestQuery,
        response: { 200: LatestSchema },
      },
    },
    async (request) =>
      telemetryQueries.latest(request.scope, request.params.id, request.query.includeExcluded === true),
  );
};
