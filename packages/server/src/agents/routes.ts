import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import {
  AgentListQuery,
  AgentViewSchema,
  CreateAgentBody,
  CreatedAgentSchema,
  UpdateAgentBody,
} from './schemas.js';

const config = { permission: 'agents.manage' } as const;

/** /agents: the platform operator's registry of companies. */
export const agentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Agents'] });
  const { agents } = app.ctx.services;

  app.post(
    '/agents',
    {
      config,
      schema: {
        summary: 'Register an agent and invite its first admin by email',
        body: CreateAgentBody,
        response: { 201: CreatedAgentSchema },
      },
    },
    async (request, reply) => {
      const created = await app.ctx.services.onboarding.create(actorOf(request), request.body);
      return reply.code(201).header('location', locationOf(request, created.id)).send(created);
    },
  );

  app.get(
    '/agents',
    {
      config,
      schema: {
        summary: 'List agents (search by name, filter by status)',
        querystring: AgentListQuery,
        response: { 200: pageOf(AgentViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, q, status } = request.query;
      const after = decodeCursor(cursor);
      const rows = await agents.list({
        limit,
        ...(after ? { after } : {}),
        ...(q ? { q } : {}),
        ...(status ? { status } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/agents/:id',
    {
      config,
      schema: {
        summary: 'Read one agent',
        params: IdParams,
        response: { 200: AgentViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await agents.get(request.params.id)),
  );

  app.put(
    '/agents/:id',
    {
      config,
      schema: {
        summary: 'Rename, suspend or reactivate an agent',
        description: "Suspending refuses every call of the agent's users with 403 until it is reactivated.",
        params: IdParams,
        body: UpdateAgentBody,
        response: { 200: AgentViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await agents.update(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/agents/:id',
    {
      config,
      schema: {
        summary: 'Delete an agent and its users (refused with 409 while it has homes)',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await agents.delete(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );
};
