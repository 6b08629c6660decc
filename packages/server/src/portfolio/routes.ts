import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { withholdNonFinite } from '../analytics/finite.js';
import { routeDefaults } from '../http/route-defaults.js';
import { toCsv, wantsCsv } from '../telemetry/index.js';
import {
  PortfolioInsightQuery,
  PortfolioInsightSchema,
  PortfolioPerformanceQuery,
  PortfolioPerformanceSchema,
} from './schemas.js';

const PERFORMANCE_COLUMNS = [
  'homeId',
  'reference',
  'technology',
  'boundary',
  'heatKwh',
  'electricityKwh',
  'spf',
  'coveragePercent',
  'designSpf',
  'spfRatio',
  'flowTemperatureC',
] as const;
const INSIGHT_COLUMNS = [
  'homeId',
  'reference',
  'technology',
  'electricityKwh',
  'heatKwh',
  'gasKwh',
  'pvKwh',
] as const;

/** `Link: rel="next"` when there is a next page. */
function linkNext(request: FastifyRequest, reply: FastifyReply, nextCursor: string | null): void {
  if (!nextCursor) return;
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set('cursor', nextCursor);
  reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
}

/** Every row as CSV (RFC 4180, CRLF), whatever the page. */
function sendCsv<T extends object>(
  reply: FastifyReply,
  name: string,
  columns: readonly (keyof T & string)[],
  rows: T[],
) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="${name}.csv"`)
    .send(
      toCsv(
        [...columns],
        rows.map((row) => columns.map((c) => row[c])),
      ),
    );
}

const csvOr = <T extends ReturnType<typeof Type.Object>>(schema: T, description: string) => ({
  200: {
    description,
    content: { 'application/json': { schema }, 'text/csv': { schema: Type.String() } },
  },
});

/** GET /portfolio/performance and /portfolio/insight: league tables across an agent's homes. */
export const portfolioRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Portfolio'] });
  const { portfolio } = app.ctx.services;

  app.get(
    '/portfolio/performance',
    {
      config: { permission: 'portfolio.read' },
      schema: {
        summary: "A league table of the agent's homes by SPF, coverage and consumption",
        description:
          'Per home the SPF at its SEPEMO boundary, coverage, heat and electricity over the window, against design; ' +
          'distributions (quartiles, type 7) and the homes furthest below design. Only homes the caller may see. ' +
          'See docs/portfolio.md. Accept: text/csv gives every row of the table.',
        querystring: PortfolioPerformanceQuery,
        produces: ['application/json', 'text/csv'],
        response: csvOr(PortfolioPerformanceSchema, 'the league table (JSON), or every row as CSV'),
      },
    },
    async (request, reply) => {
      const { all, ...answer } = await portfolio.performance(request.scope, request.query);
      withholdNonFinite(all);
      withholdNonFinite(answer);
      if (wantsCsv(request)) return sendCsv(reply, 'portfolio-performance', PERFORMANCE_COLUMNS, all);
      linkNext(request, reply, answer.nextCursor);
      return answer;
    },
  );

  app.get(
    '/portfolio/insight',
    {
      config: { permission: 'portfolio.read' },
      schema: {
        summary: "Energy across the agent's homes: electricity, heat, gas and PV per home",
        description:
          'Per home the energy over the window, from the rollups, with distributions (quartiles, type 7). ' +
          'Only homes the caller may see. See docs/portfolio.md. Accept: text/csv gives every row.',
        querystring: PortfolioInsightQuery,
        produces: ['application/json', 'text/csv'],
        response: csvOr(PortfolioInsightSchema, 'energy per home (JSON), or every row as CSV'),
      },
    },
    async (request, reply) => {
      const { all, ...answer } = await portfolio.insight(request.scope, request.query);
      withholdNonFinite(all);
      withholdNonFinite(answer);
      if (wantsCsv(request)) return sendCsv(reply, 'portfolio-insight', INSIGHT_COLUMNS, all);
      linkNext(request, reply, answer.nextCursor);
      return answer;
    },
  );
};
