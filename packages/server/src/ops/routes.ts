import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { STORAGE_RETRY_SECONDS } from '../db/storage-faults.js';
import { errorCatalogue, problemType } from '../http/errors.js';

/**
 * Liveness, readiness, Prometheus metrics and the page that documents every error code. Called on
 * the root instance, not registered as a plugin: a plugin's hooks stay inside it, and the metrics
 * hook must see every request of the server.
 */
export function registerOpsRoutes(app: FastifyInstance): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'hearth_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'hearth_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in paths would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: reply.statusCode });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    // A write answered with success: whatever storage fault was seen before has passed.
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) {
      app.ctx.database.storage.recovered();
    }
  });

  const hidden = { schema: { hide: true } };
  app.get('/healthz', hidden, async () => ({ status: 'ok' }));

  app.get('/readyz', hidden, async (request, reply) => {
    const { database } = app.ctx;
    try {
      await database.ping();
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      const fault = database.storage.record(err);
      return reply.code(503).send({
        status: 'unavailable',
        database: database.dialect,
        ...(fault ? { storage: fault.kind } : {}),
      });
    }
    // The database answers, but writes failed lately (a full disk still answers reads).
    const fault = database.storage.current();
    if (fault) {
      return reply
        .code(503)
        .header('retry-after', String(STORAGE_RETRY_SECONDS))
        .send({
          status: 'unavailable',
          database: database.dialect,
          storage: fault.kind,
          detail: `Writes are failing since ${new Date(fault.since).toISOString()}: ${fault.message}`,
        });
    }
    return { status: 'ready', database: database.dialect };
  });

  app.get('/metrics', hidden, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  app.get('/errors', hidden, async (_request, reply) => {
    const rows = Object.entries(errorCatalogue)
      .map(([code, e]) => {
        const anchor = problemType(code as keyof typeof errorCatalogue).split('#')[1];
        return `<tr id="${anchor}"><td><code>${code}</code></td><td>${e.status}</td><td>${e.title}</td></tr>`;
      })
      .join('\n');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hearth API errors</title></head><body>` +
          `<h1>Hearth API errors</h1><p>Every error is an RFC 9457 problem document; <code>code</code> is one of:</p>` +
          `<table><tr><th>code</th><th>status</th><th>meaning</th></tr>\n${rows}</table></body></html>`,
      );
  });
}
