import type { Kysely } from 'kysely';
import type { DB, MailOutboxTable } from '../db/schema.js';
import { type Lease, LeaseQueue } from '../jobs/lease-queue.js';

export type MailRow = MailOutboxTable;

/** Largest id list put in one `IN (…)`: far below the bind-parameter limits of SQLite and PostgreSQL. */
const IN_CHUNK = 500;

/**
 * The SQL of the mail outbox. The table is the queue: a message is a row from the moment the change
 * that caused it commits until it is sent or given up, so nothing lives only in memory.
 */
export class MailRepository {
  /** The lease a worker takes on a message it sends: its end (`locked_until`) is its token. */
  private readonly leases: LeaseQueue<'mail_outbox'>;

  constructor(private readonly db: Kysely<DB>) {
    this.leases = new LeaseQueue(db, { table: 'mail_outbox', key: 'id', until: 'locked_until', free: null });
  }

  /** Inserts through the caller's transaction when given, so the message commits with its cause. */
  async insert(row: MailRow, trx?: Kysely<DB>): Promise<void> {
    await (trx ?? this.db).insertInto('mail_outbox').values(row).execute();
  }

  async findByIds(ids: string[]): Promise<MailRow[]> {
    const rows: MailRow[] = [];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      rows.push(...(await this.db.selectFrom('mail_outbox').selectAll().where('id', 'in', chunk).execute()));
    }
    return rows;
  }

  /** Ids of pending messages that are due and not leased by a live worker, oldest first. */
  newestTo(address: string): Promise<MailRow | undefined> {
    return this.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', address)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async findDue(now: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('mail_outbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where(this.leases.unleased(now))
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Takes a lease on one message until `leaseEnd`; returns the row only to the one worker that got
   * it. The conditions are re-checked by the UPDATE itself (PostgreSQL re-evaluates them on the
   * locked row, SQLite serialises writers), so two workers that both saw the message as due cannot
   * both claim it, nor claim one another worker has just sent or rescheduled.
   */
  claim(lease: Lease, now: number): Promise<MailRow | undefined> {
    return this.leases.claim(lease, now, {
      also: (eb) => eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
    });
  }

  /**
   * Withdraws messages not sent yet (their content went stale: a revoked invitation's token). A
   * message a worker is sending at this moment may still go out.
   */
  async cancel(ids: string[], reason: string, trx: Kysely<DB>): Promise<void> {
    if (ids.length === 0) return;
    await trx
      .updateTable('mail_outbox')
      .set({ status: 'failed', last_error: reason, locked_until: null })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * Records a message sent. Not guarded by the lease, unlike a failure: a message that went out
   * is sent, even by a worker whose lease ran out meanwhile.
   */
  async markSent(id: string, attempts: number, now: number): Promise<void> {
    await this.db
      .updateTable('mail_outbox')
      .set({ status: 'sent', attempts, sent_at: now, locked_until: null, last_error: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * Records a failed attempt and releases the lease: retried at `nextAttemptAt`, or `failed` for good.
   * Only the holder of the lease records it (a worker whose lease ran out must not undo another's work).
   */
  async recordFailure(
    lease: Lease,
    outcome: { attempts: number; lastError: string; nextAttemptAt: number; giveUp: boolean },
  ): Promise<void> {
    await this.leases.release(
      lease,
      {
        status: outcome.giveUp ? 'failed' : 'pending',
        attempts: outcome.attempts,
        last_error: outcome.lastError,
        next_attempt_at: outcome.nextAttemptAt,
      },
      { also: (eb) => eb('status', '=', 'pending') },
    );
  }
}
