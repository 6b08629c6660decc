import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { withholdNonFinite } from '../analytics/finite.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams } from '../http/schemas.js';
import { toCsv, wantsCsv } from '../telemetry/index.js';
import { InsightAnswerSchema, InsightQuery } from './schemas.js';

/** The periods table as CSV columns (units in the names, as in JSON). */
const CSV_HEADER = [
  'start',
  'end',
  'electricityKwh',
  'heatKwh',
  'gasKwh',
  'pvKwh',
  'costTotal',
  'currency',
  'carbonKg',
  'degreeDays',
  'expectedKwh',
  'lastYearElectricityKwh',
  'lastYearHeatKwh',
  'lastYearGasKwh',
  'lastYearDegreeDays',
  'lastYearWeatherAdjustedKwh',
];

/** GET /homes/{id}/insight: energy, cost, carbon and degree days per local period. */
export const insightRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Insight'] });
  const { insights } = app.ctx.services;

  app.get(
    '/homes/:id/insight',
    {
      config: { permission: 'insight.read' },
      schema: {
        summary: "A home's energy, cost, carbon and degree days per period, with last year",
        description:
          'Per local period: electricity, heat, gas and PV energy; cost on the home’s tariffs (GET /homes/{id}/tariffs); ' +
          'carbon (electricity at the region’s half-hourly intensity where loaded); heating degree days (base 15.5 °C) from the outdoor sensor, else the home’s region’s weather; the consumption the home’s energy ' +
          'signature expects; the same period last year. See docs/insight.md. Accept: text/csv gives the periods table.',
        params: IdParams,
        querystring: InsightQuery,
        produces: ['application/json', 'text/csv'],
        response: {
          200: {
            description: 'the insight (JSON), or with Accept: text/csv one row per period',
            content: {
              'application/json': { schema: InsightAnswerSchema },
              'text/csv': { schema: Type.String() },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const answer = await insights.homeInsight(request.scope, request.params.id, request.query);
      withholdNonFinite(answer);
      if (wantsCsv(request)) {
        const rows = answer.periods.map((p) => [
          p.start,
          p.end,
          p.electricityKwh,
          p.heatKwh,
          p.gasKwh,
          p.pvKwh,
          p.cost.total,
          p.cost.currency,
          p.carbonKg,
          p.degreeDays?.value,
          p.expectedKwh,
          p.lastYear?.electricityKwh,
          p.lastYear?.heatKwh,
          p.lastYear?.gasKwh,
          p.lastYear?.degreeDays?.value,
          p.lastYear?.weatherAdjustedKwh,
        ]);
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="insight-${answer.homeId}.csv"`)
          .send(toCsv(CSV_HEADER, rows));
      }
      return answer;
    },
  );
};
