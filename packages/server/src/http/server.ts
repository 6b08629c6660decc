import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Config } from '../config.js';
import { ApiError } from './errors.js';
import { registerSecurityHeaders, setSecurityHeaders } from './headers.js';
import { registerProblemHandlers, sendProblem } from './problems.js';

const ajvOptions = {
  // Unknown fields are refused (400), never silently dropped: no mass assignment.
  removeAdditional: false,
  allErrors: true,
  useDefaults: true,
  strict: false,
} as const;
// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext resolution.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const strictAjv = addFormats(new Ajv({ ...ajvOptions, coerceTypes: false }));
const coercingAjv = addFormats(new Ajv({ ...ajvOptions, coerceTypes: 'array' }));

export type HttpServerConfig = Pick<Config, 'tls' | 'trustProxy' | 'bodyLimit' | 'logLevel'>;

/** Never logged, whoever supplies the logger options: they carry credentials. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]'];

function loggerOptions(
  config: HttpServerConfig,
  logger: FastifyServerOptions['logger'] | undefined,
): FastifyServerOptions['logger'] {
  const base = { level: config.logLevel, redact: REDACT };
  if (logger === undefined) return base;
  if (typeof logger !== 'object' || logger === null) return logger;
  const given = logger.redact;
  const paths = Array.isArray(given) ? given : (given?.paths ?? []);
  return {
    ...base,
    ...logger,
    redact: { ...(Array.isArray(given) ? {} : given), paths: [...new Set([...REDACT, ...paths])] },
  };
}

/**
 * A Fastify instance with Hearth's server-wide HTTP behaviour and no routes: strict JSON body
 * validation (unknown fields refused), JSON as the only body type (anything else is 415), the body
 * limit, problem+json for every error with the request id (also sent as x-request-id), 405 with
 * Allow, HTTPS with HSTS when the config has a certificate, and the security headers of every
 * answer (headers.ts: nosniff, framing, no-store). buildApp adds the features on top;
 * tests add their own routes to check the behaviour itself.
 */
export function createHttpServer(
  config: HttpServerConfig,
  logger?: FastifyServerOptions['logger'],
): FastifyInstance {
  const app = Fastify({
    ...(config.tls ? { https: { cert: config.tls.cert, key: config.tls.key } } : {}),
    logger: loggerOptions(config, logger),
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimit,
    genReqId: () => randomUUID(),
    // The id is ours, never a client's: a forged one could not be trusted in the logs.
    requestIdHeader: false,
    return503OnClosing: true,
    // A URL the router cannot decode (bad percent-encoding, an over-long parameter) is the client's
    // fault: problem+json like every other error, not Fastify's own JSON.
    frameworkErrors: (error, request, reply) => {
      stamp(request, reply);
      // No route matched, so no onSend hook runs: the security headers are set here instead.
      setSecurityHeaders(request, reply);
      const apiError =
        error.code === 'FST_ERR_BAD_URL'
          ? new ApiError('bad_request', 'The URL is not valid: it has a malformed percent-encoding')
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? new ApiError('bad_request', 'The URL is not valid: a path parameter in it is too long')
            : new ApiError('internal', 'Something went wrong on our side; quote the request id to support.');
      return sendProblem(request, reply, apiError);
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  // Query strings and path parameters arrive as text and are coerced to the schema's types; a JSON
  // body is already typed, so `{"limit": "5"}` or `{"name": 5}` is a 400 naming the field.
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema),
  );

  // Only JSON (and, on the OAuth endpoints, forms) is understood: anything else is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      const text = body as string;
      const parsed = parseJsonBody(text);
      // JSON can only carry U+0000 escaped: one scan of the text, and the walk only when it is there
      // (walking a 10,000-reading batch costs twice its parse; ingest is the hot path).
      if (text.includes('\\u0000')) refuseNul(nulAt(parsed, '/body'));
      done(null, parsed);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  registerProblemHandlers(app);
  // U+0000 in text is never meant, and PostgreSQL cannot store it in text at all (SQLite would):
  // refused before validation, naming where it is, so both engines answer alike and never a 500.
  // JSON bodies are checked as they are parsed (above); here the query (only when the URL holds
  // %00, its one way in) and the other bodies (CSV uploads, the OAuth forms).
  app.addHook('preValidation', async (request) => {
    if (request.url.includes('%00')) refuseNul(nulAt(request.query, '/query'));
    if (!request.headers['content-type']?.includes('json')) refuseNul(nulAt(request.body, '/body'));
  });

  // First hook of all, so every answer (redirects and version errors included) carries the id.
  app.addHook('onRequest', async (request, reply) => {
    stamp(request, reply);
  });
  registerSecurityHeaders(app);
  return app;
}

/**
 * JSON.parse, with errors a client can act on: where the syntax breaks, and which key is refused.
 * `__proto__` and `constructor.prototype` keys are refused (as Fastify's own parser does) so no
 * later merge of the body can reach an object prototype. Both steps are iterative in V8, so deep
 * nesting costs time bounded by the body limit, never a stack overflow.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) {
    throw new ApiError(
      'malformed_json',
      'The body is empty but Content-Type is application/json: send a JSON document',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError('malformed_json', `The body is not valid JSON: ${(err as Error).message}`);
  }
  // Walking the parsed tree costs as much as parsing; a body that cannot hold such a key skips it
  // (a key spelt with \u escapes is caught: any escape sends the body through the walk).
  const field = SUSPECT_KEY.test(text) ? forbiddenKey(value) : undefined;
  if (field) {
    throw new ApiError('validation_failed', `${field} is not allowed`, {
      errors: [{ field, message: 'is not allowed' }],
    });
  }
  return value;
}

const SUSPECT_KEY = /__proto__|constructor|\\u/;

/** The JSON pointer (under /body) of the first __proto__ or constructor.prototype key, if any. */
function forbiddenKey(root: unknown): string | undefined {
  const stack: Array<{ node: unknown; at: string }> = [{ node: root, at: '/body' }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node, at } = item;
    if (node === null || typeof node !== 'object') continue;
    for (const [key, child] of Object.entries(node)) {
      const path = `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (key === '__proto__') return path;
      if (key === 'constructor' && child !== null && typeof child === 'object' && 'prototype' in child) {
        return `${path}/prototype`;
      }
      if (child !== null && typeof child === 'object') stack.push({ node: child, at: path });
    }
  }
  return undefined;
}

/** The headers every response carries: its request id, and HSTS when it travels over HTTPS. */
function stamp(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000');
}

/** Refuses a request whose text holds U+0000 at `at` (a JSON pointer; undefined: nowhere). */
function refuseNul(at: string | undefined): void {
  if (at === undefined) return;
  throw new ApiError(
    'validation_failed',
    `${at} contains the NUL character (U+0000), which text may not hold`,
    {
      errors: [{ field: at, message: 'contains the NUL character (U+0000)' }],
    },
  );
}

/** The JSON pointer of the first string (value or key) holding U+0000 in a parsed body or query. */
function nulAt(value: unknown, at: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? at : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const here = `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (key.includes('\u0000')) return here;
    const found = nulAt(inner, here, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
