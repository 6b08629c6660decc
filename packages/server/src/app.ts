import cors from '@fastify/cors';
import etag from '@fastify/etag';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { apiRoutes } from './api.js';
import { oauthRoutes } from './auth/index.js';
import type { Config } from './config.js';
import { consoleRoutes } from './console/routes.js';
import { createContext } from './context.js';
import { type Database, openDatabase } from './db/database.js';
import { corsOptions } from './http/cors.js';
import { createHttpServer } from './http/server.js';
import { registerAcceptPage } from './invitations/index.js';
import { registerOpsRoutes } from './ops/routes.js';
import { registerResetPage } from './password-resets/index.js';
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
  try {
    return await assemble(config, database, options);
  } catch (err) {
    // A server that fails to start must not leave its database pool open behind it.
    if (!options.database) await database.close();
    throw err;
  }
}

async function assemble(config: Config, database: Database, options: BuildOptions): Promise<FastifyInstance> {
  const app = createHttpServer(config, options.logger);

  app.decorate('ctx', createContext(config, database, app.log));
  app.decorateRequest('scope', null as never);

  // Before versioning: its 301 and 410 answers need CORS headers for a browser app to read them.
  if (config.corsOrigins.length > 0) await app.register(cors, corsOptions(config.corsOrigins));
  registerVersioning(app, config.versions);

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
  registerOpsRoutes(app);
  for (const version of config.versions.current) {
    await app.register(apiRoutes, { prefix: `/api/v/${version}` });
  }
  await app.register(swaggerUi, { routePrefix: '/docs' });
  registerAcceptPage(app, `/api/v/${config.versions.current.at(-1)}`);
  registerResetPage(app, `/api/v/${config.versions.current.at(-1)}`);
  if (config.console) await app.register(consoleRoutes, { dir: config.console.dir });

  // The mail worker delivers the outbox for as long as the app runs.
  // The AMR service collects readings (take-up of provisioning, polls, MQTT) likewise.
  // The fault evaluator judges homes as readings arrive and on a schedule.
  // The notifications worker delivers webhooks and daily digests likewise.
  const { mail, amr, faultEvaluator, notifications, passwordResets } = app.ctx.services;
  app.addHook('onReady', async () => {
    mail.start();
    await amr.start();
    faultEvaluator.start();
    notifications.start();
  });
  app.addHook('onClose', async () => {
    // The workers first: they must not start a pass on a closed database. Reset requests answered
    // already queue their emails before the mail worker stops.
    await passwordResets.stop();
    await Promise.all([mail.stop(), amr.stop(), faultEvaluator.stop(), notifications.stop()]);
    if (!options.database) await database.close();
  });

  await app.ready();
  return app;
}
