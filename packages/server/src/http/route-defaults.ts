import type { FastifyInstance, RouteOptions } from 'fastify';
import { ProblemSchema } from './schemas.js';

/** The security requirement of every route but the public ones: a bearer token. */
const BEARER = [{ bearer: [] }];

interface DocumentedSchema {
  hide?: boolean;
  tags?: string[];
  security?: unknown[];
  response?: Record<string, unknown>;
}

/**
 * What every route of a feature shares, stated once: its OpenAPI tag, the bearer security of a
 * route not marked `config: { public: true }`, and errors answered as problem+json ('4xx':
 * ProblemSchema, after the route's own answers). A route that states any of these keeps its own.
 * Call it first in a feature's routes plugin: the hook applies to the routes registered after it,
 * within that plugin only.
 */
export function routeDefaults(app: FastifyInstance, defaults: { tags: string[] }): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as DocumentedSchema | undefined;
    if (!schema || schema.hide) return;
    // In place: @fastify/swagger keeps this route's options and reads the schema when it serves the document.
    schema.tags ??= defaults.tags;
    if (!(route.config as { public?: boolean } | undefined)?.public) schema.security ??= BEARER;
    if (schema.response && !('4xx' in schema.response)) schema.response['4xx'] = ProblemSchema;
  });
}
