import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import { ChangePasswordBody, UpdateUserBody, UserListQuery, UserViewSchema } from './schemas.js';

/** /users: the caller's own account, and an admin's (or the operator's) management of users. */
export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Users'] });
  const { users } = app.ctx.services;

  app.get(
    '/users/me',
    {
      config: { permission: 'self' },
      schema: {
        summary: 'The caller: who this access token belongs to',
        response: { 200: UserViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await users.me(request.scope)),
  );

  app.put(
    '/users/me/password',
    {
      config: { permission: 'self' },
      schema: {
        summary: 'Change your password (your other sessions are logged out)',
        body: ChangePasswordBody,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await users.changePassword(actorOf(request), request.body);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/users/me/sessions',
    {
      config: { permission: 'self' },
      schema: {
        summary: 'Log out everywhere: end every session of yours, this one included',
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await users.endSessions(actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/users',
    {
      config: { permission: 'users.read' },
      schema: {
        summary: "List users: an admin sees their agent's, the operator any agent's",
        querystring: UserListQuery,
        response: { 200: pageOf(UserViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, agentId, role, status, q } = request.query;
      const after = decodeCursor(cursor);
      const rows = await users.list(request.scope, {
        limit,
        ...(after ? { after } : {}),
        ...(agentId ? { agentId } : {}),
        ...(role ? { role } : {}),
        ...(status ? { status } : {}),
        ...(q ? { q } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/users/:id',
    {
      config: { permission: 'users.read' },
      schema: {
        summary: 'Read one user',
        params: IdParams,
        response: { 200: UserViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await users.get(request.scope, request.params.id)),
  );

  app.put(
    '/users/:id',
    {
      config: { permission: 'users.manage' },
      schema: {
        summary: 'Rename a user, change their role, disable or enable them',
        description:
          "Disabling revokes the user's tokens at once. The agent's last enabled admin cannot be demoted or disabled (409).",
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await users.update(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/users/:id',
    {
      config: { permission: 'users.manage' },
      schema: {
        summary: 'Delete a user (never the last enabled admin of an agent)',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await users.delete(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );
};
