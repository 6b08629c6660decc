import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CONSOLE_CLIENT_ID } from '../config.js';
import { STORAGE_RETRY_SECONDS } from '../db/storage-faults.js';
import {
  CONSOLE_REFRESH_COOKIE,
  clearRefreshCookie,
  refreshCookieOf,
  requireSameOrigin,
  setRefreshCookie,
} from './console-session.js';
import { type AuthenticatedClient, OAuthError, type TokenResponse } from './service.js';

const TokenRequest = Type.Object(
  {
    grant_type: Type.String({
      description: 'password or refresh_token; client_credentials for a home gateway',
    }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    refresh_token: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String({ description: 'space-separated; only "api" exists today' })),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
  },
  // RFC 6749 §3.2: unrecognised parameters are ignored, not refused.
  { additionalProperties: Type.Unknown() },
);

const TokenResponseSchema = Type.Object({
  token_type: Type.Literal('Bearer'),
  access_token: Type.String({ description: '8-4-4-4-12 hex, 128 random bits' }),
  expires_in: Type.Integer({ description: 'seconds until the access token expires' }),
  refresh_token: Type.Optional(Type.String()),
  scope: Type.String(),
});

const RevokeRequest = Type.Object(
  {
    token: Type.String(),
    token_type_hint: Type.Optional(Type.String({ description: 'access_token or refresh_token (optional)' })),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
  },
  { additionalProperties: Type.Unknown() },
);

const OAuthErrorSchema = Type.Object({ error: Type.String(), error_description: Type.String() });

/**
 * Every parameter must be one string: RFC 6749 §3.2 forbids repeating a parameter, and says one
 * sent without a value is treated as if it were omitted.
 */
function stringParams(body: unknown): Record<string, string> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError(
      'invalid_request',
      'Send the parameters as an application/x-www-form-urlencoded body',
    );
  }
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `The ${key} parameter is repeated`);
    if (typeof value !== 'string')
      throw new OAuthError('invalid_request', `The ${key} parameter must be a string`);
    if (value !== '') params[key] = value;
  }
  return params;
}

function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send({ error: error.error, error_description: error.description });
}

/**
 * The OAuth2 endpoints (RFC 6749 §3.2, §4.3, §4.4, §5, §6; RFC 7009), outside the versioned API as the
 * seed puts them. Errors use RFC 6749's format, not problem+json.
 */
