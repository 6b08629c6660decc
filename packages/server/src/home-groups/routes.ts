import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import { HomeGroupBody, HomeGroupViewSchema } from './schemas.js';

export const homeGroupsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Home groups'] });
  const groups = app.ctx.services.homeGroups;

  app.get(
    '/home-groups',
    {
      config: { permission: 'home-groups.read' },
      schema: {
        summary: "The agent's home groups",
        response: { 200: Type.Object({ items: Type.Array(HomeGroupViewSchema) }) },
      },
    },
    async (request) => ({ items: await groups.list(request.scope) }),
  );

  app.get(
    '/home-groups/:id',
    {
      config: { permission: 'home-groups.read' },
      schema: {
        summary: 'One home group',
        params: IdParams,
        response: { 200: HomeGroupViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await groups.get(request.scope, request.params.id)),
  );

  app.post(
    '/home-groups',
    {
      config: { permission: 'home-groups.manage' },
      schema: {
        summary: 'Create a home group (put homes in it with PUT /homes/{id} groupIds)',
        body: HomeGroupBody,
        response: { 201: HomeGroupViewSchema },
      },
    },
    async (request, reply) => {
      const created = await groups.create(actorOf(request), request.body.name);
      return reply
        .code(201)
        .header('location', locationOf(request, created.id))
        .header('etag', '"r1"')
        .send(created);
    },
  );

  app.put(
    '/home-groups/:id',
    {
      config: { permission: 'home-groups.manage' },
      schema: {
        summary: 'Rename a home group',
        params: IdParams,
        body: HomeGroupBody,
        response: { 200: HomeGroupViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await groups.rename(actorOf(request), request.params.id, request.body.name, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/home-groups/:id',
    {
      config: { permission: 'home-groups.manage' },
      schema: {
        summary: 'Delete a home group (its homes stay)',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await groups.delete(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );
};
