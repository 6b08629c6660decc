import { randomUUID } from 'node:crypto';
import etag from '@fastify/etag';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { apiRoutes } from './api.js';
import { oauthRoutes } from './auth/oauth-routes.js';
import type { Config } from './config.js';
import { createContext } from './context.js';
import { type Database, openDatabase } from './db/database.js';
import { registerProblemHandlers } from './http/problems.js';
import { opsRoutes } from './ops/routes.js';
import { registerVersioning } from './versioning/plugin.js';

export interface BuildOptions {
  /** An already-open database (tests share one per file); otherwise the configured one is opened and owned. */
  database?: Database;
  logger?: FastifyServerOptions['logger'];
}

/**
 * Builds the whole platform as a ready Fastify instance that does not listen: main.ts listens,
 * tests call inject() or listen on port 0.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const database = options.database ?? (await openDatabase(config));
  const app = Fastify({
    ...(config.tls ? { https: { cert: config.tls.cert, key: config.tls.key } } : {}),
    logger: options.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimit,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // 405 for a known path with another method is answered by the not-found handler (problems.ts).
    return503OnClosing: true,
    ajv: {
      customOptions: {
        // Unknown fields are refused (400), never silently dropped: no mass assignment.
        removeAdditional: false,
        allErrors: true,
        coerceTypes: 'array',
        useDefaults: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  if (!options.database) app.addHook('onClose', async () => database.close());
  app.decorate('ctx', createContext(config, database));
  app.decorateRequest('scope', null as never);

  // Only JSON (and, on the OAuth endpoints, forms) is understood: anything else is 415.
  app.removeContentTypeParser('text/plain');
  registerProblemHandlers(app);
  registerVersioning(app, config.versions);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000');
  });

  await app.register(etag);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hearth platform API',
        version: String(config.versions.current[config.versions.current.length - 1]),
        description:
          'The PassivEnergy platform API as Hearth implements it. Log in at POST /oauth/token, then send ' +
          '`Authorization: Bearer <token>`. Errors are RFC 9457 problem documents; see /errors.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'access token from POST /oauth/token' },
          oauth2: {
            type: 'oauth2',
            flows: { password: { tokenUrl: '/oauth/token', scopes: { api: 'the API' } } },
          },
        },
      },
    },
  });

  await app.register(oauthRoutes);
  await app.register(opsRoutes);
  for (const version of config.versions.current) {
    await app.register(apiRoutes, { prefix: `/api/v/${version}` });
  }
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.ready();
  return app;
}
