import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { type AgentsService, agentFor } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { NotificationsOptions } from '../config.js';
import type { DB } from '../db/schema.js';
import { isoTime } from '../db/time.js';
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
import type { Logger as NotificationsLog } from '../log.js';
import type { MailService } from '../mail/index.js';
import type { ProvisioningService } from '../provisioning/index.js';
import type { WebhookDeliveryWorker, WebhooksService } from '../webhooks/index.js';
import { digestDue } from './digest.js';
import { digestMail, immediateMail } from './messages.js';
import type { DigestItemRow, NotificationsRepository, SubscriptionRow } from './repository.js';
import type { CreateSubscriptionInput, SubscriptionView, UpdateSubscriptionInput } from './schemas.js';

export interface NotificationsDeps {
  db: Kysely<DB>;
  audit: AuditService;
  agents: AgentsService;
  mail: MailService;
  webhooks: WebhooksService;
  worker: WebhookDeliveryWorker;
  groupsExist: GroupsExist;
  /** who a home's own fault_management definition names */
  provisioning: Pick<ProvisioningService, 'faultRecipients'>;
  options: NotificationsOptions;
  publicUrl: string;
  log: NotificationsLog;
}

/** How often the worker looks for due digests. */
const DIGEST_CHECK_MS = 60_000;

export const toSubscriptionView = (row: SubscriptionRow): SubscriptionView => ({
  id: row.id,
  agentId: row.agent_id,
  email: row.email,
  mode: row.mode,
  ...filterOf(row),
  lastDigestAt: row.mode === 'digest' ? isoTime(row.last_digest_at) : null,
  createdAt: isoTime(row.created_at),
  updatedAt: isoTime(row.updated_at),
});

const notFound = (id: string) => new ApiError('not_found', `No notification subscription ${id}`);

/**
 * Notifications of alarms. The alarms service calls `enqueue(events, trx)` inside the transaction
 * that changed the alarms, then `kick()` after it commits: each event fans out to the agent's
 * matching webhooks (a delivery each), immediate email subscriptions (an email each, through the
 * mail outbox) and digest subscriptions (an item for the next daily digest). All of it is rows in
 * the same transaction, so nothing is lost on a restart and nothing is sent for a rolled-back change.
 */
export class NotificationsService {
  private digestTimer: NodeJS.Timeout | undefined;
  private digestPass: Promise<unknown> | undefined;

  constructor(
    private readonly repo: NotificationsRepository,
    private readonly deps: NotificationsDeps,
  ) {}

  async enqueue(events: readonly AlarmEvent[], trx: Kysely<DB>): Promise<void> {
    if (events.length === 0) return;
    await this.deps.webhooks.queue(events, trx);
    const agents = [...new Set(events.map((e) => e.agentId))];
    const items: DigestItemRow[] = [];
    const now = Date.now();
    /** `<event id> <address>`: one email per event and address, whoever asked for it. */
    const mailed = new Set<string>();
    const mail = async (email: string, event: AlarmEvent) => {
      const key = `${event.id} ${email.toLowerCase()}`;
      if (mailed.has(key)) return;
      mailed.add(key);
      await this.deps.mail.enqueue(immediateMail(email, event, this.deps.publicUrl), trx);
    };
    for (const agentId of agents) {
      const subscriptions = await this.repo.ofAgent(agentId, trx);
      for (const event of events.filter((e) => e.agentId === agentId)) {
        for (const subscription of subscriptions) {
          if (!matches(filterOf(subscription), event)) continue;
          if (subscription.mode === 'digest') {
            items.push({
              id: uuidv7(),
              subscription_id: subscription.id,
              event_id: event.id,
              event: JSON.stringify(event),
              created_at: now,
            });
          } else if (!event.historic) {
            // A fault found while replaying old history is news for a digest, not for an inbox now.
            await mail(subscription.email, event);
          }
        }
      }
    }
    // The people a home's own fault_management definition names hear of its alarms being raised
    // and cleared, whatever the agent's subscriptions say.
    const recipientsOf = new Map<string, string[]>();
    for (const event of events) {
      if (event.historic || (event.type !== 'alarm.raised' && event.type !== 'alarm.cleared')) continue;
      let recipients = recipientsOf.get(event.homeId);
      if (!recipients) {
        recipients = await this.deps.provisioning.faultRecipients(event.homeId, trx);
        recipientsOf.set(event.homeId, recipients);
      }
      for (const email of recipients) await mail(email, event);
    }
    await this.repo.insertDigestItems(items, trx);
  }

  /** Wakes the webhook worker and the mail outbox after the enqueueing transaction committed. */
  kick(): void {
    this.deps.worker.kick();
    this.deps.mail.kick();
  }

  /** One pass of webhook deliveries; answers how many were delivered. For tests. */
  deliverDue(): Promise<number> {
    return this.deps.worker.deliverDue();
  }

