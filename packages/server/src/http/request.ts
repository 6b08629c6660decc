import type { FastifyRequest } from 'fastify';

/** The If-Match header as one string (a repeated header is joined, as RFC 9110 §5.3 allows). */
export function ifMatchOf(request: FastifyRequest): string | undefined {
  const header = request.headers['if-match'];
  return Array.isArray(header) ? header.join(', ') : header;
}

/** The Location of a resource created under this collection URL (RFC 9110 §10.2.2). */
export function locationOf(request: FastifyRequest, id: string): string {
  const path = request.url.split('?')[0] ?? '';
  return `${path.replace(/\/$/, '')}/${id}`;
}
