import { type Kysely, sql } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import type { DB } from '../db/schema.js';
import { isoTimeOrNull } from '../db/time.js';
import type { PollHealth } from '../homes/index.js';
import { type Lease, LeaseQueue } from '../jobs/lease-queue.js';
import { MAX_BACKOFF_MS } from '../jobs/loop.js';
import type { Logger } from '../log.js';
import {
  type IncomingReading,
  type IngestResult,
  MAX_READINGS_PER_REQUEST,
  type Writer,
} from '../telemetry/index.js';

/** Where the poller hands readings over: the telemetry ingest (the same checks as push and MQTT). */
export interface PollIngest {
  accept(writer: Writer, readings: IncomingReading[]): Promise<IngestResult>;
}

/** What to poll (meters: homes; intervals: provisioning), and a meter's channels. */
export interface PollTargets {
  /** every meter read by poll of an active home whose amr definition is active */
  polledMeters(): Promise<{ meterId: string; homeId: string; url: string; intervalSeconds: number }[]>;
  channelsOf(meterId: string): Promise<{ id: string; key: string }[]>;
}

export interface PollerDeps {
  db: Kysely<DB>;
  targets: PollTargets;
  /** Unique per process: the lease owner written into poll_state. */
  workerId: string;
  /** How often to look for due meters and provisioning changes. */
  scanIntervalMs: number;
  /** Per HTTP attempt, the answer's body included. */
  timeoutMs: number;
  ingest: PollIngest;
  log: Logger;
  now?: () => number;
  /** The app's Prometheus registry: counts polls as hearth_amr_polls_total{outcome}. */
  metrics?: Registry;
}

/** One meter to poll, as the scan finds it. */
interface PolledMeter {
  meterId: string;
  homeId: string;
  url: string;
  intervalMs: number;
  /** poll_state, when the meter has a row yet. */
  state: {
    leaseOwner: string | null;
    leaseUntil: number;
    nextDue: number;
    lastAttemptAt: number | null;
  } | null;
}

type PollOutcome =
  | { kind: 'success'; note: string | null }
  | { kind: 'failure'; error: string; notBefore?: number }
  | { kind: 'stopped' };

type AttemptResult =
  | { kind: 'answer'; body: unknown }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'final'; error: string }
  | { kind: 'stopped' };

const ATTEMPTS = 3;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;
/** A meter answering more than this is broken or hostile; 10,000 readings are about 1 MB. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Polls in flight per worker; a scan leaves the rest due for the next one (or another worker). */
const MAX_PARALLEL_POLLS = 16;
/** Beyond the HTTP attempts and waits (bounded by the interval): time to store the readings. */
const LEASE_MARGIN_MS = 120_000;
/** A longer Retry-After is taken as this long. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;
const MAX_ERROR_LENGTH = 300;
/** How many unknown channel keys a log line and a note name. */
const NAMED_KEYS = 5;

/**
 * The AMR poller: fetches readings from meters read by `poll` and hands them to the ingest. Every
 * scan re-reads which meters are polled (home active, amr definition active) and at which interval
 * (the definition's intervalSeconds), so provisioning changes apply within one scan. A lease per
 * meter in poll_state makes sure only one worker, in this process or another, polls it at a time.
 */
