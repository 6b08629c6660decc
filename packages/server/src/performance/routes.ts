import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams } from '../http/schemas.js';
import { toCsv, wantsCsv } from '../telemetry/index.js';
import { PerformanceAnswerSchema, PerformanceQuery } from './schemas.js';

/** The periods table as CSV columns (units in the names, as in JSON). */
const CSV_HEADER = [
  'start',
  'end',
  'heatKwh',
  'electricityKwh',
  'cop',
  'coveragePercent',
  'hoursWithData',
  'hours',
  'qualityOk',
  'qualityReasons',
  // The split (appended, so readers of the columns above keep working).
  'spaceHeatingHeatKwh',
  'spaceHeatingElectricityKwh',
  'spaceHeatingCop',
  'hotWaterHeatKwh',
  'hotWaterElectricityKwh',
  'hotWaterCop',
  'runningHeatKwh',
  'runningElectricityKwh',
  'runningCop',
  'runningHours',
  'splitCoveragePercent',
];

/** GET /homes/{id}/performance: COP per period, SPF at a SEPEMO boundary, against the design. */
export const performanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Performance'] });
  const { performance } = app.ctx.services;

  app.get(
    '/homes/:id/performance',
    {
      config: { permission: 'performance.read' },
      schema: {
        summary: "A home's heat pump performance: COP per period, SPF, coverage, against design",
        description:
          'COP per local period and SPF over the window as Σheat / Σelectricity at a SEPEMO boundary (H1–H4) ' +
          'the meters support, with data coverage and a refusal (quality) when it is too low; % of Carnot, ' +
          'heat-weighted flow temperature, compressor starts, defrost, design comparison; a split into space heating, hot water (by a hot_water_mode channel) and running-only COP. See docs/performance.md. ' +
          'Accept: text/csv gives the periods table.',
        params: IdParams,
        querystring: PerformanceQuery,
        produces: ['application/json', 'text/csv'],
        response: {
          200: {
            description: 'the performance (JSON), or with Accept: text/csv one row per period',
            content: {
              'application/json': { schema: PerformanceAnswerSchema },
              'text/csv': { schema: Type.String() },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const answer = await performance.homePerformance(request.scope, request.params.id, request.query);
      if (wantsCsv(request)) {
        const rows = answer.periods.map((p) => [
          p.start,
          p.end,
          p.heatKwh,
          p.electricityKwh,
          p.cop,
          p.coverage.percent,
          p.coverage.hoursWithData,
          p.coverage.hours,
          p.quality.ok,
          p.quality.reasons.map((r) => r.code).join(';'),
          p.split.spaceHeating?.heatKwh ?? null,
          p.split.spaceHeating?.electricityKwh ?? null,
          p.split.spaceHeating?.cop ?? null,
          p.split.hotWater?.heatKwh ?? null,
          p.split.hotWater?.electricityKwh ?? null,
          p.split.hotWater?.cop ?? null,
          p.split.running?.heatKwh ?? null,
          p.split.running?.electricityKwh ?? null,
          p.split.running?.cop ?? null,
          p.split.running?.hours ?? null,
          p.split.coveragePercent,
        ]);
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="performance-${answer.homeId}.csv"`)
          .send(toCsv(CSV_HEADER, rows));
      }
      return answer;
    },
  );
};
