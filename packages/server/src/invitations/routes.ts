import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import { UserViewSchema } from '../users/index.js';
import {
  AcceptInvitationBody,
  CreateInvitationBody,
  InvitationListQuery,
  InvitationViewSchema,
} from './schemas.js';

const config = { permission: 'invitations.manage' } as const;

export const invitationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Invitations'] });
  const { invitations } = app.ctx.services;

  app.post(
    '/invitations',
    {
      config,
      schema: {
        summary: 'Invite someone by email into an agent, with a role',
        description:
          'The email holds a link to accept and the invitation token itself. An admin invites into their own ' +
          'agent; the operator names the agent (agentId). The delivery state of the email is on the invitation.',
        body: CreateInvitationBody,
        response: { 201: InvitationViewSchema },
      },
    },
    async (request, reply) => {
      const created = withEtag(reply, await invitations.create(actorOf(request), request.body));
      return reply.code(201).header('location', locationOf(request, created.id)).send(created);
    },
  );

  app.get(
    '/invitations',
    {
      config,
      schema: {
        summary: 'List invitations (pending, accepted, expired, revoked)',
        querystring: InvitationListQuery,
        response: { 200: pageOf(InvitationViewSchema) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status, agentId } = request.query;
      const after = decodeCursor(cursor);
      const rows = await invitations.list(request.scope, {
        limit,
        ...(after ? { after } : {}),
        ...(status ? { status } : {}),
        ...(agentId ? { agentId } : {}),
      });
      return toPage(rows, limit, request, reply);
    },
  );

  app.get(
    '/invitations/:id',
    {
      config,
      schema: {
        summary: 'Read one invitation, with the delivery state of its email',
        params: IdParams,
        response: { 200: InvitationViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await invitations.get(request.scope, request.params.id)),
  );

  app.delete(
    '/invitations/:id',
    {
      config,
      schema: {
        summary: 'Revoke an invitation: its token stops working',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await invitations.revoke(actorOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/invitations/:id/resend',
    {
      config,
      schema: {
        summary: 'Send the invitation again with a fresh token and expiry (the old token stops working)',
        params: IdParams,
        response: { 200: InvitationViewSchema },
      },
    },
    async (request, reply) => withEtag(reply, await invitations.resend(actorOf(request), request.params.id)),
  );

  app.post(
    '/invitations/acceptance',
    {
      config: { public: true },
      schema: {
        summary: 'Accept an invitation (no bearer token: the invitation token is the credential)',
        description:
          'Creates the active user in the invitation’s agent with the invited role. An unknown, expired, revoked ' +
          'or used token gets one answer: 400 invitation_invalid. The password needs 12 or more characters and ' +
          'must not be a common or easily guessed one.',
        body: AcceptInvitationBody,
        response: { 201: UserViewSchema },
      },
    },
    async (request, reply) => {
      const user = await invitations.accept(request.body, request.ip);
      return reply
        .code(201)
        .header('location', `${request.url.replace(/\/invitations\/acceptance.*$/, '')}/users/${user.id}`)
        .send(user);
    },
  );
};