export class Poller {
  private readonly now: () => number;
  private readonly polls: Counter<'outcome'> | undefined;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** Scans failed in a row (the back-off's exponent). */
  private failedScans = 0;
  private controller = new AbortController();
  /** Polls in flight here, by meter id, so a scan never starts a second poll of one meter. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly scans = new Set<Promise<unknown>>();
  /** A meter's lease: held by this process (workerId), which may take its own meters again. */
  private readonly leases: LeaseQueue<'poll_state'>;

  constructor(private readonly deps: PollerDeps) {
    this.now = deps.now ?? Date.now;
    this.leases = new LeaseQueue(deps.db, {
      table: 'poll_state',
      key: 'meter_id',
      until: 'lease_until',
      owner: 'lease_owner',
      free: 0,
    });
    this.polls = deps.metrics ? pollCounter(deps.metrics) : undefined;
  }

  /** Scans now, then every scanIntervalMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.controller.signal.aborted) this.controller = new AbortController();
    this.schedule(0);
  }

  /** Stops scanning, aborts HTTP requests in flight and waits for every poll to end. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.controller.abort();
    while (this.scans.size > 0 || this.inFlight.size > 0) {
      await Promise.allSettled([...this.scans, ...this.inFlight.values()]);
    }
  }

  /** One scan, then waits for the polls it started (tests drive the poller with this). */
  async runOnce(): Promise<void> {
    if (this.controller.signal.aborted && !this.running) this.controller = new AbortController();
    const started = await this.track(this.scan());
    await Promise.allSettled(started);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.loop();
    }, delayMs);
    // Polling never keeps the process alive on its own: poll_state says what is due.
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    let wait = this.deps.scanIntervalMs;
    try {
      await this.track(this.scan());
      this.failedScans = 0;
    } catch (err) {
      // A full disk or a database that is down fails every scan: back off as PassLoop does.
      this.failedScans++;
      wait = Math.min(MAX_BACKOFF_MS, this.deps.scanIntervalMs * 2 ** Math.min(this.failedScans, 20));
      this.deps.log.error({ err, failuresInARow: this.failedScans, retryInMs: wait }, 'AMR poll scan failed');
    }
    if (this.running) this.schedule(wait);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.scans.add(promise);
    const forget = () => this.scans.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Finds due meters, claims each with its lease and starts its poll; returns the polls started. */
  private async scan(): Promise<Promise<void>[]> {
    const meters = await this.polledMeters();
    const now = this.now();
    await this.createStates(
      meters.filter((m) => m.state === null),
      now,
    );
    const me = this.deps.workerId;
    const due = meters
      .filter((m) => !this.inFlight.has(m.meterId))
      .filter((m) => {
        const s = m.state;
        if (s === null) return true;
        const isDue = s.nextDue <= now || (s.lastAttemptAt !== null && s.lastAttemptAt + m.intervalMs <= now);
        return isDue && (s.leaseUntil < now || s.leaseOwner === me);
      })
      .sort((a, b) => (a.state?.nextDue ?? 0) - (b.state?.nextDue ?? 0));
    const started: Promise<void>[] = [];
    for (const meter of due) {
      if (this.inFlight.size >= MAX_PARALLEL_POLLS || this.controller.signal.aborted) break;
      const start = this.now();
      if (!(await this.claim(meter, start))) continue; // another worker has it, or polled it just now
      const poll = this.poll(meter, start).catch((err: unknown) => {
        // The lease runs out and the meter is polled again: nothing is lost.
        this.deps.log.error({ err, meterId: meter.meterId }, 'AMR poll could not be recorded');
      });
      this.inFlight.set(meter.meterId, poll);
      void poll.finally(() => this.inFlight.delete(meter.meterId));
      started.push(poll);
    }
    return started;
  }

  /**
   * Every meter read by poll of an active home whose amr definition is active, with its interval
   * (from homes and provisioning, through `targets`) and its poll state.
   */
  private async polledMeters(): Promise<PolledMeter[]> {
    const [targets, states] = await Promise.all([
      this.deps.targets.polledMeters(),
      this.deps.db
        .selectFrom('poll_state')
        .select(['meter_id', 'lease_owner', 'lease_until', 'next_due', 'last_attempt_at'])
        .execute(),
    ]);
    const stateOf = new Map(states.map((s) => [s.meter_id, s]));
    return targets.map((target) => {
      const s = stateOf.get(target.meterId);
      return {
        meterId: target.meterId,
        homeId: target.homeId,
        url: target.url,
        intervalMs: target.intervalSeconds * 1000,
        state: s
          ? {
              leaseOwner: s.lease_owner,
              leaseUntil: Number(s.lease_until),
              nextDue: Number(s.next_due),
              lastAttemptAt: s.last_attempt_at === null ? null : Number(s.last_attempt_at),
            }
          : null,
      };
    });
  }

