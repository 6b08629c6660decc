import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { withholdNonFinite } from '../analytics/finite.js';
import { ApiError } from '../http/errors.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams } from '../http/schemas.js';
import { monthlyReportHtml } from './html.js';
import { MonthlyReportQuery, MonthlyReportSchema } from './schemas.js';

const OFFERED = ['application/json', 'text/html'] as const;
type Offered = (typeof OFFERED)[number];

/**
 * The representation the caller's Accept prefers (RFC 9110 §12.5.1: the highest q, a specific type
 * over a range); JSON when there is no Accept or it allows anything, as every other route answers.
 * Null: neither is acceptable.
 */
export function negotiate(request: FastifyRequest): Offered | null {
  const header = request.headers.accept;
  if (!header || header.trim() === '') return 'application/json';
  let best: { type: Offered; q: number; specificity: number } | null = null;
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    const [type, subtype] = range.trim().split('/');
    for (const offered of OFFERED) {
      const [ot, os] = offered.split('/');
      const specificity =
        type === ot && subtype === os ? 2 : type === ot && subtype === '*' ? 1 : type === '*' ? 0 : -1;
      if (specificity < 0) continue;
      if (
        !best ||
        q > best.q ||
        (q === best.q && specificity > best.specificity) ||
        // Equal preference: JSON, as the other routes default to.
        (q === best.q &&
          specificity === best.specificity &&
          offered === 'application/json' &&
          best.type !== offered)
      )
        best = { type: offered, q, specificity };
    }
  }
  return best?.type ?? null;
}

/** GET /homes/{id}/reports/monthly: a home's month as a document (JSON, or HTML to print). */
export const reportsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Reports'] });
  const { reports } = app.ctx.services;

  app.get(
    '/homes/:id/reports/monthly',
    {
      config: { permission: 'performance.read' },
      schema: {
        summary: "A home's monthly performance report (JSON, or a printable HTML page)",
        description:
          'The local month’s figures from GET /homes/{id}/performance (SPF, COP per week or day, coverage and quality, ' +
          'flow temperature, starts, Carnot, design) and GET /homes/{id}/insight (energy, cost, carbon, degree days, ' +
          'weather-normalised expectation, last year), with the home’s reference, address and installation (never the ' +
          'occupant) and the data quality of each meter (coverage, gaps). Accept: text/html gives a self-contained A4 ' +
          'print view; application/json (the default) the document. See docs/reports.md.',
        params: IdParams,
        querystring: MonthlyReportQuery,
        produces: ['application/json', 'text/html'],
        response: {
          200: {
            description: 'the report as JSON, or with Accept: text/html as a printable page',
            content: {
              'application/json': { schema: MonthlyReportSchema },
              'text/html': { schema: Type.String() },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const type = negotiate(request);
      if (type === null)
        throw new ApiError(
          'not_acceptable',
          'The monthly report is available as application/json or text/html; send one of them in Accept',
        );
      const report = await reports.monthly(request.scope, request.params.id, request.query);
      withholdNonFinite(report);
      reply.header('Vary', 'Accept');
      if (type === 'text/html')
        return reply
          .type('text/html; charset=utf-8')
          .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
          .header('Content-Disposition', `inline; filename="report-${report.home.id}-${report.month}.html"`)
          .send(monthlyReportHtml(report));
      return report;
    },
  );
};
