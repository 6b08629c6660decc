import type { HearthClient, PushResult } from '@hearth/client';
import { connectAsync, type MqttClient } from 'mqtt';

/** One reading as the platform takes it. */
export interface WireReading {
  channelId: string;
  time: string;
  value: number;
}

/** What the platform said about a batch. */
export interface BatchOutcome {
  stored: number;
  duplicates: number;
  refused: PushResult['refused'];
}

/** Where a simulated gateway sends its readings: a batch of at most 10,000, answered after commit. */
export interface ReadingSink {
  send(readings: WireReading[]): Promise<BatchOutcome>;
  close(): Promise<void>;
}

/** HTTP push (`POST /telemetry`) with the gateway's token. */
export function httpSink(gateway: HearthClient): ReadingSink {
  return {
    async send(readings) {
      const result = await gateway.telemetry.push(readings);
      return { stored: result.stored, duplicates: result.duplicates, refused: result.refused };
    },
    async close() {
      await gateway.logout().catch(() => {});
    },
  };
}

interface ResultsMessage {
  id?: string;
  stored?: number;
  duplicates?: number;
  refused?: PushResult['refused'];
  error?: string;
  detail?: string;
}

/**
 * MQTT publish to the gateway's readings topic, QoS 1 (the platform acknowledges after the
 * commit), waiting for the matching message on the results topic to learn what was stored.
 */
export async function mqttSink(
  url: string,
  credentials: { clientId: string; clientSecret: string },
): Promise<ReadingSink> {
  const client: MqttClient = await connectAsync(url, {
    clientId: credentials.clientId,
    username: credentials.clientId,
    password: credentials.clientSecret,
    protocolVersion: 4,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
  });
  client.on('error', () => {});
  const readingsTopic = `hearth/v1/gateways/${credentials.clientId}/readings`;
  const resultsTopic = `hearth/v1/gateways/${credentials.clientId}/results`;
  const waiting = new Map<string, (message: ResultsMessage) => void>();
  client.on('message', (topic, payload) => {
    if (topic !== resultsTopic) return;
    const message = JSON.parse(payload.toString('utf8')) as ResultsMessage;
    if (message.id) waiting.get(message.id)?.(message);
  });
  await client.subscribeAsync(resultsTopic, { qos: 1 });
  let sequence = 0;
  return {
    async send(readings) {
      const id = `sim-${Date.now().toString(36)}-${++sequence}`;
      const answered = new Promise<ResultsMessage>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`no results message for ${id} within 60 s`));
        }, 60_000);
        waiting.set(id, (message) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(message);
        });
      });
      await client.publishAsync(readingsTopic, JSON.stringify({ id, readings }), { qos: 1 });
      const result = await answered;
      if (result.error) throw new Error(`MQTT batch ${id} refused: ${result.error} ${result.detail ?? ''}`);
      return {
        stored: result.stored ?? 0,
        duplicates: result.duplicates ?? 0,
        refused: result.refused ?? [],
      };
    },
    async close() {
      await client.endAsync();
    },
  };
}