  /** A poll_state row for each meter seen for the first time: due at once. */
  private async createStates(meters: PolledMeter[], now: number): Promise<void> {
    if (meters.length === 0) return;
    await this.deps.db
      .insertInto('poll_state')
      .values(
        meters.map((m) => ({
          meter_id: m.meterId,
          lease_owner: null,
          lease_until: 0,
          next_due: now,
          failures: 0,
          last_attempt_at: null,
          last_success_at: null,
          last_error: null,
        })),
      )
      .onConflict((oc) => oc.column('meter_id').doNothing())
      .execute();
  }

  /**
   * Takes the meter's lease if it is due and nobody else holds it: one conditional UPDATE, so of
   * two workers racing exactly one changes the row. A shortened interval makes a meter scheduled
   * further out due sooner (last attempt + the new interval).
   */
  private async claim(meter: PolledMeter, now: number): Promise<boolean> {
    const leaseMs = ATTEMPTS * this.deps.timeoutMs + meter.intervalMs + LEASE_MARGIN_MS;
    const claimed = await this.leases.claim(this.leaseOf(meter, now + leaseMs), now, {
      set: { last_attempt_at: now },
      also: (eb) => eb.or([eb('next_due', '<=', now), eb('last_attempt_at', '<=', now - meter.intervalMs)]),
      reentrant: true,
    });
    return claimed !== undefined;
  }

  /** This process's lease of the meter (known by its owner; `until` matters only when taking it). */
  private leaseOf(meter: PolledMeter, until = 0): Lease {
    return { key: meter.meterId, owner: this.deps.workerId, until };
  }

  private async poll(meter: PolledMeter, start: number): Promise<void> {
    const outcome = await this.fetchAndStore(meter, start);
    const lease = this.leaseOf(meter);
    if (outcome.kind === 'stopped') {
      // Not the meter's fault: hand it back, still due, for the next worker to take.
      await this.leases.release(lease);
      return;
    }
    const nextDue = start + meter.intervalMs;
    if (outcome.kind === 'success') {
      await this.leases.release(lease, {
        next_due: nextDue,
        failures: 0,
        last_success_at: this.now(),
        last_error: outcome.note,
      });
      this.polls?.inc({ outcome: 'success' });
      return;
    }
    const updated = await this.leases.releaseReturning(lease, {
      // A meter that asked for a pause is leased to nobody until then: the shortened-interval
      // rule of claim() looks past next_due, but never past a lease.
      lease_until: outcome.notBefore ?? 0,
      next_due: nextDue,
      failures: sql<number>`failures + 1`,
      last_error: outcome.error,
    });
    this.polls?.inc({ outcome: 'failure' });
    this.deps.log.warn(
      {
        meterId: meter.meterId,
        homeId: meter.homeId,
        url: withoutCredentials(meter.url),
        failures: updated ? Number(updated.failures) : undefined,
        error: outcome.error,
      },
      `AMR poll failed: ${outcome.error}`,
    );
  }

