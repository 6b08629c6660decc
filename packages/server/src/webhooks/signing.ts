import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe / Standard Webhooks style: `Hearth-Signature: t=<unix seconds>,v1=<hex>`
 * where the hex is HMAC-SHA256 of `<t>.<raw body>` keyed with the webhook's secret. The timestamp
 * is signed too, so a captured delivery cannot be replayed later than the receiver's tolerance.
 * docs/notifications.md shows a receiver verifying it; `verifySignature` is that same check.
 */

export const SIGNATURE_HEADER = 'hearth-signature';

/** A fresh secret: 32 random bytes, prefixed so it is recognisable when it leaks into a log or repo. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export function sign(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * True when `header` carries a v1 signature of `body` under `secret` made within `toleranceSeconds`
 * of `nowSeconds`. Compares in constant time.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return parts
    .filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v))
    .some(([, v]) => timingSafeEqual(Buffer.from(v as string, 'hex'), expected));
}
