import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../auth/index.js';
import { isoTime } from '../db/time.js';
import { withEtag } from '../http/etag.js';
import { decodeCursor, pageOf, toPage } from '../http/paging.js';
import { ifMatchOf } from '../http/request.js';
import { routeDefaults } from '../http/route-defaults.js';
import { IdParams } from '../http/schemas.js';
import {
  AlarmDetailSchema,
  AlarmListQuery,
  AlarmViewSchema,
  EvaluationSchema,
  HomeAlarmListQuery,
  PutThresholdsBody,
  RuleCatalogueQuery,
  RuleCatalogueSchema,
  UpdateAlarmBody,
} from './schemas.js';

const read = { permission: 'alarms.read' } as const;
const manage = { permission: 'alarms.manage' } as const;

/**
 * /alarms (the agent's alarms across its homes), /homes/{id}/alarms (one home's, and judging it
 * now), /fault-rules (the rule catalogue and the agent's thresholds). See docs/faults.md.
 */
export const faultsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  routeDefaults(app, { tags: ['Fault management'] });
  const { alarms } = app.ctx.services;

  app.get(
    '/alarms',
    {
      config: read,
      schema: {
        summary: 'List alarms of the homes you may see (filter by state, severity, rule, group, home, time)',
        description: 'Newest first by default (order=asc for oldest first); cursor paging.',
        querystring: AlarmListQuery,
        response: { 200: pageOf(AlarmViewSchema) },
      },
    },
    async (request, reply) => {
      const { cursor, ...query } = request.query;
      const cursorId = decodeCursor(cursor);
      const rows = await alarms.list(request.scope, { ...query, ...(cursorId ? { cursorId } : {}) });
      return toPage(rows, query.limit, request, reply);
    },
  );

  app.get(
    '/homes/:id/alarms',
    {
      config: read,
      schema: {
        summary: "List one home's alarms",
        params: IdParams,
        querystring: HomeAlarmListQuery,
        response: { 200: pageOf(AlarmViewSchema) },
      },
    },
    async (request, reply) => {
      const { cursor, ...query } = request.query;
      const cursorId = decodeCursor(cursor);
      const rows = await alarms.list(request.scope, {
        ...query,
        homeId: request.params.id,
        ...(cursorId ? { cursorId } : {}),
      });
      return toPage(rows, query.limit, request, reply);
    },
  );

  app.post(
    '/homes/:id/alarms/evaluate',
    {
      config: manage,
      schema: {
        summary: "Judge a home's data against the rules now (as the background evaluator does)",
        description: '409 while another worker is judging the home, or when it has no fault_management.',
        params: IdParams,
        response: { 200: EvaluationSchema },
      },
    },
    async (request) => {
      const outcome = await alarms.evaluateNow(request.scope, request.params.id);
      return { ...outcome, evaluatedTo: isoTime(outcome.evaluatedTo) };
    },
  );

  app.get(
    '/alarms/:id',
    {
      config: read,
      schema: {
        summary: 'Read one alarm with its evidence and history',
        params: IdParams,
        response: { 200: AlarmDetailSchema },
      },
    },
    async (request, reply) => withEtag(reply, await alarms.get(request.scope, request.params.id)),
  );

  app.put(
    '/alarms/:id',
    {
      config: manage,
      schema: {
        summary: 'Acknowledge, annotate or clear an alarm by hand',
        params: IdParams,
        body: UpdateAlarmBody,
        response: { 200: AlarmDetailSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await alarms.update(actorOf(request), request.params.id, request.body, ifMatchOf(request)),
      ),
  );

  app.get(
    '/fault-rules',
    {
      config: read,
      schema: {
        summary: "The fault rules, their defaults and the agent's thresholds in force",
        querystring: RuleCatalogueQuery,
        response: { 200: RuleCatalogueSchema },
      },
    },
    async (request, reply) => withEtag(reply, await alarms.catalogue(request.scope, request.query.agentId)),
  );

  app.put(
    '/fault-rules',
    {
      config: { permission: 'fault-rules.manage' },
      schema: {
        summary: "Replace the agent's rule thresholds (a home's fault_management thresholds override them)",
        body: PutThresholdsBody,
        response: { 200: RuleCatalogueSchema },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await alarms.putThresholds(
          actorOf(request),
          request.body.agentId,
          request.body.thresholds,
          ifMatchOf(request),
        ),
      ),
  );
};
