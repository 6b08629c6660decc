import { availableParallelism, loadavg } from 'node:os';

/**
 * How much longer than on an idle machine a test may take before it counts as hung.
 * HEARTH_TEST_TIMEOUT_SCALE sets it; otherwise it is the machine's load per core when the file
 * starts (at least 2), so a busy shared machine gets the time it needs and a hang still fails.
 */
export function timeoutScale(): number {
  const set = Number(process.env.HEARTH_TEST_TIMEOUT_SCALE);
  if (Number.isFinite(set) && set > 0) return set;
  return Math.max(2, Math.ceil((loadavg()[0] ?? 0) / availableParallelism()));
}

/** A timeout stated for an idle machine, scaled for this one: `it('…', fn, timeout(60_000))`. */
export const timeout = (idleMs: number): number => Math.round(idleMs * timeoutScale());
