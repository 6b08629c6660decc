import type { NotificationsOptions } from '../config.js';
import type { StorageHealth } from '../db/storage-faults.js';
import { isoTime, isoTimeOrNull } from '../db/time.js';
import { type Lease, retryAfterFailure } from '../jobs/lease-queue.js';
import { PassLoop } from '../jobs/loop.js';
import type { Logger as NotificationsLog } from '../log.js';
import type { DeliveryRow, WebhookRow, WebhooksRepository } from './repository.js';
import { postWebhook, type WebhookResponse } from './sender.js';
import { SIGNATURE_HEADER, sign } from './signing.js';

/** Deliveries claimed per pass; a full batch makes the worker go again at once. */
const BATCH_SIZE = 50;
/** Attempts in flight at once within a pass (each to a different webhook and home). */
const CONCURRENCY = 8;
const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;
const MAX_ERROR_LENGTH = 1000;

export const USER_AGENT = 'Hearth-Webhooks/1';

/**
 * The webhook delivery worker, on the pattern of the mail outbox (mail/service.ts): every process
 * runs one; each pass leases due deliveries one by one (locked_until, so two workers never send one
 * at once), POSTs them signed, and records the outcome: delivered, or retried with exponential
 * backoff and jitter until give_up_at, then failed. A webhook failing without a success for long
 * enough is disabled. Delivery is at least once: receivers de-duplicate on the event id.
 */
export class WebhookDeliveryWorker {
  /** The loop; its signal aborts the attempts in flight on stop(), so a slow receiver never holds up a shutdown. */
  private readonly loop: PassLoop<{ delivered: number; more: boolean }>;

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly options: NotificationsOptions,
    private readonly log: NotificationsLog,
    storage?: StorageHealth,
  ) {
    this.loop = new PassLoop({
      pass: (fromLoop) => this.pass(fromLoop),
      intervalMs: options.pollIntervalMs,
      more: (result) => result.more,
      log,
      failure: 'webhook delivery pass failed',
      ...(storage ? { storage } : {}),
    });
  }

  /** Wakes the worker now (after a commit) instead of waiting for the next poll. */
  kick(): void {
    this.loop.kick();
  }

  /** One pass; answers how many deliveries succeeded. For the loop and for tests. */
  async deliverDue(): Promise<number> {
    return (await this.loop.runOnce()).delivered;
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  private async pass(fromLoop: boolean): Promise<{ delivered: number; more: boolean }> {
    const due = await this.repo.findDue(Date.now(), BATCH_SIZE);
    let delivered = 0;
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        if (fromLoop && !this.loop.running) return;
        const id = due[next++] as string;
        const now = Date.now();
        // Long enough for the attempt with its timeout, so the lease never runs out mid-send.
        const lease = { key: id, until: now + this.options.timeoutMs + 60_000 };
        const claimed = await this.repo.claim(lease, now);
        if (!claimed) continue; // another worker has it, or an older one of its home came due first
        if (await this.attempt(claimed.delivery, claimed.webhook, lease)) delivered++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    return { delivered, more: due.length === BATCH_SIZE };
  }

  private async attempt(delivery: DeliveryRow, webhook: WebhookRow, lease: Lease): Promise<boolean> {
    const attempts = Number(delivery.attempts) + 1;
    const started = Date.now();
    let response: WebhookResponse;
    try {
      response = await postWebhook({
        url: webhook.url,
        body: delivery.payload,
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'hearth-event': delivery.event_type,
          'hearth-delivery': delivery.id,
          [SIGNATURE_HEADER]: sign(webhook.secret, delivery.payload, Math.floor(started / 1000)),
        },
        timeoutMs: this.options.timeoutMs,
        allowPrivateNetworks: this.options.allowPrivateNetworks,
        signal: this.loop.signal,
      });
    } catch (err) {
      response = { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
    }
    const at = Date.now();
    if (!response.ok && this.loop.signal.aborted) {
      // Cut short by a shutdown: not the receiver's failure. Another worker may take it at once.
      await this.repo.release(lease);
      return false;
    }
    if (response.ok) {
      // If this write fails the lease runs out and the delivery goes again: at least once.
      await this.repo.markDelivered(lease, webhook.id, { attempts, status: response.status ?? 200, at });
      return true;
    }
    const error = (response.error ?? 'error').slice(0, MAX_ERROR_LENGTH);
    const deadline = Number(delivery.give_up_at);
    const backoff = { baseMs: this.options.retryBaseMs, maxMs: MAX_RETRY_DELAY_MS };
    const { giveUp, nextAttemptAt } = retryAfterFailure(backoff, attempts, at, deadline);
    await this.repo.recordFailure(lease, {
      attempts,
      status: response.status,
      error,
      at,
      nextAttemptAt,
      giveUp,
    });
    const disabled = await this.repo.recordWebhookFailure(webhook.id, at, {
      failures: this.options.disableAfterFailures,
      forMs: this.options.disableAfterMs,
      reason: (failures, since) =>
        `Disabled automatically after ${failures} consecutive failed deliveries since ${isoTime(since)}; ` +
        `the last: ${error}. Fix the receiver, then set status to active to resume the pending deliveries.`,
    });
    const context = { webhookId: webhook.id, deliveryId: delivery.id, attempts, error };
    if (disabled) this.log.warn(context, 'webhook disabled after repeated failures');
    if (giveUp) this.log.warn(context, 'webhook delivery given up: still failing after the retry period');
    else
      this.log.info(
        { ...context, nextAttemptAt: isoTimeOrNull(nextAttemptAt) },
        'webhook delivery failed, will retry',
      );
    return false;
  }
}
