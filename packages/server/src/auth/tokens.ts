import { createHash, randomBytes } from 'node:crypto';

/**
 * A token in the seed's UUID shape (8-4-4-4-12 hex) with all 128 bits random: randomUUID() keeps
 * only 122, and RFC 6749 §10.10 asks that a guess succeed with probability at most 2^-128.
 */
export function newToken(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Tokens are stored only as SHA-256 digests: they carry 128 random bits, so a slow hash adds nothing. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const TOKEN_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