  /** The meter's answer, mapped to its channels and handed to the ingest in chunks. */
  private async fetchAndStore(meter: PolledMeter, start: number): Promise<PollOutcome> {
    const answer = await this.fetchAnswer(meter, start);
    if (answer.kind !== 'answer') return answer;
    const list = (answer.body as { readings?: unknown } | null)?.readings;
    if (answer.body === null || typeof answer.body !== 'object' || !Array.isArray(list)) {
      return { kind: 'failure', error: 'the answer has no "readings" list' };
    }
    const channels = await this.deps.targets.channelsOf(meter.meterId);
    const byKey = new Map(channels.map((c) => [c.key, c.id]));
    const ids = new Set(channels.map((c) => c.id));
    const readings: IncomingReading[] = [];
    const unknown = new Set<string>();
    let malformed = 0;
    for (const item of list as unknown[]) {
      const r = item as { channel?: unknown; channelId?: unknown; time?: unknown; value?: unknown } | null;
      if (r === null || typeof r !== 'object' || Array.isArray(r)) {
        malformed++;
        continue;
      }
      // Only this meter's channels: a meter cannot write another meter's (or home's) channel.
      const channelId =
        typeof r.channelId === 'string'
          ? ids.has(r.channelId)
            ? r.channelId
            : undefined
          : typeof r.channel === 'string'
            ? byKey.get(r.channel)
            : undefined;
      if (channelId === undefined) {
        if (typeof r.channel === 'string' || typeof r.channelId === 'string') {
          unknown.add(String(typeof r.channelId === 'string' ? r.channelId : r.channel));
        } else malformed++;
        continue;
      }
      if ((typeof r.time !== 'string' && typeof r.time !== 'number') || typeof r.value !== 'number') {
        malformed++;
        continue;
      }
      readings.push({ channelId, time: r.time, value: r.value });
    }
    const refusedHere = list.length - readings.length;
    let stored = 0;
    let duplicates = 0;
    const refusedByIngest: string[] = [];
    try {
      for (let i = 0; i < readings.length; i += MAX_READINGS_PER_REQUEST) {
        if (i > 0) await this.extendLease(meter);
        const result = await this.deps.ingest.accept(
          { kind: 'poller', homeId: meter.homeId },
          readings.slice(i, i + MAX_READINGS_PER_REQUEST),
        );
        stored += result.stored;
        duplicates += result.duplicates;
        for (const r of result.refused) refusedByIngest.push(r.reason);
      }
    } catch (err) {
      // The reason (a database error) is for operators; the meter's status only says what failed.
      this.deps.log.error({ err, meterId: meter.meterId }, 'AMR poll: storing the readings failed');
      return { kind: 'failure', error: 'the readings could not be stored (see the server log)' };
    }
    const refused = refusedHere + refusedByIngest.length;
    if (refused === 0) return { kind: 'success', note: null };
    const reasons: string[] = [];
    if (unknown.size > 0) {
      const named = [...unknown].slice(0, NAMED_KEYS).map((k) => JSON.stringify(k));
      reasons.push(`unknown channel ${named.join(', ')}${unknown.size > NAMED_KEYS ? ', …' : ''}`);
    }
    if (malformed > 0) reasons.push(`${malformed} without channel, time or numeric value`);
    const counts = new Map<string, number>();
    for (const reason of refusedByIngest) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    for (const [reason, n] of counts) reasons.push(`${n} ${reason.replaceAll('_', ' ')}`);
    const note = short(`${refused} of ${list.length} readings refused: ${reasons.join('; ')}`);
    this.deps.log.warn(
      {
        meterId: meter.meterId,
        homeId: meter.homeId,
        received: list.length,
        stored,
        duplicates,
        refused,
        unknownChannels: [...unknown].slice(0, NAMED_KEYS),
      },
      `AMR poll: ${note}`,
    );
    return { kind: 'success', note };
  }

  /** Storing many chunks can take a while: keep the lease meanwhile. */
  private async extendLease(meter: PolledMeter): Promise<void> {
    await this.leases.renew(this.leaseOf(meter), this.now() + LEASE_MARGIN_MS);
  }

  /**
   * GETs the meter's URL up to ATTEMPTS times: network errors, timeouts, 5xx and 429 are retried
   * after an exponential backoff with full jitter, capped so the retries end well within the
   * interval; a Retry-After is honoured when the retry still fits, otherwise the poll ends and the
   * next one waits for it.
   */
  private async fetchAnswer(
    meter: PolledMeter,
    start: number,
  ): Promise<{ kind: 'answer'; body: unknown } | Exclude<PollOutcome, { kind: 'success' }>> {
    const capMs = Math.min(BACKOFF_CAP_MS, meter.intervalMs / 10);
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(meter.url);
      if (result.kind === 'answer' || result.kind === 'stopped') return result;
      if (result.kind === 'final' || attempt === ATTEMPTS) return { kind: 'failure', error: result.error };
      let delayMs = Math.random() * Math.min(capMs, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      if (result.retryAfterMs !== undefined) {
        const elapsed = this.now() - start;
        if (elapsed + result.retryAfterMs + this.deps.timeoutMs >= meter.intervalMs) {
          return {
            kind: 'failure',
            error: `${result.error}, asked to wait ${seconds(result.retryAfterMs)}`,
            notBefore: this.now() + result.retryAfterMs,
          };
        }
        delayMs = result.retryAfterMs;
      }
      if (!(await sleep(delayMs, this.controller.signal))) return { kind: 'stopped' };
    }
  }

