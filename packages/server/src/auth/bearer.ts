import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import type { AuthService } from './service.js';

const REALM = 'Bearer realm="hearth"';
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The onRequest hook of every route under /api (RFC 6750): no token is 401 with a bare challenge,
 * a bad, expired or revoked one is 401 with error="invalid_token". Routes marked
 * `config: { public: true }` (the OpenAPI document) skip it.
 */
export function bearerAuthentication(auth: AuthService) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    const header = request.headers.authorization;
    if (!header || !/^Bearer(\s|$)/i.test(header)) {
      throw new ApiError(
        'unauthenticated',
        'Send Authorization: Bearer <access token>; get one from POST /oauth/token',
        {
          headers: { 'www-authenticate': REALM },
        },
      );
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) {
      throw new ApiError('bad_request', 'The Authorization header is not a well-formed Bearer token', {
        headers: { 'www-authenticate': `${REALM}, error="invalid_request"` },
      });
    }
    try {
      request.scope = await auth.authenticateBearer(token);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_token') {
        throw new ApiError('invalid_token', err.detail, {
          headers: {
            'www-authenticate': `${REALM}, error="invalid_token", error_description="${err.detail ?? 'invalid token'}"`,
          },
        });
      }
      throw err;
    }
  };
}
