import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from '../http/schemas.js';
import { UserViewSchema } from './schemas.js';

export async function usersRoutes(app: FastifyInstance): Promise<void> {
  const { users } = app.ctx.services;

  app.get(
    '/users/me',
    {
      schema: {
        tags: ['Users'],
        summary: 'The caller: who this access token belongs to',
        security: [{ bearer: [] }],
        response: { 200: UserViewSchema, '4xx': ProblemSchema },
      },
    },
    (request) => users.me(request.scope),
  );
}
