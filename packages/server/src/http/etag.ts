import type { FastifyReply } from 'fastify';
import { ApiError } from './errors.js';

/** A strong ETag from a row's revision, which every change increments. */
export const etagOf = (revision: number): string => `"r${revision}"`;

/** A resource read or written, with the revision its ETag is made of. */
export interface Versioned<T> {
  view: T;
  revision: number;
}

/** Sets the ETag and returns the view: the last step of a route that reads or writes one resource. */
export function withEtag<T>(reply: FastifyReply, result: Versioned<T>): T {
  reply.header('etag', etagOf(result.revision));
  return result.view;
}

/**
 * RFC 9110 §13.1.1 If-Match: absent or `*` lets the write through; otherwise one of the listed
 * ETags must be the current one, or the write is refused with 412 so no update is silently lost.
 * The write itself then runs `UPDATE … WHERE revision = ?`, so a change in between is caught too.
 */
export function checkIfMatch(ifMatch: string | undefined, current: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes(etagOf(current))) {
    throw new ApiError(
      'precondition_failed',
      `If-Match ${ifMatch} does not match the current ETag ${etagOf(current)}: read the resource again`,
    );
  }
}
