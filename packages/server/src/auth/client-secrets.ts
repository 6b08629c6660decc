import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets of the OAuth2 clients issued through the API (homes' gateways, integration clients): 256
 * random bits, shown once when issued and kept only as a SHA-256 digest. A slow hash adds nothing
 * to a value that cannot be guessed; the comparison takes the same time whatever is sent, and the
 * same work for an unknown client as for a wrong secret.
 */

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();
// Compared against when there is no secret, so an unknown client costs the same as a wrong secret.
const NO_SECRET = sha256('no client secret');

/** A fresh secret: 32 random bytes, base64url (43 characters). */
export const newClientSecret = (): string => randomBytes(32).toString('base64url');

/** What is stored of a secret: its SHA-256, hex. */
export const hashClientSecret = (secret: string): string => sha256(secret).toString('hex');

/** Whether `given` is the secret whose digest is `storedHash` (false when there is none), in constant time. */
export function verifyClientSecret(storedHash: string | null | undefined, given: string): boolean {
  const expected = storedHash ? Buffer.from(storedHash, 'hex') : NO_SECRET;
  const digest = sha256(given);
  return expected.length === digest.length && timingSafeEqual(expected, digest) && Boolean(storedHash);
}

/**
 * The family of every token issued with one secret, derived from its hash: a token counts only
 * while its family is the current secret's, so a token a concurrent request got with the old
 * secret while it was being rotated is refused too, not only those the rotation revoked.
 * `kind` keeps the families of different kinds of client apart.
 */
export const tokenFamilyOf = (kind: 'gateway' | 'integration-client', secretHash: string): string =>
  createHash('sha256').update(`${kind}-token-family:${secretHash}`).digest('hex').slice(0, 32);
