import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { MailOptions } from '../config.js';
import type { DB } from '../db/schema.js';
import type { StorageHealth } from '../db/storage-faults.js';
import { isoTimeOrNull } from '../db/time.js';
import { type Lease, retryAfterFailure } from '../jobs/lease-queue.js';
import { PassLoop } from '../jobs/loop.js';
import { MailRepository, type MailRow } from './repository.js';
import { fileTransport, isServerError, type MailTransport, smtpTransport } from './transports.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** What a caller (an invitation) shows about a message it caused. Times are RFC 3339. */
export interface MailDelivery {
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  /** When the next attempt is due; null once the message is sent or given up. */
  nextAttemptAt: string | null;
}

/** The subset of a pino logger the outbox writes to (Fastify's `app.log` fits). */
export interface MailLog {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Messages claimed per pass; a full batch makes the worker go again at once. */
const BATCH_SIZE = 20;
/** How long a claimed message stays leased: far longer than one send with the SMTP timeouts. */
const LEASE_MS = 60_000;
const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;
const MAX_ERROR_LENGTH = 1000;

/**
 * A transactional outbox with its delivery worker. `enqueue` writes the message in the caller's
 * transaction; a worker (in this process or any other sharing the database) later leases due
 * messages one by one, sends them and records the outcome, retrying with backoff until the message
 * is sent or too old. Delivery is at least once: a process killed between sending and recording
 * sends that message again once its lease expires (with the same Message-ID).
 */
export class MailService {
  private readonly repo: MailRepository;
  private readonly transport: MailTransport;
  /** The worker loop; its passes and deliverDue's each run `pass`. */
  private readonly loop: PassLoop<{ sent: number; more: boolean }>;

  constructor(
    db: Kysely<DB>,
    private readonly options: MailOptions,
    private readonly log: MailLog,
    storage?: StorageHealth,
  ) {
    this.repo = new MailRepository(db);
    this.transport = options.smtpUrl ? smtpTransport(options.smtpUrl) : fileTransport(options.outboxDir);
    // The outbox never keeps the process alive on its own; the table keeps what is not yet sent.
    this.loop = new PassLoop({
      pass: (fromLoop) => this.pass(fromLoop),
      intervalMs: options.pollIntervalMs,
      more: (result) => result.more,
      log,
      failure: 'mail outbox pass failed',
      ...(storage ? { storage } : {}),
    });
  }

  /**
   * Inserts the message into mail_outbox inside the caller's transaction (pass trx) so it is
   * committed with the change that caused it. Returns the message id. Call kick() after the
   * transaction commits.
   */
  async enqueue(message: MailMessage, trx?: Kysely<DB>): Promise<string> {
    const id = uuidv7();
    const now = Date.now();
    await this.repo.insert(
      {
        id,
        to_address: message.to,
        subject: message.subject,
        text_body: message.text,
        html_body: message.html ?? null,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        locked_until: null,
        last_error: null,
        created_at: now,
        sent_at: null,
      },
      trx,
    );
    return id;
  }

  /** Withdraws queued messages whose content no longer holds (e.g. the invitation was revoked). */
  cancel(ids: string[], reason: string, trx: Kysely<DB>): Promise<void> {
    return this.repo.cancel(ids, reason, trx);
  }

  /** Wakes the worker now (after a commit) instead of waiting for the next poll. */
  kick(): void {
    this.loop.kick();
  }

  /**
   * The newest message queued for `address`, as its recipient would read it. For the demo, which
   * accepts its own admin's invitation the way a person would: from the email.
   */
  async newestTo(address: string): Promise<MailMessage | undefined> {
    const row = await this.repo.newestTo(address);
    return row ? { to: row.to_address, subject: row.subject, text: row.text_body } : undefined;
  }

