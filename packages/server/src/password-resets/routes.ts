import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { routeDefaults } from '../http/route-defaults.js';
import { NoContent } from '../http/schemas.js';
import { PasswordResetConfirmBody, PasswordResetRequestBody, PasswordResetRequested } from './schemas.js';
import { RESET_ACCEPTED } from './service.js';

/** /password-resets: a forgotten password, with no bearer token (the emailed token is the credential). */
export const passwordResetsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Password resets'] });
  const { passwordResets } = app.ctx.services;

  app.post(
    '/password-resets',
    {
      config: { public: true },
      schema: {
        summary: 'Forgot your password: email a reset link to the accounts with this address',
        description:
          'Always 202 with the same body, whether or not an account has the address, so addresses cannot be ' +
          'probed. An active account with this address gets an email with a link and a single-use token, valid ' +
          'for HEARTH_PASSWORD_RESET_TTL seconds (30 minutes by default); a newer request voids older tokens. ' +
          'At most 3 emails per address, then one every 5 minutes (further requests are still 202, silently); ' +
          'at most 10 requests per client address, then one a minute (429 too_many_requests with Retry-After).',
        body: PasswordResetRequestBody,
        response: { 202: PasswordResetRequested },
      },
    },
    async (request, reply) => {
      await passwordResets.request(request.body.email, request.ip);
      return reply.code(202).header('cache-control', 'no-store').send({ message: RESET_ACCEPTED });
    },
  );

  app.post(
    '/password-resets/confirmation',
    {
      config: { public: true },
      schema: {
        summary: 'Set a new password with the token from a reset email (every session of the account ends)',
        description:
          'The password needs 12 or more characters and must not be a common or easily guessed one (400 ' +
          'validation_failed). An unknown, used, voided or expired token is 400 password_reset_invalid, whose ' +
          'detail says which. On success (204) every access and refresh token of the account is revoked: log in ' +
          'again with the new password.',
        body: PasswordResetConfirmBody,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await passwordResets.confirm(request.body, request.ip);
      return reply.code(204).send(null);
    },
  );
};
