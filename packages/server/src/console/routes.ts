import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The console's pages that emails link to (with `?token=`). Each has a plain server form beside it
 * (`FALLBACKS`), which the page links to for browsers without JavaScript and which answers in its
 * place while the console is not built.
 */
export const CONSOLE_PAGES = {
  acceptInvitation: '/accept-invitation',
  resetPassword: '/reset-password',
} as const;

const FALLBACKS: Record<string, { path: string; what: string }> = {
  [CONSOLE_PAGES.acceptInvitation]: { path: '/invitations/accept', what: 'accept the invitation' },
  [CONSOLE_PAGES.resetPassword]: { path: '/password-resets/confirm', what: 'set a new password' },
};

/** The console's client-side routes: each answers index.html and the app draws the page. */
export const CONSOLE_ROUTES = [
  '/',
  '/login',
  '/homes',
  '/homes/*',
  '/alarms',
  '/alarms/*',
  '/portfolio',
  '/portfolio/*',
  '/account',
  CONSOLE_PAGES.acceptInvitation,
  CONSOLE_PAGES.resetPassword,
  '/forgot-password',
  '/settings',
  '/settings/*',
  '/people',
  '/people/*',
  '/orders',
  '/orders/*',
  '/agents',
  '/agents/*',
  '/regions',
] as const;

/** The console loads only its own scripts, styles and images, and is never framed. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hearth console</title></head>
<body><h1>Hearth console</h1>
<p>The console is not built yet: run <code>npm run build:web</code> (npm install does it).</p>
<p>The API answers meanwhile: <a href="/docs">/docs</a>.</p></body></html>
`;

/** Reads a file of the build, or undefined when it is not there (not built yet, or no favicon). */
async function readBuilt(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Serves the built web console (Vite's output, docs/operations.md) from `dir`, same origin as the
 * API. Hashed assets are cached for a year; index.html is revalidated on every load so a new
 * release shows at once. Files are read per request, so a build made while the server runs is
 * picked up without a restart. Registered as an encapsulated plugin: its headers stay its own.
 */
export async function consoleRoutes(app: FastifyInstance, options: { dir: string }): Promise<void> {
  const { dir } = options;

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  // A missing asset is a plain 404 (the server's problem+json), never index.html: a stale
  // page asking for an old hash must fail visibly, not receive HTML as JavaScript.
  await app.register(fastifyStatic, {
    root: path.join(dir, 'assets'),
    prefix: '/assets/',
    index: false,
    list: false,
    dotfiles: 'deny',
    cacheControl: true,
    maxAge: 31_536_000_000,
    immutable: true,
  });

  const index = async (request: FastifyRequest, reply: FastifyReply) => {
    const html = await readBuilt(path.join(dir, 'index.html'));
    const fallback = FALLBACKS[request.routeOptions.url ?? ''];
    if (fallback) {
      // Only the token travels on, re-encoded: nothing of the query reaches the page unescaped.
      const token = (request.query as Record<string, unknown>).token;
      const target = `${fallback.path}${typeof token === 'string' ? `?${new URLSearchParams({ token })}` : ''}`;
      if (html === undefined) return reply.redirect(target, 302);
      // Without JavaScript the page cannot work: point to the plain form, token and all.
      const note = `<noscript><p>Without JavaScript, <a href="${target}">${fallback.what} with the simple form</a>.</p></noscript>`;
      const page = html.toString('utf8');
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(page.includes('</body>') ? page.replace('</body>', `${note}</body>`) : `${page}${note}`);
    }
    if (html === undefined) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(NOT_BUILT);
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  };
  for (const url of CONSOLE_ROUTES) app.get(url, { schema: { hide: true } }, index);

  app.get('/favicon.svg', { schema: { hide: true } }, async (_request, reply) => {
    const svg = await readBuilt(path.join(dir, 'favicon.svg'));
    if (svg === undefined) return reply.callNotFound();
    return reply.type('image/svg+xml').header('cache-control', 'no-cache').send(svg);
  });
}
