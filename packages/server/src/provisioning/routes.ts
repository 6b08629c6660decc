import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../auth/index.js';
import { withEtag } from '../http/etag.js';
import { ifMatchOf, locationOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams, NoContent } from '../http/schemas.js';
import {
  CreateProvisioningBody,
  HomeProvisioningParams,
  ProvisioningViewSchema,
  UpdateProvisioningBody,
} from './schemas.js';

/** /homes/{id}/provisioning: the service provisioning definitions of a home. */
export const provisioningRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Provisioning'] });
  const { provisioning } = app.ctx.services;

  app.get(
    '/homes/:id/provisioning',
    {
      config: { permission: 'homes.read' },
      schema: {
        summary: "A home's service provisioning definitions",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(ProvisioningViewSchema) }) },
      },
    },
    async (request) => ({ items: await provisioning.list(request.scope, request.params.id) }),
  );

  app.get(
    '/homes/:id/provisioning/:provisioningId',
    {
      config: { permission: 'homes.read' },
      schema: {
        summary: 'One provisioning definition',
        params: HomeProvisioningParams,
        response: { 200: ProvisioningViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await provisioning.get(request.scope, request.params.id, request.params.provisioningId),
      ),
  );

  app.post(
    '/homes/:id/provisioning',
    {
      config: { permission: 'homes.write' },
      schema: {
        summary: 'Add a service to a home',
        params: IdParams,
        body: CreateProvisioningBody,
        response: { 201: ProvisioningViewSchema },
      },
    },
    async (request, reply) => {
      const created = await provisioning.add(
        actorOf(request),
        request.params.id,
        request.body.service,
        request.body.settings,
      );
      return reply
        .code(201)
        .header('location', locationOf(request, created.id))
        .header('etag', '"r1"')
        .send(created);
    },
  );

  app.put(
    '/homes/:id/provisioning/:provisioningId',
    {
      config: { permission: 'homes.write' },
      schema: {
        summary: 'Change a definition: settings (interval, recipients, thresholds), suspend or resume',
        params: HomeProvisioningParams,
        body: UpdateProvisioningBody,
        response: { 200: ProvisioningViewSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await provisioning.update(
          actorOf(request),
          request.params.id,
          request.params.provisioningId,
          request.body,
          ifMatchOf(request),
        ),
      ),
  );

  app.delete(
    '/homes/:id/provisioning/:provisioningId',
    {
      config: { permission: 'homes.write' },
      schema: {
        summary: 'Remove a service from a home',
        params: HomeProvisioningParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await provisioning.remove(
        actorOf(request),
        request.params.id,
        request.params.provisioningId,
        ifMatchOf(request),
      );
      return reply.code(204).send(null);
    },
  );
};
