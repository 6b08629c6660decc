/**
 * A gateway's readings message, whichever way it came (the embedded broker or an external one): its
 * parsing, its storing and the answer published on the results topic (docs/mqtt.md).
 */

import type { AmrConfig } from '../config.js';
import type { GatewayIdentity } from '../gateways/index.js';
import type { Logger } from '../log.js';
import {
  type IncomingReading,
  type IngestResult,
  MAX_READINGS_PER_REQUEST,
  type Refusal,
  type Writer,
} from '../telemetry/index.js';

/**
 * The largest payload read: 10,000 readings of about 110 bytes each, with room for whitespace.
 * A bigger one is answered `payload_too_large` without being parsed.
 */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** The longest `id` a gateway may give a message; it is echoed in the results. */
export const MAX_MESSAGE_ID_LENGTH = 200;

/** What a gateway finds on its results topic for one message. */
export type ResultsMessage =
  | ({ id?: string } & IngestResult)
  | { id?: string; error: MessageErrorCode; detail: string };

export type MessageErrorCode =
  | 'payload_too_large'
  | 'malformed_json'
  | 'validation_failed'
  | 'too_many_readings'
  | 'unknown_gateway';

/** A payload checked for shape: the readings to ingest, or why the whole message is refused. */
type ParsedPayload =
  | {
      ok: true;
      id?: string;
      received: number;
      /** Readings of the right shape, with their index in the message. */
      readings: { index: number; reading: IncomingReading }[];
      /** Readings of the wrong shape, refused without reaching the store. */
      refused: Refusal[];
    }
  | { ok: false; id?: string; error: MessageErrorCode; detail: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a readings message cheaply (no schema compiler): a JSON object `{"id"?, "readings": [...]}`
 * with at most MAX_READINGS_PER_REQUEST objects. A reading whose fields have the wrong type is
 * refused on its own (with the reason the store would give), so the rest of the batch is stored.
 */
export function parseReadingsPayload(payload: Buffer): ParsedPayload {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return {
      ok: false,
      error: 'payload_too_large',
      detail: `The payload has ${payload.length} bytes; at most ${MAX_PAYLOAD_BYTES} are read`,
    };
  }
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (err) {
    return {
      ok: false,
      error: 'malformed_json',
      detail: `The payload is not UTF-8 JSON: ${(err as Error).message}`,
    };
  }
  const shape = 'expected {"id"?: string, "readings": [{"channelId", "time", "value"}, …]}';
  if (!isObject(document)) {
    return { ok: false, error: 'validation_failed', detail: `The payload is not a JSON object; ${shape}` };
  }
  const { id, readings } = document;
  const validId = typeof id === 'string' && id.length > 0 && id.length <= MAX_MESSAGE_ID_LENGTH;
  const echo = validId ? { id } : {};
  if (id !== undefined && !validId) {
    return {
      ok: false,
      error: 'validation_failed',
      detail: `id must be a string of 1 to ${MAX_MESSAGE_ID_LENGTH} characters`,
    };
  }
  const unknown = Object.keys(document).filter((key) => key !== 'id' && key !== 'readings');
  if (unknown.length > 0) {
    return {
      ...echo,
      ok: false,
      error: 'validation_failed',
      detail: `Unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; ${shape}`,
    };
  }
  if (!Array.isArray(readings)) {
    return { ...echo, ok: false, error: 'validation_failed', detail: `readings must be an array; ${shape}` };
  }
  if (readings.length > MAX_READINGS_PER_REQUEST) {
    return {
      ...echo,
      ok: false,
      error: 'too_many_readings',
      detail: `The message has ${readings.length} readings; at most ${MAX_READINGS_PER_REQUEST} per message`,
    };
  }
  const good: { index: number; reading: IncomingReading }[] = [];
  const refused: Refusal[] = [];
  for (const [index, item] of readings.entries()) {
    if (!isObject(item)) {
      return {
        ...echo,
        ok: false,
        error: 'validation_failed',
        detail: `readings[${index}] is not an object; ${shape}`,
      };
    }
    const { channelId, time, value } = item;
    const shownId = typeof channelId === 'string' ? channelId : '';
    if (typeof channelId !== 'string') {
      refused.push({
        index,
        channelId: shownId,
        reason: 'unknown_channel',
        detail: 'channelId must be a string',
      });
    } else if (typeof time !== 'string') {
      refused.push({
        index,
        channelId,
        reason: 'time_invalid',
        detail: 'time must be an RFC 3339 string with an offset, e.g. 2026-01-31T12:00:00Z',
      });
    } else if (typeof value !== 'number') {
      refused.push({ index, channelId, reason: 'value_not_finite', detail: 'value must be a JSON number' });
    } else {
      good.push({ index, reading: { channelId, time, value } });
    }
  }
  return { ...echo, ok: true, received: readings.length, readings: good, refused };
}

