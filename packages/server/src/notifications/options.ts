/** Settings of alarm notifications (config.ts: HEARTH_WEBHOOK_*, HEARTH_NOTIFICATIONS_*, HEARTH_DIGEST_HOUR). */
export interface NotificationsOptions {
  /** How often the worker looks for due deliveries (1000 in production). */
  pollIntervalMs: number;
  /** How long one webhook attempt waits for a 2xx. */
  timeoutMs: number;
  /** First retry delay of a failed delivery; doubles per attempt (with jitter), capped at one hour. */
  retryBaseMs: number;
  /** A delivery still failing this long after it was queued is given up ('failed'); a day by default. */
  giveUpAfterMs: number;
  /** A webhook is disabled once this many attempts in a row failed … */
  disableAfterFailures: number;
  /** … over at least this long without a success. */
  disableAfterMs: number;
  /** Webhook URLs may point at loopback, link-local and private addresses (and use http there). */
  allowPrivateNetworks: boolean;
  /** The local hour (agent's time zone) digests go out. */
  digestHour: number;
}
