import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The console's client-side routes: each answers index.html and the app draws the page. The
 * invitation page (/invitations/accept) stays the server's own.
 */
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
  '/reset-password',
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

  const index = async (_request: unknown, reply: FastifyReply) => {
    const html = await readBuilt(path.join(dir, 'index.html'));
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
