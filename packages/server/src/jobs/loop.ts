import type { StorageHealth } from '../db/storage-faults.js';

/** The subset of a pino logger a loop writes its failed passes to (Fastify's `app.log` fits). */
export interface PassLoopLog {
  error(obj: object, msg: string): void;
}

export interface PassLoopOptions<T> {
  /**
   * One pass of the work. `fromLoop` is true for the loop's own passes, false for `runOnce`'s.
   * A loop pass should end early once `running` turns false; attempts that `signal` can cut short
   * should take it when they begin (read it then, not once per pass: it is renewed).
   */
  pass: (fromLoop: boolean) => Promise<T>;
  /** The wait between the end of one loop pass and the start of the next. */
  intervalMs: number;
  /** Whether more work may be due at once after this pass (a full batch): the loop goes again without waiting. */
  more?: (result: T) => boolean;
  log: PassLoopLog;
  /** The log line of a loop pass that failed, e.g. 'mail outbox pass failed'. */
  failure: string;
  /** Where a failed pass's storage fault is recorded (/readyz reports it). */
  storage?: StorageHealth;
}

/** The longest wait after failed passes: the loop backs off to it, doubling from intervalMs. */
export const MAX_BACKOFF_MS = 60_000;

/**
 * A background worker's loop: a pass at once on start(), then one intervalMs after each pass ends
 * (at once if the pass says more is due), one soon on kick(). Passes never overlap within the
 * loop; a loop pass that fails is logged and the loop goes on, backing off (twice the wait after
 * each failure in a row, up to MAX_BACKOFF_MS) so a full disk or a database that is down is not
 * retried every second. Its timer never keeps the process
 * alive: what is not done yet stays in the database for the next pass or process. stop() waits for
 * every pass in flight, runOnce()'s included, so the database can close after it.
 */
export class PassLoop<T> {
  private active = false;
  private timer: NodeJS.Timeout | undefined;
  /** The loop's pass in flight, if any. */
  private loopPass: Promise<unknown> | undefined;
  /** A kick arrived during a loop pass: go again as soon as it ends. */
  private kicked = false;
  /** Every pass in flight (the loop's and runOnce's), for stop() to wait on. */
  private readonly passes = new Set<Promise<unknown>>();
  private stopping = new AbortController();
  /** Loop passes failed in a row (the back-off's exponent). */
  private failures = 0;

  constructor(private readonly options: PassLoopOptions<T>) {}

  /** Between start() and stop(). A loop pass checks it to end early on a stop. */
  get running(): boolean {
    return this.active;
  }

  /**
   * Aborted by stop(), so work in flight (a slow HTTP call) never holds up a shutdown; renewed by
   * start() and by a runOnce() after the stop, once nothing stopped is still in flight.
   */
  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  /** A pass now, then every intervalMs after each pass ends, until stop(). */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.stopping = new AbortController();
    this.schedule(0);
  }

  /**
   * Wakes the loop (after a commit) instead of waiting for the interval: a pass at once, or, while
   * a loop pass is running, another right after it. Nothing before start() or after stop().
   */
  kick(): void {
    if (!this.active) return;
    if (this.loopPass) {
      this.kicked = true;
      return;
    }
    this.schedule(0);
  }

  /**
   * One pass outside the loop (for tests and callers that want it now), whether or not the loop
   * runs; it may overlap a loop pass. Its failure is the caller's: it is thrown, not logged.
   */
  runOnce(): Promise<T> {
    // After stop(): this pass's work is not cut short by that earlier stop.
    if (this.stopping.signal.aborted && this.passes.size === 0) this.stopping = new AbortController();
    return this.track(this.begin(false));
  }

  /** Stops the timer, aborts `signal` and waits for every pass in flight. */
  async stop(): Promise<void> {
    this.active = false;
    this.kicked = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    while (this.passes.size > 0) await Promise.allSettled([...this.passes]);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runLoopPass();
    }, delayMs);
    this.timer.unref();
  }

  private async runLoopPass(): Promise<void> {
    if (!this.active || this.loopPass) return;
    this.kicked = false;
    let again = false;
    const pass = this.track(this.begin(true)).then(
      (result) => {
        this.failures = 0;
        again = this.options.more?.(result) ?? false;
      },
      (err: unknown) => {
        this.failures++;
        const fault = this.options.storage?.record(err);
        this.options.log.error(
          {
            err,
            failuresInARow: this.failures,
            retryInMs: this.retryDelay(),
            ...(fault ? { storage: fault.kind } : {}),
          },
          this.options.failure,
        );
      },
    );
    this.loopPass = pass;
    try {
      await pass;
    } finally {
      this.loopPass = undefined;
    }
    if (!this.active) return;
    if (this.failures > 0) this.schedule(this.retryDelay());
    else this.schedule(again || this.kicked ? 0 : this.options.intervalMs);
  }

  /** The wait after the latest failed pass: intervalMs doubled per failure in a row, at most MAX_BACKOFF_MS. */
  private retryDelay(): number {
    return Math.min(MAX_BACKOFF_MS, Math.max(this.options.intervalMs, 1) * 2 ** Math.min(this.failures, 20));
  }

  /** Starts a pass at once; one that throws before its first await fails like any other. */
  private begin(fromLoop: boolean): Promise<T> {
    try {
      return this.options.pass(fromLoop);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private track<P>(promise: Promise<P>): Promise<P> {
    this.passes.add(promise);
    const forget = () => this.passes.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}
