import { type ExpressionBuilder, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import { inScope, type Scope } from '../auth/index.js';
import { deleteAtRevision, updateAtRevision } from '../db/revision.js';
import type { DB, WebhookDeliveriesTable, WebhookStatus, WebhooksTable } from '../db/schema.js';
import { type Lease, LeaseQueue } from '../jobs/lease-queue.js';

export type WebhookRow = Selectable<WebhooksTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

/** Rows inserted per statement: far below the bind-parameter limits of SQLite and PostgreSQL. */
const INSERT_CHUNK = 200;

/**
 * The SQL of webhooks and their deliveries. The deliveries table is the outbox and the delivery
 * log at once: a delivery is a row from the commit of the change that caused it until it is
 * delivered or given up, and stays as the log afterwards.
 */
export class WebhooksRepository {
  /** The lease a worker takes on a delivery it sends: its end (`locked_until`) is its token. */
  private readonly leases: LeaseQueue<'webhook_deliveries'>;

  constructor(private readonly db: Kysely<DB>) {
    this.leases = new LeaseQueue(db, {
      table: 'webhook_deliveries',
      key: 'id',
      until: 'locked_until',
      free: null,
    });
  }

  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<WebhookRow | undefined> {
    return trx
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', id)
      .where(inScope(scope, 'agent_id'))
      .executeTakeFirst();
  }

  list(
    scope: Scope,
    filter: { agentId?: string; status?: WebhookStatus; after?: string; limit: number },
  ): Promise<WebhookRow[]> {
    let query = this.db.selectFrom('webhooks').selectAll().where(inScope(scope, 'agent_id'));
    if (filter.agentId) query = query.where('agent_id', '=', filter.agentId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  /** The agent's active webhooks: the candidates for an event. */
  activeOf(agentId: string, trx: Kysely<DB>): Promise<WebhookRow[]> {
    return trx
      .selectFrom('webhooks')
      .selectAll()
      .where('agent_id', '=', agentId)
      .where('status', '=', 'active')
      .orderBy('id')
      .execute();
  }

  async insert(row: WebhookRow, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('webhooks').values(row).execute();
  }

  update(id: string, revision: number, patch: Updateable<WebhooksTable>, trx: Kysely<DB>): Promise<boolean> {
    return updateAtRevision(trx, 'webhooks', id, revision, patch);
  }

  delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    return deleteAtRevision(trx, 'webhooks', id, revision);
  }

  async insertDeliveries(rows: DeliveryRow[], trx: Kysely<DB>): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  }

  /** A webhook's delivery log, newest first. */
  deliveries(
    webhookId: string,
    filter: { status?: DeliveryRow['status']; before?: string; limit: number },
  ): Promise<DeliveryRow[]> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.before) query = query.where('id', '<', filter.before);
    return query
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
  }

  /** A disabled webhook enabled again: its pending deliveries are due now, with a fresh retry period. */
  async resumeDeliveries(webhookId: string, now: number, giveUpAt: number, trx: Kysely<DB>): Promise<void> {
    await trx
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: now, give_up_at: giveUpAt })
      .where('webhook_id', '=', webhookId)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * Ids of the deliveries that may be attempted now, oldest first: pending, due, not leased, of an
   * active webhook, and the oldest pending one of their webhook for their home (a newer one waits
   * until the older is delivered or given up, so a receiver sees a home's events in order).
   */
  async findDue(now: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select('d.id')
      .where('w.status', '=', 'active')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where(this.leases.unleased(now, 'd'))
      .where(({ not, exists, selectFrom }) => not(exists(olderPending(selectFrom, 'd'))))
      .orderBy('d.id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Takes a lease on one delivery until `leaseEnd` and returns it with its webhook, only to the one
   * worker that got it. The UPDATE re-checks every condition of findDue itself (PostgreSQL
   * re-evaluates them on the locked row, SQLite has one writer), so two workers that both saw a
   * delivery as due cannot both send it, nor send it before an older one of its home.
   */
  async claim(
    lease: Lease,
    now: number,
  ): Promise<{ delivery: DeliveryRow; webhook: WebhookRow } | undefined> {
    const delivery = await this.leases.claim(lease, now, {
      also: ({ and, eb, not, exists, selectFrom }) =>
        and([
          eb('status', '=', 'pending'),
          eb('next_attempt_at', '<=', now),
          not(exists(olderPending(selectFrom, 'webhook_deliveries'))),
          exists(
            selectFrom('webhooks as w')
              .select(sql<number>`1`.as('one'))
              .whereRef('w.id', '=', 'webhook_deliveries.webhook_id')
              .where('w.status', '=', 'active'),
          ),
        ]),
    });
    if (!delivery) return undefined;
    const webhook = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', delivery.webhook_id)
      .executeTakeFirst();
    return webhook ? { delivery, webhook } : undefined;
  }

  /** Gives a lease back without recording an attempt (the worker is stopping). */
  async release(lease: Lease): Promise<void> {
    await this.leases.release(lease, {}, { also: pending });
  }

  /**
   * Records a 2xx, and that it ends the webhook's run of failures, in one transaction (a reader never
   * sees the delivery done and the failures still counted). Only the holder of the lease does: one
   * whose lease ran out must not undo another's work.
   */
  async markDelivered(
    lease: Lease,
    webhookId: string,
    outcome: { attempts: number; status: number; at: number },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const held = await this.leases.release(
        lease,
        {
          status: 'delivered',
          attempts: outcome.attempts,
          last_status: outcome.status,
          last_error: null,
          last_attempt_at: outcome.at,
          delivered_at: outcome.at,
        },
        { also: pending, trx },
      );
      if (held) await this.recordWebhookSuccess(webhookId, outcome.at, trx);
    });
  }

  /** Records a failed attempt and releases the lease: retried at `nextAttemptAt`, or `failed` for good. */
  async recordFailure(
    lease: Lease,
    outcome: {
      attempts: number;
      status: number | null;
      error: string;
      at: number;
      nextAttemptAt: number;
      giveUp: boolean;
    },
  ): Promise<void> {
    await this.leases.release(
      lease,
      {
        status: outcome.giveUp ? 'failed' : 'pending',
        attempts: outcome.attempts,
        last_status: outcome.status,
        last_error: outcome.error,
        last_attempt_at: outcome.at,
        next_attempt_at: outcome.nextAttemptAt,
      },
      { also: pending },
    );
  }

  /** A success ends the webhook's run of failures. */
  async recordWebhookSuccess(webhookId: string, at: number, trx: Kysely<DB> = this.db): Promise<void> {
    await trx
      .updateTable('webhooks')
      .set({ consecutive_failures: 0, failing_since: null, last_success_at: at })
      .where('id', '=', webhookId)
      .execute();
  }

  /**
   * Counts a failed attempt in the webhook's run of failures; once the run is `failures` long and
   * has lasted `forMs` without a success, disables the webhook (once, bumping its revision) with
   * `reason(run)`. Answers whether this call disabled it.
   */
  async recordWebhookFailure(
    webhookId: string,
    at: number,
    disable: { failures: number; forMs: number; reason: (failures: number, since: number) => string },
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const run = await trx
        .updateTable('webhooks')
        .set((eb) => ({
          consecutive_failures: eb('consecutive_failures', '+', 1),
          failing_since: eb.fn.coalesce('failing_since', eb.val(at)),
        }))
        .where('id', '=', webhookId)
        .returning(['consecutive_failures', 'failing_since', 'status', 'revision'])
        .executeTakeFirst();
      if (run?.status !== 'active') return false;
      const failures = Number(run.consecutive_failures);
      const since = Number(run.failing_since ?? at);
      if (failures < disable.failures || at - since < disable.forMs) return false;
      const result = await trx
        .updateTable('webhooks')
        .set({
          status: 'disabled',
          disabled_at: at,
          disabled_reason: disable.reason(failures, since),
          updated_at: at,
          revision: Number(run.revision) + 1,
        })
        .where('id', '=', webhookId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }
}

/** A delivery's outcome is written only while it is still pending. */
const pending = (eb: ExpressionBuilder<DB, 'webhook_deliveries'>) => eb('status', '=', 'pending');

/** An older pending delivery of the same webhook for the same home as the row `outer` names. */
function olderPending(
  // biome-ignore lint/suspicious/noExplicitAny: the correlated subquery is shared by a select and an update
  selectFrom: any,
  outer: string,
) {
  return selectFrom('webhook_deliveries as o')
    .select(sql<number>`1`.as('one'))
    .whereRef('o.webhook_id', '=', `${outer}.webhook_id`)
    .whereRef('o.home_id', '=', `${outer}.home_id`)
    .where('o.status', '=', 'pending')
    .whereRef('o.id', '<', `${outer}.id`);
}