  private async attempt(url: string): Promise<AttemptResult> {
    const stop = this.controller.signal;
    const timeout = AbortSignal.timeout(this.deps.timeoutMs);
    const signal = AbortSignal.any([stop, timeout]);
    let text: string;
    let contentType: string;
    try {
      const { href, authorization } = splitCredentials(url);
      const headers = { accept: 'application/json', ...(authorization ? { authorization } : {}) };
      const response = await fetch(href, { headers, signal });
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        const error = `HTTP ${response.status} from the meter`;
        if (response.status === 429 || response.status >= 500) {
          const retryAfterMs =
            response.status === 429 || response.status === 503
              ? parseRetryAfter(response.headers.get('retry-after'), Date.now())
              : undefined;
          return { kind: 'retry', error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
        }
        return { kind: 'final', error };
      }
      contentType = response.headers.get('content-type')?.split(';')[0]?.trim() || 'no content type';
      text = await readText(response, MAX_BODY_BYTES);
    } catch (err) {
      if (stop.aborted) return { kind: 'stopped' };
      if (timeout.aborted)
        return { kind: 'retry', error: `no answer within ${seconds(this.deps.timeoutMs)}` };
      if (err instanceof BodyTooLarge) return { kind: 'final', error: err.message };
      return { kind: 'retry', error: short(`cannot reach the meter: ${networkError(err)}`) };
    }
    try {
      return { kind: 'answer', body: JSON.parse(text) };
    } catch {
      // Not the parser's message: it quotes the body, and meter URLs are set by agents, so an
      // internal page's content would reach them through the meter's status.
      const size = Buffer.byteLength(text);
      return { kind: 'final', error: short(`the answer is not JSON: ${contentType}, ${size} bytes`) };
    }
  }
}

/** Poll health of each meter that has been seen by a poller (others are absent from the map). */
export async function pollStatus(db: Kysely<DB>, meterIds: string[]): Promise<Map<string, PollHealth>> {
  const ids = [...new Set(meterIds)];
  const status = new Map<string, PollHealth>();
  // Bounded IN lists: SQLite and pg both cap the parameters of one statement.
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('poll_state')
      .select(['meter_id', 'last_attempt_at', 'last_success_at', 'failures', 'last_error'])
      .where('meter_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      status.set(row.meter_id, {
        lastAttemptAt: isoTimeOrNull(row.last_attempt_at),
        lastSuccessAt: isoTimeOrNull(row.last_success_at),
        failures: Number(row.failures),
        lastError: row.last_error,
      });
    }
  }
  return status;
}

function pollCounter(registry: Registry): Counter<'outcome'> {
  const name = 'hearth_amr_polls_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'outcome'>;
  return new Counter({
    name,
    help: 'Meter polls by outcome: success (answer taken, even if some readings were refused) or failure',
    labelNames: ['outcome'],
    registers: [registry],
  });
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

class BodyTooLarge extends Error {
  constructor(limit: number) {
    super(`the answer is larger than ${Math.round(limit / 1024 / 1024)} MiB`);
  }
}

async function readText(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw new BodyTooLarge(limit);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Waits, unless stopped first; false when stopped. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'the connection closed before the answer was complete',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
};

/** fetch says "fetch failed"; the reason is in its cause. */
function networkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code && NETWORK_ERRORS[code]) return NETWORK_ERRORS[code];
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return errorText(err);
}

/** fetch refuses a URL holding credentials: they go as HTTP Basic authentication instead. */
function splitCredentials(url: string): { href: string; authorization?: string } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { href: url };
  const pair = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { href: parsed.toString(), authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

/** A URL as logs may show it: user and password removed. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function short(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/** "10 s", "0.2 s", "1.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1))} s`;
}
