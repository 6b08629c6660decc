import type { SimReading, Simulation } from '../types.js';
import { channelSlot } from './provision.js';
import type { BatchOutcome, ReadingSink, WireReading } from './sinks.js';

/** The most readings one push or MQTT message may hold. */
export const MAX_BATCH = 10_000;

/** What a feed sent and what the platform made of it. */
export interface FeedTally {
  sent: number;
  stored: number;
  duplicates: number;
  refused: number;
  /** refusals by reason, e.g. { time_in_future: 12 } (a drifting clock) */
  refusedBy: Record<string, number>;
  /** readings of a channel the platform does not have for this home (none unless the order changed) */
  unmapped: number;
}

export const emptyTally = (): FeedTally => ({
  sent: 0,
  stored: 0,
  duplicates: 0,
  refused: 0,
  refusedBy: {},
  unmapped: 0,
});

export function addOutcome(tally: FeedTally, sent: number, outcome: BatchOutcome): void {
  tally.sent += sent;
  tally.stored += outcome.stored;
  tally.duplicates += outcome.duplicates;
  tally.refused += outcome.refused.length;
  for (const r of outcome.refused) tally.refusedBy[r.reason] = (tally.refusedBy[r.reason] ?? 0) + 1;
}

/** The platform's form of the simulator's readings; readings of unknown channels are counted, not sent. */
export function toWire(
  readings: SimReading[],
  channels: Map<string, string>,
  tally: FeedTally,
): WireReading[] {
  const wire: WireReading[] = [];
  for (const r of readings) {
    const channelId = channels.get(channelSlot(r.meter, r.channel));
    if (!channelId) {
      tally.unmapped++;
      continue;
    }
    wire.push({ channelId, time: new Date(r.t).toISOString(), value: r.value });
  }
  return wire;
}

export interface FeedOptions {
  /** Simulated time per step of generation (default a day): bounds memory on long backfills. */
  chunkMs?: number;
  /** Batches in flight at once (default 2): the platform commits concurrent batches together. */
  inFlight?: number;
  /** Only readings stamped after this time are sent (a resumed run skips what the platform has). */
  after?: number;
  /** Called after each chunk with the simulated time reached. */
  onProgress?: (simulatedUntil: number, tally: FeedTally) => void;
  signal?: AbortSignal;
}

/**
 * Runs the simulation up to `until` and sends every reading through `sink` in batches of at most
 * 10,000, `inFlight` at a time. Resolves with the tally once every batch was answered.
 */
export async function feed(
  sim: Simulation,
  channels: Map<string, string>,
  sink: ReadingSink,
  until: number,
  options: FeedOptions = {},
): Promise<FeedTally> {
  const chunkMs = options.chunkMs ?? 86_400_000;
  const inFlight = Math.max(1, options.inFlight ?? 2);
  const after = options.after ?? Number.NEGATIVE_INFINITY;
  const tally = emptyTally();
  const pending = new Set<Promise<void>>();
  // The first failed batch ends the feed; the others in flight are waited for, never left unhandled.
  let failure: unknown;
  const send = async (batch: WireReading[]) => {
    const tracked: Promise<void> = sink
      .send(batch)
      .then(
        (outcome) => addOutcome(tally, batch.length, outcome),
        (err: unknown) => {
          failure ??= err;
        },
      )
      .finally(() => pending.delete(tracked));
    pending.add(tracked);
    if (pending.size >= inFlight) await Promise.race(pending);
    if (failure !== undefined) {
      await Promise.all(pending);
      throw failure;
    }
  };
  while (sim.now < until) {
    options.signal?.throwIfAborted();
    const readings = sim.advance(Math.min(until, sim.now + chunkMs)).filter((r) => r.t > after);
    const wire = toWire(readings, channels, tally);
    for (let i = 0; i < wire.length; i += MAX_BATCH) await send(wire.slice(i, i + MAX_BATCH));
    options.onProgress?.(sim.now, tally);
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  return tally;
}
