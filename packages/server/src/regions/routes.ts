import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { ApiError } from '../http/errors.js';
import { withEtag } from '../http/etag.js';
import { ifMatchOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { toCsv, wantsCsv } from '../telemetry/index.js';
import {
  ImportResultSchema,
  IntensityQuery,
  IntensitySeriesSchema,
  RegionListSchema,
  RegionParams,
  WeatherQuery,
  WeatherSeriesSchema,
} from './schemas.js';

const read = { permission: 'regions.read' } as const;
const manage = { permission: 'regions.manage' } as const;

/**
 * A series upload may exceed the general body limit: a year of half hours is 17,520 lines (about
 * 500 KB), and several years go in one file. 8 MiB is some fifteen years of half hours.
 */
export const SERIES_BODY_LIMIT = 8 * 1024 * 1024;

const csvBody = (what: string) => ({
  description: what,
  content: { 'text/csv': { schema: Type.String() } },
});

const csvOrJson = (schema: TSchema, what: string) => ({
  description: `${what} (JSON), or with Accept: text/csv the same CSV an upload takes`,
  content: { 'application/json': { schema }, 'text/csv': { schema: Type.String() } },
});

/** The CSV body of an upload; any other content type is 415 (JSON is parsed, but not taken here). */
function csvOf(request: FastifyRequest): string {
  if (typeof request.body !== 'string') {
    throw new ApiError('unsupported_media_type', 'Send the series as Content-Type: text/csv');
  }
  return request.body;
}

/** /regions: the platform's regional weather and carbon intensity series (docs/insight.md). */
export const regionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Regions'] });
  const { regions } = app.ctx.services;
  const bodyLimit = Math.max(app.ctx.config.bodyLimit, SERIES_BODY_LIMIT);
  // Only here: CSV bodies are understood by the series uploads and nowhere else.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit }, (_request, body, done) =>
    done(null, body),
  );

  app.get(
    '/regions',
    {
      config: read,
      schema: {
        summary: 'List the regions and the series loaded for each (first and last day or half hour)',
        response: { 200: RegionListSchema },
      },
    },
    async () => ({ items: await regions.list() }),
  );

  app.put(
    '/regions/:id/weather',
    {
      config: manage,
      bodyLimit,
      schema: {
        summary: "Load a region's daily mean outdoor temperatures (CSV date,mean_c), all or nothing",
        description:
          'Adds to the series; a date given again takes the new mean. Every bad line is listed (400, errors[].field = "line N") and nothing is stored. If-Match takes the ETag of the region’s GETs. See docs/insight.md.',
        params: RegionParams,
        body: csvBody('date,mean_c: a local date (YYYY-MM-DD) and its mean outdoor temperature in °C'),
        response: { 200: ImportResultSchema },
      },
    },
    async (request, reply) =>
      withEtag(reply, await regions.putWeather(request.params.id, csvOf(request), ifMatchOf(request))),
  );

  app.get(
    '/regions/:id/weather',
    {
      config: read,
      schema: {
        summary: "A region's daily mean outdoor temperatures and degree days (JSON or CSV)",
        params: RegionParams,
        querystring: WeatherQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: csvOrJson(WeatherSeriesSchema, 'the daily means') },
      },
    },
    async (request, reply) => {
      const series = withEtag(reply, await regions.getWeather(request.params.id, request.query));
      if (!wantsCsv(request)) return series;
      return reply.type('text/csv; charset=utf-8').send(
        toCsv(
          ['date', 'mean_c'],
          series.items.map((d) => [d.date, d.meanC]),
        ),
      );
    },
  );

  app.put(
    '/regions/:id/carbon-intensity',
    {
      config: manage,
      bodyLimit,
      schema: {
        summary: "Load a region's half-hourly grid carbon intensity (CSV time,g_per_kwh), all or nothing",
        description:
          'Adds to the series; a half hour given again takes the new value. Every bad line is listed (400, errors[].field = "line N") and nothing is stored. If-Match takes the ETag of the region’s GETs. See docs/tariffs.md.',
        params: RegionParams,
        body: csvBody(
          'time,g_per_kwh: the start of a half hour (RFC 3339 with a zone) and gCO2e/kWh (0-2000)',
        ),
        response: { 200: ImportResultSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await regions.putCarbonIntensity(request.params.id, csvOf(request), ifMatchOf(request)),
      ),
  );

  app.get(
    '/regions/:id/carbon-intensity',
    {
      config: read,
      schema: {
        summary: "A region's half-hourly grid carbon intensity (JSON or CSV)",
        params: RegionParams,
        querystring: IntensityQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: csvOrJson(IntensitySeriesSchema, 'the half hours') },
      },
    },
    async (request, reply) => {
      const series = withEtag(reply, await regions.getCarbonIntensity(request.params.id, request.query));
      if (!wantsCsv(request)) return series;
      return reply.type('text/csv; charset=utf-8').send(
        toCsv(
          ['time', 'g_per_kwh'],
          series.items.map((p) => [p.time, p.gPerKwh]),
        ),
      );
    },
  );
};
