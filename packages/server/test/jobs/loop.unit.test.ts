import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PassLoop, type PassLoopOptions } from '../../src/jobs/loop.js';

/** A promise the test resolves when it chooses: a pass that is still "in flight". */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function until(what: string, condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

interface Pass {
  fromLoop: boolean;
  /** `running` and the signal's state when the pass began. */
  running: boolean;
  aborted: boolean;
}

/**
 * A loop whose passes are recorded; `work` is each pass's body (by default: done at once).
 * Stopped after the test, so no loop outlives it.
 */
function harness(options: Partial<PassLoopOptions<number>> & { work?: (n: number) => Promise<number> } = {}) {
  const passes: Pass[] = [];
  const errors: { obj: object; msg: string }[] = [];
  const { work = async (n) => n, ...rest } = options;
  const loop: PassLoop<number> = new PassLoop<number>({
    pass: (fromLoop) => {
      passes.push({ fromLoop, running: loop.running, aborted: loop.signal.aborted });
      return work(passes.length);
    },
    intervalMs: 60 * 60 * 1000,
    log: { error: (obj, msg) => errors.push({ obj, msg }) },
    failure: 'test pass failed',
    ...rest,
  });
  loops.push(loop);
  return { loop, passes, errors };
}

let loops: PassLoop<number>[] = [];
afterEach(async () => {
  await Promise.all(loops.map((loop) => loop.stop()));
  loops = [];
});

describe('PassLoop', () => {
  it('runs a pass at once on start, then one every interval', async () => {
    const { loop, passes } = harness({ intervalMs: 20 });
    expect(loop.running).toBe(false);
    loop.start();
    loop.start(); // a second start changes nothing
    expect(loop.running).toBe(true);
    await until('the start-up pass, then three more', () => passes.length >= 4);
    expect(passes.every((p) => p.fromLoop && p.running && !p.aborted)).toBe(true);
  });

  it('goes again at once while a pass says more is due', async () => {
    const { loop, passes } = harness({ more: (n) => n < 5 });
    loop.start();
    await until('five passes, none waiting for the hour-long interval', () => passes.length === 5);
    await sleep(30);
    expect(passes).toHaveLength(5);
  });

  it('kick: a pass soon when idle; during a pass, one more right after it however many kicks came', async () => {
    const gates = [gate(), gate(), gate()];
    const { loop, passes } = harness({
      work: async (n) => {
        await gates[n - 1]?.promise;
        return n;
      },
    });
    loop.kick(); // not started: nothing
    await sleep(20);
    expect(passes).toHaveLength(0);

    loop.start();
    await until('the start-up pass', () => passes.length === 1);
    loop.kick();
    loop.kick();
    loop.kick();
    await sleep(20);
    expect(passes).toHaveLength(1); // no pass overlaps the loop's pass
    gates[0]?.open();
    await until('the pass the kicks asked for', () => passes.length === 2);
    gates[1]?.open();
    await sleep(30);
    expect(passes).toHaveLength(2); // three kicks, one pass; then the hour-long wait

    loop.kick();
    await until('a pass for a kick while idle', () => passes.length === 3);
    gates[2]?.open();
  });

  it('stop() aborts the signal, waits for the pass in flight, and no pass starts after it', async () => {
    const inFlight = gate();
    let runningAtEnd: boolean | undefined;
    const { loop, passes } = harness({
      intervalMs: 5,
      work: async (n) => {
        if (n === 1) {
          await inFlight.promise;
          runningAtEnd = loop.running;
        }
        return n;
      },
    });
    loop.start();
    await until('the start-up pass', () => passes.length === 1);
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    expect(loop.running).toBe(false);
    expect(loop.signal.aborted).toBe(true);
    await sleep(20);
    expect(stopped).toBe(false);
    inFlight.open();
    await stopping;
    // The pass saw the stop (a real pass ends early on it) and the loop did not go again.
    expect(runningAtEnd).toBe(false);
    loop.kick();
    await sleep(30);
    expect(passes).toHaveLength(1);
  });

  it('stop() also waits for a direct pass in flight', async () => {
    const inFlight = gate();
    const { loop } = harness({
      work: async (n) => {
        await inFlight.promise;
        return n;
      },
    });
    let done = false;
    const direct = loop.runOnce().then((n) => {
      done = true;
      return n;
    });
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await sleep(20);
    expect(stopped).toBe(false);
    inFlight.open();
    await stopping;
    expect(done).toBe(true);
    expect(await direct).toBe(1);
  });

  it('a pass that throws is logged and the loop goes on', async () => {
    const failure = new Error('database went away');
    const { loop, passes, errors } = harness({
      intervalMs: 10,
      work: async (n) => {
        if (n === 1) throw failure;
        return n;
      },
    });
    loop.start();
    await until('a pass after the failed one', () => passes.length >= 2);
    expect(errors).toEqual([
      { obj: { err: failure, failuresInARow: 1, retryInMs: 20 }, msg: 'test pass failed' },
    ]);
    expect(loop.running).toBe(true);
  });

  it('backs off after failed passes, doubling the wait up to a minute, and is back on its interval after a success', async () => {
    vi.useFakeTimers();
    try {
      let failing = true;
      const { loop, passes, errors } = harness({
        intervalMs: 1000,
        work: async (n) => {
          if (failing) throw new Error('disk full');
          return n;
        },
      });
      loop.start();
      await vi.advanceTimersByTimeAsync(60_000);
      // Passes at 0, 2, 6, 14 and 30 s (waits of 2, 4, 8, 16, then 32 s): not one a second.
      expect(passes).toHaveLength(5);
      expect(errors.map((e) => (e.obj as { retryInMs: number }).retryInMs)).toEqual([
        2000, 4000, 8000, 16000, 32000,
      ]);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      // At 62 s (after 32 s), then the wait stops growing at MAX_BACKOFF_MS: 122, 182 … 602 s.
      expect(passes).toHaveLength(5 + 10);
      failing = false;
      await vi.advanceTimersByTimeAsync(60_000);
      const recovered = passes.length;
      await vi.advanceTimersByTimeAsync(5_000);
      expect(passes.length - recovered).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a pass that throws before its first await is logged too', async () => {
    const failure = new Error('thrown at once');
    let calls = 0;
    const errors: unknown[] = [];
    const loop = new PassLoop<number>({
      pass: (): Promise<number> => {
        calls++;
        if (calls === 1) throw failure;
        return Promise.resolve(calls);
      },
      intervalMs: 10,
      log: { error: (obj) => errors.push(obj) },
      failure: 'test pass failed',
    });
    loops.push(loop);
    loop.start();
    await until('a pass after the failed one', () => calls >= 2);
    expect(errors).toEqual([{ err: failure, failuresInARow: 1, retryInMs: 20 }]);
    await expect(loop.runOnce()).resolves.toBeGreaterThan(2);
  });

  it('a direct pass works before start and after stop, with a fresh signal; its failure is the caller’s', async () => {
    const { loop, passes, errors } = harness({
      work: async (n) => {
        if (n === 4) throw new Error('direct failure');
        return n * 10;
      },
    });
    expect(await loop.runOnce()).toBe(10);
    loop.start();
    await until('the start-up pass', () => passes.length === 2);
    await loop.stop();
    expect(loop.signal.aborted).toBe(true);

    expect(await loop.runOnce()).toBe(30);
    expect(passes[2]).toEqual({ fromLoop: false, running: false, aborted: false });
    await expect(loop.runOnce()).rejects.toThrow('direct failure');
    expect(errors).toEqual([]);
  });

  it('its timer never keeps the process alive', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const { loop, passes } = harness();
    loop.start();
    await until('the start-up pass', () => passes.length === 1);
    await sleep(5); // the next pass is now an hour away, on the loop's timer
    // The loop adds no timer that holds the process (an earlier test's last sleep may end meanwhile).
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