/** What storing a message needs. */
export interface MessageStore {
  ingest: { accept(writer: Writer, readings: IncomingReading[]): Promise<IngestResult> };
  log: Logger;
}

/**
 * Checks and stores one message's readings; resolves with what to publish on the results topic
 * once the store committed. Rejects when the store fails: the message must not be acknowledged.
 */
export async function ingestMessage(
  deps: MessageStore,
  gateway: GatewayIdentity,
  payload: Buffer,
): Promise<ResultsMessage> {
  const parsed = parseReadingsPayload(payload);
  if (!parsed.ok) {
    deps.log.warn(
      {
        gatewayClientId: gateway.clientId,
        homeId: gateway.homeId,
        error: parsed.error,
        detail: parsed.detail,
      },
      'MQTT readings message refused',
    );
    const { ok: _ok, ...answer } = parsed;
    return answer;
  }
  const echo = parsed.id !== undefined ? { id: parsed.id } : {};
  const writer: Writer = { kind: 'gateway', ...gateway };
  const result =
    parsed.readings.length > 0
      ? await deps.ingest.accept(
          writer,
          parsed.readings.map((r) => r.reading),
        )
      : { received: 0, stored: 0, duplicates: 0, refused: [] };
  // The store numbers refusals within what it was given; the gateway needs its own indexes.
  const refused = [
    ...parsed.refused,
    ...result.refused.map((r) => ({ ...r, index: parsed.readings[r.index]?.index ?? r.index })),
  ].sort((a, b) => a.index - b.index);
  if (refused.length > 0) {
    deps.log.info(
      {
        gatewayClientId: gateway.clientId,
        homeId: gateway.homeId,
        refused: refused.length,
        first: refused[0],
      },
      'MQTT readings refused',
    );
  }
  return {
    ...echo,
    received: parsed.received,
    stored: result.stored,
    duplicates: result.duplicates,
    refused,
  };
}

/** Messages being handled, for a stop to wait on. */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  get size(): number {
    return this.pending.size;
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves once nothing is in flight, including what arrived while waiting. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** What the MQTT ingress needs from the gateways feature. */
export interface GatewayDirectory {
  /** The gateway if this is its client id and current secret, it is active and its agent is not suspended. */
  authenticateSecret(clientId: string, secret: string): Promise<GatewayIdentity | undefined>;
  /** The gateway if it is active and its agent is not suspended. */
  findActive(clientId: string): Promise<GatewayIdentity | undefined>;
}

/** What the ingress needs; `ingest` and `log` are what storing a message needs (mqtt-messages.ts). */
export interface MqttIngressDeps extends MessageStore {
  amr: AmrConfig;
  /** Where the embedded broker listens (config.host). */
  host: string;
  /** config.tls: when given, the embedded broker speaks MQTT over TLS (mqtts). */
  tls?: { cert: string; key: string };
  /** Unique per process: names this worker's session on an external broker. */
  workerId: string;
  gateways: GatewayDirectory;
}
