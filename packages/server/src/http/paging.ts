import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ApiError } from './errors.js';

/** `?limit=&cursor=` on every list. */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'items per page (1-200)' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
};

export const pageOf = <T extends import('typebox').TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'pass as ?cursor= for the next page',
    }),
  });

/** Lists are ordered by id (UUIDv7: creation order); the cursor is the last id seen, opaque to clients. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f-]{36}$/.test(id)) {
    throw new ApiError('validation_failed', 'The cursor is not one this server gave out', {
      errors: [{ field: '/query/cursor', message: 'is not a valid cursor' }],
    });
  }
  return id;
}

/** Takes limit+1 rows, returns one page and the cursor of the next, and sets `Link: rel="next"`. */
export function toPage<T extends { id: string }>(
  rows: T[],
  limit: number,
  request: FastifyRequest,
  reply: FastifyReply,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null;
  if (nextCursor) {
    const url = new URL(request.url, 'http://placeholder');
    url.searchParams.set('cursor', nextCursor);
    reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return { items, nextCursor };
}