  /** Starts the webhook worker and the digest check (at once, then every minute). */
  start(): void {
    this.deps.worker.start();
    if (this.digestTimer) return;
    const tick = () => {
      if (this.digestPass) return;
      this.digestPass = this.sendDigests(Date.now())
        .catch((err: unknown) => this.deps.log.error({ err }, 'digest pass failed'))
        .finally(() => {
          this.digestPass = undefined;
        });
    };
    this.digestTimer = setInterval(tick, DIGEST_CHECK_MS);
    this.digestTimer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.digestTimer) clearInterval(this.digestTimer);
    this.digestTimer = undefined;
    await Promise.all([this.deps.worker.stop(), this.digestPass]);
  }

  /**
   * Queues the daily digest of every digest subscription that is due at `now` (its agent's local
   * digest hour has passed since its last one): one email listing the events since, none when
   * there were none. Answers how many emails were queued.
   */
  async sendDigests(now: number): Promise<number> {
    let queued = 0;
    const zones = new Map<string, string>();
    for (const subscription of await this.repo.digestSubscriptions()) {
      let zone = zones.get(subscription.agent_id);
      if (zone === undefined) {
        zone = await this.deps.agents.timeZoneOf(subscription.agent_id);
        zones.set(subscription.agent_id, zone);
      }
      if (!digestDue(Number(subscription.last_digest_at), now, zone, this.deps.options.digestHour)) {
        continue;
      }
      const sent = await this.deps.db.transaction().execute(async (trx) => {
        if (!(await this.repo.claimDigest(subscription.id, Number(subscription.last_digest_at), now, trx)))
          return false;
        const items = await this.repo.takeDigestItems(subscription.id, now, trx);
        if (items.length === 0) return false;
        const events = items.map((item) => JSON.parse(item.event) as AlarmEvent);
        events.sort((a, b) => a.at.localeCompare(b.at));
        await this.deps.mail.enqueue(digestMail(subscription.email, events, zone, this.deps.publicUrl), trx);
        return true;
      });
      if (sent) queued++;
    }
    if (queued > 0) this.deps.mail.kick();
    return queued;
  }

  async list(
    scope: Scope,
    filter: { agentId?: string; mode?: SubscriptionRow['mode']; after?: string; limit: number },
  ): Promise<SubscriptionView[]> {
    return (await this.repo.list(scope, filter)).map(toSubscriptionView);
  }

  async get(scope: Scope, id: string): Promise<Versioned<SubscriptionView>> {
    const row = await this.repo.find(scope, id);
    if (!row) throw notFound(id);
    return { view: toSubscriptionView(row), revision: row.revision };
  }

  async create(actor: Actor, input: CreateSubscriptionInput): Promise<Versioned<SubscriptionView>> {
    const agentId = await agentFor(actor.scope, input.agentId, this.deps.agents, 'subscription');
    const now = Date.now();
    const row: SubscriptionRow = {
      id: uuidv7(),
      agent_id: agentId,
      email: input.email.toLowerCase(),
      mode: input.mode,
      ...columnsOfFilter({
        events: input.events ?? EVENT_TYPES,
        severities: input.severities ?? SEVERITIES,
        groupIds: input.groupIds ?? [],
      }),
      last_digest_at: now,
      created_at: now,
      updated_at: now,
      revision: 1,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await checkGroups(agentId, input.groupIds, this.deps.groupsExist, trx);
      await this.repo.insert(row, trx);
      await this.deps.audit.record(trx, actor, {
        agentId,
        action: 'notification_subscription.created',
        targetType: 'notification_subscription',
        targetId: row.id,
        details: { email: row.email, mode: row.mode },
      });
    });
    return { view: toSubscriptionView(row), revision: 1 };
  }

  async update(
    actor: Actor,
    id: string,
    input: UpdateSubscriptionInput,
    ifMatch?: string,
  ): Promise<Versioned<SubscriptionView>> {
    if (Object.keys(input).length === 0) {
      throw new ApiError('validation_failed', 'Give at least one field to change', {
        errors: [{ field: '/body', message: 'has no fields to change' }],
      });
    }
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw notFound(id);
      checkIfMatch(ifMatch, row.revision);
      await checkGroups(row.agent_id, input.groupIds, this.deps.groupsExist, trx);
      const old = filterOf(row);
      const now = Date.now();
      const patch = {
        ...(input.email !== undefined ? { email: input.email.toLowerCase() } : {}),
        ...(input.mode !== undefined ? { mode: input.mode } : {}),
        // Becoming a digest: its first one covers the events from now, not since its creation.
        ...(input.mode === 'digest' && row.mode !== 'digest' ? { last_digest_at: now } : {}),
        ...columnsOfFilter({
          events: input.events ?? old.events,
          severities: input.severities ?? old.severities,
          groupIds: input.groupIds ?? old.groupIds,
        }),
        updated_at: now,
      };
      if (!(await this.repo.update(row.id, row.revision, patch, trx))) {
        throw new ApiError('precondition_failed', 'The subscription changed meanwhile; read it again');
      }
      // No longer a digest: the events waiting for one would never go.
      if (input.mode === 'immediate' && row.mode === 'digest') await this.repo.dropDigestItems(row.id, trx);
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'notification_subscription.updated',
        targetType: 'notification_subscription',
        targetId: row.id,
        details: { changed: Object.keys(input) },
      });
      const updated = { ...row, ...patch, revision: row.revision + 1 };
      return { view: toSubscriptionView(updated), revision: updated.revision };
    });
  }

  async delete(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw notFound(id);
      checkIfMatch(ifMatch, row.revision);
      if (!(await this.repo.delete(row.id, row.revision, trx))) {
        throw new ApiError('precondition_failed', 'The subscription changed meanwhile; read it again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'notification_subscription.deleted',
        targetType: 'notification_subscription',
        targetId: row.id,
        details: { email: row.email },
      });
    });
  }
}
