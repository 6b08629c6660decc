import type { Kysely, Selectable, Updateable } from 'kysely';
import { inScope, type Scope } from '../auth/index.js';
import { deleteAtRevision, updateAtRevision } from '../db/revision.js';
import type { DB, NotificationDigestItemsTable, NotificationSubscriptionsTable } from '../db/schema.js';

export type SubscriptionRow = Selectable<NotificationSubscriptionsTable>;
export type DigestItemRow = Selectable<NotificationDigestItemsTable>;

const INSERT_CHUNK = 200;

/** The SQL of email subscriptions and of the events waiting for their digests. */
export class NotificationsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<SubscriptionRow | undefined> {
    return trx
      .selectFrom('notification_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .where(inScope(scope, 'agent_id'))
      .executeTakeFirst();
  }

  list(
    scope: Scope,
    filter: { agentId?: string; mode?: SubscriptionRow['mode']; after?: string; limit: number },
  ): Promise<SubscriptionRow[]> {
    let query = this.db
      .selectFrom('notification_subscriptions')
      .selectAll()
      .where(inScope(scope, 'agent_id'));
    if (filter.agentId) query = query.where('agent_id', '=', filter.agentId);
    if (filter.mode) query = query.where('mode', '=', filter.mode);
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  ofAgent(agentId: string, trx: Kysely<DB>): Promise<SubscriptionRow[]> {
    return trx
      .selectFrom('notification_subscriptions')
      .selectAll()
      .where('agent_id', '=', agentId)
      .orderBy('id')
      .execute();
  }

  async insert(row: SubscriptionRow, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('notification_subscriptions').values(row).execute();
  }

  update(
    id: string,
    revision: number,
    patch: Updateable<NotificationSubscriptionsTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'notification_subscriptions', id, revision, patch);
  }

  delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    return deleteAtRevision(trx, 'notification_subscriptions', id, revision);
  }

  async insertDigestItems(rows: DigestItemRow[], trx: Kysely<DB>): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('notification_digest_items')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  }

  /** Every digest subscription. */
  digestSubscriptions(): Promise<SubscriptionRow[]> {
    return this.db
      .selectFrom('notification_subscriptions')
      .selectAll()
      .where('mode', '=', 'digest')
      .orderBy('id')
      .execute();
  }

  /**
   * Marks the digest of a subscription as sent at `now`, only if no one did since `lastDigestAt`:
   * of several processes, one wins (PostgreSQL locks the row until its transaction ends).
   */
  async claimDigest(id: string, lastDigestAt: number, now: number, trx: Kysely<DB>): Promise<boolean> {
    const result = await trx
      .updateTable('notification_subscriptions')
      .set({ last_digest_at: now })
      .where('id', '=', id)
      .where('last_digest_at', '=', lastDigestAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async dropDigestItems(subscriptionId: string, trx: Kysely<DB>): Promise<void> {
    await trx.deleteFrom('notification_digest_items').where('subscription_id', '=', subscriptionId).execute();
  }

  /** The events waiting for the subscription's digest, oldest first, and removes them. */
  async takeDigestItems(subscriptionId: string, upTo: number, trx: Kysely<DB>): Promise<DigestItemRow[]> {
    const rows = await trx
      .selectFrom('notification_digest_items')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .where('created_at', '<=', upTo)
      .orderBy('id')
      .execute();
    if (rows.length > 0) {
      await trx
        .deleteFrom('notification_digest_items')
        .where('subscription_id', '=', subscriptionId)
        .where('created_at', '<=', upTo)
        .execute();
    }
    return rows;
  }
}
