import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { type AgentsService, agentFor } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { DB, WebhookStatus } from '../db/schema.js';
import { isoTime, isoTimeOrNull } from '../db/time.js';
import {
  type AlarmEvent,
  columnsOfFilter,
  EVENT_TYPES,
  filterOf,
  matches,
  SEVERITIES,
} from '../faults/index.js';
import { checkGroups, type GroupsExist } from '../home-groups/index.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import { payloadOf, pingPayload } from './payload.js';
import type { DeliveryRow, WebhookRow, WebhooksRepository } from './repository.js';
import type {
  CreateWebhookInput,
  DeliveryView,
  UpdateWebhookInput,
  WebhookView,
  WebhookWithSecret,
} from './schemas.js';
import { newSecret } from './signing.js';
import { urlProblem } from './url-policy.js';

export interface WebhooksDeps {
  db: Kysely<DB>;
  audit: AuditService;
  agents: AgentsService;
  groupsExist: GroupsExist;
  allowPrivateNetworks: boolean;
  giveUpAfterMs: number;
  /** Wakes the delivery worker after a commit. */
  kick: () => void;
}

export const toWebhookView = (row: WebhookRow): WebhookView => ({
  id: row.id,
  agentId: row.agent_id,
  url: row.url,
  description: row.description,
  ...filterOf(row),
  status: row.status,
  disabledAt: isoTimeOrNull(row.disabled_at),
  disabledReason: row.disabled_reason,
  consecutiveFailures: Number(row.consecutive_failures),
  failingSince: isoTimeOrNull(row.failing_since),
  lastSuccessAt: isoTimeOrNull(row.last_success_at),
  createdAt: isoTime(row.created_at),
  updatedAt: isoTime(row.updated_at),
});

export const toDeliveryView = (row: DeliveryRow): DeliveryView => ({
  id: row.id,
  webhookId: row.webhook_id,
  homeId: row.home_id,
  eventId: row.event_id,
  eventType: row.event_type,
  status: row.status,
  attempts: Number(row.attempts),
  lastStatus: row.last_status === null ? null : Number(row.last_status),
  lastError: row.last_error,
  createdAt: isoTime(row.created_at),
  lastAttemptAt: isoTimeOrNull(row.last_attempt_at),
  nextAttemptAt: row.status === 'pending' ? isoTime(row.next_attempt_at) : null,
  deliveredAt: isoTimeOrNull(row.delivered_at),
  payload: JSON.parse(row.payload) as unknown,
});

const notFound = (id: string) => new ApiError('not_found', `No webhook ${id}`);
const stale = () => new ApiError('precondition_failed', 'The webhook changed meanwhile; read it again');

/**
 * Webhooks: an agent's HTTPS endpoints that receive its alarm events, signed with a secret only
 * the agent knows. The deliveries are queued here (`queue`, inside the alarm's transaction) and
 * sent by the worker in delivery.ts.
 */
