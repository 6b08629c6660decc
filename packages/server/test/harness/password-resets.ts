import { randomInt } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { latestMailTo } from './rows.js';

/** A documentation address (RFC 5737) of its own, so a helper's requests leave others' buckets alone. */
export const someAddress = (): string => `198.51.100.${randomInt(1, 255)}`;

/** POST /password-resets from a client address. */
export function requestReset(
  app: FastifyInstance,
  email: string,
  remoteAddress = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/v/1/password-resets',
    remoteAddress,
    payload: { email },
  });
}

/** POST /password-resets/confirmation. */
export function confirmReset(
  app: FastifyInstance,
  token: string,
  password: string,
  remoteAddress = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/v/1/password-resets/confirmation',
    remoteAddress,
    payload: { token, password },
  });
}

/** The reset token inside a reset email's text (the line after "reset token:"). */
export function resetTokenFromMail(text: string): string {
  const match = /reset token:\s*\n\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(
    text,
  );
  if (!match?.[1]) throw new Error(`no reset token in mail:\n${text}`);
  return match[1];
}

/**
 * Asks for a reset of `email` (an active user's) the way a person does, and returns the token from
 * the queued email, once the request's background work has queued it.
 */
export async function resetTokenFor(app: FastifyInstance, email: string): Promise<string> {
  const response = await requestReset(app, email, someAddress());
  if (response.statusCode !== 202)
    throw new Error(`reset request failed: ${response.statusCode} ${response.body}`);
  await app.ctx.services.passwordResets.idle();
  const mail = await latestMailTo(app, email);
  return resetTokenFromMail(mail.text);
}
