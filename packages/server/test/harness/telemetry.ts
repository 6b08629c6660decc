import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { calendarFor } from '../../src/analytics/buckets.js';
import { type StoreRow, writeBatch } from '../../src/telemetry/store.js';
import { Partitions, PostgresWriteSession } from '../../src/telemetry/store-postgres.js';
import { SqliteWriteSession } from '../../src/telemetry/store-sqlite.js';
import { submitHome } from './homes.js';
import { call } from './http.js';

export interface Channel {
  id: string;
  key: string;
  kind: 'register' | 'instantaneous';
  meterId: string;
  meterKind: string;
}

/** Submits an order as `token`'s user; returns the new home and its channels. */
export async function homeWithChannels(
  app: FastifyInstance,
  token: string,
  reference: string,
  overrides: Record<string, unknown> = {},
): Promise<{ homeId: string; channels: Channel[]; channel: (meterKind: string, key: string) => Channel }> {
  const { homeId } = await submitHome(app, token, reference, overrides);
  const meters = await call(app, 'GET', `/homes/${homeId}/meters`, token);
  expect(meters.statusCode, meters.body).toBe(200);
  const channels: Channel[] = [];
  for (const meter of meters.json().items as {
    id: string;
    kind: string;
    channels: { id: string; key: string; kind: Channel['kind'] }[];
  }[]) {
    for (const c of meter.channels) channels.push({ ...c, meterId: meter.id, meterKind: meter.kind });
  }
  const channel = (meterKind: string, key: string): Channel => {
    const found = channels.find((c) => c.meterKind === meterKind && c.key === key);
    if (!found)
      throw new Error(
        `no ${meterKind} ${key} channel; have ${channels.map((c) => `${c.meterKind}/${c.key}`)}`,
      );
    return found;
  };
  return { homeId, channels, channel };
}

export interface Reading {
  channelId: string;
  time: string;
  value: number;
}

export async function push(app: FastifyInstance, token: string, readings: unknown[]) {
  return call(app, 'POST', '/telemetry', token, { readings });
}

/** Pushes and expects every reading stored. */
export async function pushAll(app: FastifyInstance, token: string, readings: Reading[]): Promise<void> {
  const response = await push(app, token, readings);
  expect(response.statusCode, response.body).toBe(200);
  expect(response.json().refused).toEqual([]);
}

export const iso = (t: number): string => new Date(t).toISOString();

/** Logs a home's gateway in: issues its secret (admin) and takes a client_credentials token. */
export async function gatewayToken(
  app: FastifyInstance,
  adminToken: string,
  homeId: string,
): Promise<{ clientId: string; clientSecret: string; token: string }> {
  const issued = await call(app, 'POST', `/homes/${homeId}/gateway/secret`, adminToken);
  expect(issued.statusCode, issued.body).toBe(201);
  const { clientId, clientSecret } = issued.json() as { clientId: string; clientSecret: string };
  const response = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: 'grant_type=client_credentials',
  });
  expect(response.statusCode, response.body).toBe(200);
  return { clientId, clientSecret, token: response.json().access_token as string };
}

/**
 * Stores readings straight into the store (the group commit's writeBatch, rollups and all) without
 * any of ingest's checks: the data a database may hold from before the plausibility checks.
 */
export async function storeUnchecked(
  app: FastifyInstance,
  readings: { channelId: string; time: number; value: number }[],
): Promise<void> {
  const { database } = app.ctx;
  const { db } = database;
  const ids = [...new Set(readings.map((r) => r.channelId))];
  const channels = await db.selectFrom('channels').select(['id', 'home_id']).where('id', 'in', ids).execute();
  await db
    .insertInto('telemetry_series')
    .values(channels.map((c) => ({ channel_id: c.id, home_id: c.home_id })))
    .onConflict((oc) => oc.column('channel_id').doNothing())
    .execute();
  const series = new Map(
    (
      await db
        .selectFrom('telemetry_series')
        .select(['no', 'channel_id'])
        .where('channel_id', 'in', ids)
        .execute()
    ).map((s) => [s.channel_id, s.no]),
  );
  const calendar = calendarFor('Europe/London');
  const rows: StoreRow[] = readings.map((r) => ({
    series: series.get(r.channelId) as number,
    t: r.time,
    v: r.value,
    calendar,
  }));
  if (database.sqlite) {
    const session = new SqliteWriteSession(database.sqlite);
    await db.connection().execute(async () => {
      session.begin();
      try {
        await writeBatch(session, rows);
        session.commit();
      } catch (err) {
        session.rollback();
        throw err;
      }
    });
    return;
  }
  await new Partitions(db).ensure(rows.map((r) => r.t));
  await db.transaction().execute((trx) => writeBatch(new PostgresWriteSession(trx), rows));
}