  /** The delivery state of each known id (unknown ids are absent from the map). */
  async delivery(ids: string[]): Promise<Map<string, MailDelivery>> {
    const rows = ids.length === 0 ? [] : await this.repo.findByIds([...new Set(ids)]);
    return new Map(
      rows.map((row) => [
        row.id,
        {
          status: row.status,
          attempts: Number(row.attempts),
          lastError: row.last_error,
          sentAt: isoTimeOrNull(row.sent_at),
          nextAttemptAt: row.status === 'pending' ? isoTimeOrNull(row.next_attempt_at) : null,
        },
      ]),
    );
  }

  /**
   * One pass: claims due messages with a lease (locked_until) so two workers/processes never send
   * the same message at once, sends each, records sent / failed attempt with backoff. Returns how
   * many were sent. Used by the worker loop and by tests.
   */
  async deliverDue(): Promise<number> {
    return (await this.loop.runOnce()).sent;
  }

  /** Starts the background loop: a pass now, then every pollIntervalMs or on kick(). */
  start(): void {
    this.loop.start();
  }

  /** Stops the loop, waits for passes in flight and closes the transport. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.transport.close();
  }

  /**
   * `more`: the batch was full and nothing suggests the server is down, so more may be due now.
   * A loop pass ends after the message in hand once stop() is called; the rest stay due.
   */
  private async pass(fromLoop: boolean): Promise<{ sent: number; more: boolean }> {
    const due = await this.repo.findDue(Date.now(), BATCH_SIZE);
    let sent = 0;
    for (const id of due) {
      if (fromLoop && !this.loop.running) return { sent, more: false };
      const now = Date.now();
      const lease = { key: id, until: now + LEASE_MS };
      const row = await this.repo.claim(lease, now);
      if (!row) continue; // another worker has it, sent it or rescheduled it
      const ok = await this.attempt(row, lease);
      if (ok === true) sent++;
      // The server is unreachable: the rest would only fail the same way; they stay due for later.
      else if (ok === 'server-down') return { sent, more: false };
    }
    return { sent, more: due.length === BATCH_SIZE };
  }

  private async attempt(row: MailRow, lease: Lease): Promise<true | 'failed' | 'server-down'> {
    const attempts = Number(row.attempts) + 1;
    let where: string;
    try {
      where = await this.transport.send({
        id: row.id,
        from: this.options.from,
        to: row.to_address,
        subject: row.subject,
        text: row.text_body,
        ...(row.html_body !== null ? { html: row.html_body } : {}),
        createdAt: new Date(Number(row.created_at)),
      });
    } catch (err) {
      await this.recordFailure(row, lease, attempts, err);
      return isServerError(err) ? 'server-down' : 'failed';
    }
    // If this write fails the lease runs out and the message goes again: at least once, never lost.
    await this.repo.markSent(row.id, attempts, Date.now());
    if (this.options.smtpUrl) this.log.info({ mailId: row.id, attempts, response: where }, 'mail sent');
    else this.log.info({ mailId: row.id, path: where }, `mail written to ${where}`);
    return true;
  }

  private async recordFailure(row: MailRow, lease: Lease, attempts: number, err: unknown): Promise<void> {
    const now = Date.now();
    const lastError =
      (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH) || 'error';
    const deadline = Number(row.created_at) + this.options.giveUpAfterMs;
    const backoff = { baseMs: this.options.retryBaseMs, maxMs: MAX_RETRY_DELAY_MS };
    const { giveUp, nextAttemptAt } = retryAfterFailure(backoff, attempts, now, deadline);
    await this.repo.recordFailure(lease, { attempts, lastError, nextAttemptAt, giveUp });
    if (giveUp) {
      this.log.error(
        { mailId: row.id, attempts, lastError },
        'mail given up: still failing after the retry period',
      );
    } else {
      this.log.warn(
        { mailId: row.id, attempts, lastError, nextAttemptAt: isoTimeOrNull(nextAttemptAt) },
        'mail delivery failed, will retry',
      );
    }
  }
}
