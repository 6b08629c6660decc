import type { Scope } from '../auth/index.js';

/** One reading as a writer sends it (push body, MQTT payload, a poll answer mapped to channel ids). */
export interface IncomingReading {
  channelId: string;
  /** RFC 3339 with an offset or Z (push, MQTT), or epoch milliseconds (poll after mapping). */
  time: string | number;
  value: number;
}

/** Why one reading was not stored; the answer lists each with its index in the request. */
export type RefusalReason =
  | 'unknown_channel'
  | 'channel_not_writable'
  | 'not_collecting'
  | 'time_invalid'
  | 'time_in_future'
  | 'before_channel'
  | 'value_not_finite'
  | 'value_out_of_range'
  | 'temperature_out_of_range'
  | 'power_negative'
  | 'power_too_high'
  | 'flow_out_of_range'
  | 'percent_out_of_range'
  | 'register_negative'
  | 'register_too_high'
  | 'register_fell'
  | 'register_too_fast'
  | 'conflicting_value';

export interface Refusal {
  index: number;
  channelId: string;
  reason: RefusalReason;
  detail: string;
}

export interface IngestResult {
  /** Readings in the request. */
  received: number;
  /** Readings newly stored by this request. */
  stored: number;
  /** Readings already stored with the same channel, time and value (a re-send): not an error. */
  duplicates: number;
  refused: Refusal[];
}

/**
 * Who writes: a home's gateway (its own home's channels only, while the home collects), a user
 * (admin or editor importing, within the homes they see), or the AMR poller for one home.
 */
export type Writer =
  | { kind: 'gateway'; clientId: string; homeId: string; agentId: string }
  | { kind: 'user'; scope: Scope }
  | { kind: 'poller'; homeId: string };

export const MAX_READINGS_PER_REQUEST = 10_000;
/** A reading may be up to this far ahead of the server's clock (gateway clocks drift). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