export async function oauthRoutes(app: FastifyInstance): Promise<void> {
  const { auth } = app.ctx.services;
  await app.register(formbody, { bodyLimit: 16_384 });
  // Only the OAuth endpoints read cookies (the console's refresh cookie has Path=/oauth).
  await app.register(cookie);

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('pragma', 'no-cache');
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof OAuthError) return sendOAuthError(reply, error);
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendOAuthError(
        reply,
        new OAuthError('invalid_request', 'Send the parameters as an application/x-www-form-urlencoded body'),
      );
    }
    if ((error.statusCode ?? 500) < 500) {
      // A repeated form parameter arrives as an array and fails its schema: say what happened.
      const body = request.body as Record<string, unknown> | undefined;
      const repeated =
        body && typeof body === 'object' && Object.keys(body).find((k) => Array.isArray(body[k]));
      const description = repeated ? `The ${repeated} parameter is repeated` : error.message;
      return sendOAuthError(reply, new OAuthError('invalid_request', description));
    }
    const storage = app.ctx.database.storage.record(error);
    if (storage) {
      // RFC 6749 names temporarily_unavailable for the authorization endpoint; the token endpoint
      // answers it the same way, with the HTTP 503 and Retry-After a client backs off on.
      request.log.error({ err: error }, 'token endpoint: storage fault');
      return reply
        .code(503)
        .header('retry-after', String(STORAGE_RETRY_SECONDS))
        .send({
          error: 'temporarily_unavailable',
          error_description: `Cannot log in now: ${storage.message}. Try again later.`,
        });
    }
    request.log.error({ err: error }, 'token endpoint failed');
    return reply
      .code(500)
      .send({ error: 'server_error', error_description: 'Internal error; try again later' });
  });

  app.post(
    '/oauth/token',
    {
      schema: {
        tags: ['OAuth2'],
        summary: 'Log in (password grant), refresh a token, or get a gateway token (client_credentials)',
        description:
          'RFC 6749 token endpoint. Authenticate the client with HTTP Basic (default client trusted:secret). ' +
          "A home's gateway authenticates with its client id and secret and uses client_credentials. " +
          'The web console uses the built-in public client console (client_id=console, no secret): its ' +
          'refresh token is set in the HttpOnly cookie hearth_console_refresh (Path=/oauth) instead of the ' +
          'JSON, and a refresh without refresh_token uses that cookie. ' +
          'Form-encoded body per the RFC; a JSON body is also accepted.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenRequest,
        response: { 200: TokenResponseSchema, '4xx': OAuthErrorSchema },
      },
    },
    async (request, reply) => {
      const params = stringParams(request.body);
      if (!params.grant_type) throw new OAuthError('invalid_request', 'The grant_type parameter is required');
      const client = await auth.authenticateClient(request.headers.authorization, params);
      reply.header('content-type', 'application/json; charset=utf-8');
      if (client.id === CONSOLE_CLIENT_ID) return consoleTokenRequest(request, reply, client, params);
      return grant(client, params, request.ip);
    },
  );

  function grant(
    client: AuthenticatedClient,
    params: Record<string, string>,
    address: string,
  ): Promise<TokenResponse> {
    switch (params.grant_type) {
      case 'password':
        return auth.passwordGrant(client, params, address);
      case 'refresh_token':
        return auth.refreshGrant(client, params);
      case 'client_credentials':
        return auth.clientCredentialsGrant(client, params);
      default:
        throw new OAuthError(
          'unsupported_grant_type',
          `grant_type "${params.grant_type}" is not supported; use password, refresh_token or client_credentials`,
        );
    }
  }

  /**
   * The web console's token requests: the refresh token goes into the HttpOnly cookie instead of
   * the JSON, and a refresh without a refresh_token parameter takes the cookie's. A refused
   * refresh clears the cookie, so the browser stops sending a token that will never work again.
   */
  async function consoleTokenRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    client: AuthenticatedClient,
    params: Record<string, string>,
  ): Promise<Omit<TokenResponse, 'refresh_token'> | FastifyReply> {
    requireSameOrigin(request);
    if (params.grant_type === 'refresh_token' && params.refresh_token === undefined) {
      const fromCookie = refreshCookieOf(request);
      if (fromCookie === undefined) {
        throw new OAuthError(
          'invalid_request',
          `There is no refresh_token parameter and no ${CONSOLE_REFRESH_COOKIE} cookie: log in again`,
        );
      }
      params.refresh_token = fromCookie;
    }
    let issued: TokenResponse;
    try {
      issued = await grant(client, params, request.ip);
    } catch (err) {
      if (
        err instanceof OAuthError &&
        err.error === 'invalid_grant' &&
        params.grant_type === 'refresh_token'
      ) {
        clearRefreshCookie(request, reply);
        return sendOAuthError(reply, err);
      }
      throw err;
    }
    const { refresh_token: refreshToken, ...answer } = issued;
    if (refreshToken !== undefined) setRefreshCookie(request, reply, refreshToken, auth.refreshTokenTtl);
    return answer;
  }

  app.post(
    '/oauth/revoke',
    {
      schema: {
        tags: ['OAuth2'],
        summary: 'Revoke an access or refresh token (RFC 7009)',
        description:
          'From the console client, the hearth_console_refresh cookie is revoked and cleared too: the whole login ends.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: RevokeRequest,
        response: { '4xx': OAuthErrorSchema },
      },
    },
    async (request, reply) => {
      const params = stringParams(request.body);
      const client = await auth.authenticateClient(request.headers.authorization, params);
      if (client.id !== CONSOLE_CLIENT_ID) {
        await auth.revoke(client, params);
        return reply.code(200).send();
      }
      requireSameOrigin(request);
      await auth.revoke(client, params);
      // Logging out of the console ends the whole login: the cookie's refresh token takes every
      // access token of its family with it, and the browser forgets the cookie.
      const fromCookie = refreshCookieOf(request);
      if (fromCookie !== undefined) {
        clearRefreshCookie(request, reply);
        try {
          await auth.revoke(client, { token: fromCookie });
        } catch (err) {
          // A cookie holding another client's token was not ours to revoke; it is cleared anyway.
          if (!(err instanceof OAuthError)) throw err;
        }
      }
      return reply.code(200).send();
    },
  );
}
