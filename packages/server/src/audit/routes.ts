import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../http/errors.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { routeDefaults } from '../http/route-defaults.js';
import { AuditEventViewSchema, AuditQuerySchema } from './schemas.js';

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Audit'] });
  const { audit } = app.ctx.services;

  app.get(
    '/audit-events',
    {
      config: { permission: 'audit.read' },
      schema: {
        summary: 'The audit trail: every change made by an admin or the operator',
        description: 'An admin sees their own agent; the operator sees everything (filter with agentId).',
        querystring: AuditQuerySchema,
        response: { 200: pageOf(AuditEventViewSchema) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const from = q.from ? Date.parse(q.from) : undefined;
      const to = q.to ? Date.parse(q.to) : undefined;
      if (from !== undefined && to !== undefined && from > to) {
        throw new ApiError('validation_failed', 'from must not be after to', {
          errors: [{ field: '/query/from', message: 'is after to' }],
        });
      }
      // Decoded like every list's cursor: an empty or foreign one is a 400, never silently page one.
      const after = decodeCursor(q.cursor);
      const rows = await audit.list(request.scope, {
        ...(q.agentId ? { agentId: q.agentId } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(after ? { after } : {}),
        limit: q.limit,
      });
      return toPage(rows, q.limit, request, reply);
    },
  );
};
