import type { FastifyInstance } from 'fastify';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { call } from './http.js';
import { completeOrder } from './orders.js';

/** A home with amr, its channel ids, and its gateway's credentials as the API issued them. */
export interface GatewayHome {
  homeId: string;
  channelIds: string[];
  clientId: string;
  clientSecret: string;
}

let homeNo = 0;

/** Submits a complete order as `token`'s user, then issues the home's gateway secret. */
export async function gatewayHome(
  app: FastifyInstance,
  token: string,
  prefix = 'MQTT',
): Promise<GatewayHome> {
  const reference = `${prefix}-${++homeNo}-${Date.now().toString(36)}`;
  const draft = await call(app, 'POST', '/orders', token, completeOrder(reference));
  expect(draft.statusCode, draft.body).toBe(201);
  const submitted = await call(app, 'POST', `/orders/${draft.json().id}/submission`, token);
  expect(submitted.statusCode, submitted.body).toBe(201);
  const homeId = submitted.json().homeId as string;
  const meters = await call(app, 'GET', `/homes/${homeId}/meters`, token);
  expect(meters.statusCode, meters.body).toBe(200);
  const channelIds = (meters.json().items as { channels: { id: string }[] }[]).flatMap((m) =>
    m.channels.map((c) => c.id),
  );
  expect(channelIds.length).toBeGreaterThan(0);
  const secret = await call(app, 'POST', `/homes/${homeId}/gateway/secret`, token);
  expect(secret.statusCode, secret.body).toBe(201);
  const { clientId, clientSecret } = secret.json() as { clientId: string; clientSecret: string };
  return { homeId, channelIds, clientId, clientSecret };
}

export const readingsTopic = (clientId: string) => `hearth/v1/gateways/${clientId}/readings`;
export const resultsTopic = (clientId: string) => `hearth/v1/gateways/${clientId}/results`;

/** A gateway's MQTT connection (as a real gateway would make it), collecting its results messages. */
export interface GatewayConnection {
  client: MqttClient;
  /** Every results message received so far, parsed. */
  results: Record<string, unknown>[];
  /** The first results message (already received or still to come) with this id. */
  result(id: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Connects as the gateway (client id = username = its client id) and subscribes to its results.
 * Rejects like mqtt.js does when the broker refuses the login.
 */
export async function connectGateway(
  url: string,
  gateway: { clientId: string; clientSecret: string },
  options: IClientOptions = {},
): Promise<GatewayConnection> {
  const client = await connectAsync(url, {
    clientId: gateway.clientId,
    username: gateway.clientId,
    password: gateway.clientSecret,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  const results: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload) => {
    if (topic !== resultsTopic(gateway.clientId)) return;
    results.push(JSON.parse(payload.toString('utf8')) as Record<string, unknown>);
    for (const wake of waiters) wake();
  });
  client.on('error', () => {});
  const granted = await client.subscribeAsync(resultsTopic(gateway.clientId), { qos: 1 });
  expect(granted[0]?.qos).toBe(1);
  return {
    client,
    results,
    result(id, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = results.find((r) => r.id === id);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no results message with id ${id} within ${timeoutMs} ms; got ${JSON.stringify(results)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => client.endAsync(true),
  };
}

/** Resolves when the client's connection closes (mqtt.js's typed emitter does not suit events.once). */
export const closeOf = (client: MqttClient): Promise<void> =>
  new Promise((resolve) => {
    client.once('close', () => resolve());
  });

/** `n` minutes before now, on the minute, as a gateway would stamp a reading. */
export const minutesAgo = (n: number): string =>
  new Date(Math.floor(Date.now() / 60_000) * 60_000 - n * 60_000).toISOString();

/** The minute this module was loaded: readings' values follow their time from it. */
const BASE = Math.floor(Date.now() / 60_000) * 60_000;

/**
 * A value any channel of a heat meter can read at `time`, the same whenever it is sent: 30 at the
 * module's start, rising 0.01 a minute (a register's kWh, a power in W, a temperature in °C).
 */
export const plausibleAt = (time: string): number =>
  Math.round((30 + (Date.parse(time) - BASE) / 6_000_000) * 10_000) / 10_000;

/** A readings message for one channel: `count` readings a minute apart, ending a minute ago. */
export function readingsMessage(id: string, channelId: string, count: number, start = 1) {
  return {
    id,
    readings: Array.from({ length: count }, (_, i) => {
      const time = minutesAgo(start + i);
      return { channelId, time, value: plausibleAt(time) };
    }),
  };
}

/** How many readings the database holds for these channels. */
export async function storedCount(app: FastifyInstance, channelIds: string[]): Promise<number> {
  const row = await app.ctx.database.db
    .selectFrom('readings')
    .innerJoin('telemetry_series as s', 's.no', 'readings.series')
    .where('s.channel_id', 'in', channelIds)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The stored (time, value) pairs of one channel, oldest first. */
export async function storedReadings(
  app: FastifyInstance,
  channelId: string,
): Promise<{ time: string; value: number }[]> {
  const rows = await app.ctx.database.db
    .selectFrom('readings')
    .innerJoin('telemetry_series as s', 's.no', 'readings.series')
    .where('s.channel_id', '=', channelId)
    .select(['readings.t', 'readings.value'])
    .orderBy('readings.t')
    .execute();
  return rows.map((r) => ({ time: new Date(Number(r.t)).toISOString(), value: Number(r.value) }));
}
