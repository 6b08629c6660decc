import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from './service.js';

/**
 * The web console's refresh token lives in this cookie, never in a script's reach: HttpOnly,
 * SameSite=Strict, and sent only to /oauth (the token and revoke endpoints). docs/api.md.
 */
export const CONSOLE_REFRESH_COOKIE = 'hearth_console_refresh';
const COOKIE_PATH = '/oauth';

/** Sets the console's refresh cookie, living as long as the refresh token; Secure over HTTPS. */
export function setRefreshCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  lifetimeSeconds: number,
): void {
  reply.setCookie(CONSOLE_REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
    maxAge: lifetimeSeconds,
    // request.protocol honours TRUST_PROXY: behind a TLS proxy the browser saw https.
    secure: request.protocol === 'https',
  });
}

/** Tells the browser to drop the refresh cookie (Max-Age=0 on the same path). */
export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(CONSOLE_REFRESH_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
    secure: request.protocol === 'https',
  });
}

/** The refresh token the browser sent in the console's cookie, if any. */
export function refreshCookieOf(request: FastifyRequest): string | undefined {
  const value = request.cookies[CONSOLE_REFRESH_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * CSRF defence beside SameSite=Strict: a browser names the page's origin in `Origin` on every
 * POST, so a console request made from another site's page is refused. The server's own origin is
 * the scheme and Host it was reached at (X-Forwarded-Proto and -Host when TRUST_PROXY trusts them).
 * A request without Origin is not a browser's cross-site request, and is let through.
 */
export function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let own: string | undefined;
  let given: string | undefined;
  try {
    own = new URL(`${request.protocol}://${request.host}`).origin;
    given = new URL(origin).origin;
  } catch {
    // "null" (a sandboxed or privacy-sensitive context) or garbage: not our page.
  }
  if (own === undefined || given === undefined || given === 'null' || given !== own) {
    throw new OAuthError(
      'invalid_request',
      `cross-origin request: the console client may only be used from ${own ?? "the server's own origin"}, not ${origin}`,
    );
  }
}