export class WebhooksService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly deps: WebhooksDeps,
  ) {}

  private checkUrl(url: string): void {
    const problem = urlProblem(url, this.deps.allowPrivateNetworks);
    if (problem) {
      throw new ApiError('validation_failed', `url ${problem}`, {
        errors: [{ field: '/body/url', message: problem }],
      });
    }
  }

  async list(
    scope: Scope,
    filter: { agentId?: string; status?: WebhookStatus; after?: string; limit: number },
  ): Promise<WebhookView[]> {
    return (await this.repo.list(scope, filter)).map(toWebhookView);
  }

  async get(scope: Scope, id: string): Promise<Versioned<WebhookView>> {
    const row = await this.repo.find(scope, id);
    if (!row) throw notFound(id);
    return { view: toWebhookView(row), revision: row.revision };
  }

  async create(actor: Actor, input: CreateWebhookInput): Promise<Versioned<WebhookWithSecret>> {
    const agentId = await agentFor(actor.scope, input.agentId, this.deps.agents, 'webhook');
    this.checkUrl(input.url);
    const now = Date.now();
    const row: WebhookRow = {
      id: uuidv7(),
      agent_id: agentId,
      url: input.url,
      description: input.description?.trim() || null,
      secret: newSecret(),
      ...columnsOfFilter({
        events: input.events ?? EVENT_TYPES,
        severities: input.severities ?? SEVERITIES,
        groupIds: input.groupIds ?? [],
      }),
      status: 'active',
      disabled_at: null,
      disabled_reason: null,
      consecutive_failures: 0,
      failing_since: null,
      last_success_at: null,
      created_at: now,
      updated_at: now,
      revision: 1,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await checkGroups(agentId, input.groupIds, this.deps.groupsExist, trx);
      await this.repo.insert(row, trx);
      await this.deps.audit.record(trx, actor, {
        agentId,
        action: 'webhook.created',
        targetType: 'webhook',
        targetId: row.id,
        details: { url: row.url },
      });
    });
    return { view: { ...toWebhookView(row), secret: row.secret }, revision: 1 };
  }

  /** Applies the fields given; status active re-enables a disabled webhook and resumes its pending deliveries. */
  async update(
    actor: Actor,
    id: string,
    input: UpdateWebhookInput,
    ifMatch?: string,
  ): Promise<Versioned<WebhookView>> {
    if (Object.keys(input).length === 0) {
      throw new ApiError('validation_failed', 'Give at least one field to change', {
        errors: [{ field: '/body', message: 'has no fields to change' }],
      });
    }
    if (input.url !== undefined) this.checkUrl(input.url);
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw notFound(id);
      checkIfMatch(ifMatch, row.revision);
      await checkGroups(row.agent_id, input.groupIds, this.deps.groupsExist, trx);
      const now = Date.now();
      const old = filterOf(row);
      const patch = {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.description !== undefined ? { description: input.description?.trim() || null } : {}),
        ...columnsOfFilter({
          events: input.events ?? old.events,
          severities: input.severities ?? old.severities,
          groupIds: input.groupIds ?? old.groupIds,
        }),
        updated_at: now,
      };
      const enabling = input.status === 'active' && row.status === 'disabled';
      const disabling = input.status === 'disabled' && row.status === 'active';
      const statusPatch = enabling
        ? {
            status: 'active' as const,
            disabled_at: null,
            disabled_reason: null,
            consecutive_failures: 0,
            failing_since: null,
          }
        : disabling
          ? {
              status: 'disabled' as const,
              disabled_at: now,
              disabled_reason: `Disabled by ${actor.scope.username}`,
            }
          : {};
      if (!(await this.repo.update(row.id, row.revision, { ...patch, ...statusPatch }, trx))) throw stale();
      if (enabling) await this.repo.resumeDeliveries(row.id, now, now + this.deps.giveUpAfterMs, trx);
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: enabling ? 'webhook.enabled' : disabling ? 'webhook.disabled' : 'webhook.updated',
        targetType: 'webhook',
        targetId: row.id,
        details: { changed: Object.keys(input) },
      });
      const updated: WebhookRow = { ...row, ...patch, ...statusPatch, revision: row.revision + 1 };
      return { updated, enabling };
    });
    if (result.enabling) this.deps.kick();
    return { view: toWebhookView(result.updated), revision: result.updated.revision };
  }

  /** Deletes the webhook with its deliveries (pending ones are never sent). */
  async delete(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw notFound(id);
      checkIfMatch(ifMatch, row.revision);
      if (!(await this.repo.delete(row.id, row.revision, trx))) throw stale();
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'webhook.deleted',
        targetType: 'webhook',
        targetId: row.id,
        details: { url: row.url },
      });
    });
  }

  /** A new signing secret, in force for every attempt from now on; answered once. */
  async rotateSecret(actor: Actor, id: string): Promise<Versioned<WebhookWithSecret>> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw notFound(id);
      const secret = newSecret();
      const now = Date.now();
      if (!(await this.repo.update(row.id, row.revision, { secret, updated_at: now }, trx))) throw stale();
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'webhook.secret_rotated',
        targetType: 'webhook',
        targetId: row.id,
        details: {},
      });
      const updated = { ...row, secret, updated_at: now, revision: row.revision + 1 };
      return { view: { ...toWebhookView(updated), secret }, revision: updated.revision };
    });
  }

  /** Queues a `ping` delivery (whatever the filters); it goes once the webhook is active. */
  async ping(scope: Scope, id: string): Promise<DeliveryView> {
    const row = await this.deps.db.transaction().execute(async (trx) => {
      const webhook = await this.repo.find(scope, id, trx);
      if (!webhook) throw notFound(id);
      const now = Date.now();
      const eventId = uuidv7();
      const delivery = this.deliveryRow(
        webhook,
        null,
        eventId,
        'ping',
        pingPayload(eventId, webhook.id, isoTime(now)),
        now,
      );
      await this.repo.insertDeliveries([delivery], trx);
      return delivery;
    });
    this.deps.kick();
    return toDeliveryView(row);
  }

  async deliveries(
    scope: Scope,
    id: string,
    filter: { status?: DeliveryRow['status']; before?: string; limit: number },
  ): Promise<DeliveryView[]> {
    const webhook = await this.repo.find(scope, id);
    if (!webhook) throw notFound(id);
    return (await this.repo.deliveries(webhook.id, filter)).map(toDeliveryView);
  }

  /**
   * Inside the caller's transaction: one delivery per event for every active webhook of the event's
   * agent whose filters match. Answers how many were queued.
   */
  async queue(events: readonly AlarmEvent[], trx: Kysely<DB>): Promise<number> {
    const byAgent = new Map<string, AlarmEvent[]>();
    for (const event of events) byAgent.set(event.agentId, [...(byAgent.get(event.agentId) ?? []), event]);
    const rows: DeliveryRow[] = [];
    const now = Date.now();
    for (const [agentId, agentEvents] of byAgent) {
      const webhooks = await this.repo.activeOf(agentId, trx);
      for (const event of agentEvents) {
        for (const webhook of webhooks) {
          if (!matches(filterOf(webhook), event)) continue;
          rows.push(this.deliveryRow(webhook, event.homeId, event.id, event.type, payloadOf(event), now));
        }
      }
    }
    await this.repo.insertDeliveries(rows, trx);
    return rows.length;
  }

  private deliveryRow(
    webhook: WebhookRow,
    homeId: string | null,
    eventId: string,
    eventType: string,
    payload: string,
    now: number,
  ): DeliveryRow {
    return {
      id: uuidv7(),
      webhook_id: webhook.id,
      agent_id: webhook.agent_id,
      home_id: homeId,
      event_id: eventId,
      event_type: eventType,
      payload,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      give_up_at: now + this.deps.giveUpAfterMs,
      locked_until: null,
      last_status: null,
      last_error: null,
      last_attempt_at: null,
      created_at: now,
      delivered_at: null,
    };
  }
}
