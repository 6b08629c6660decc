import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { submitHome } from '../homes/support.js';
import { call } from '../tenancy/support.js';

export { API, call, expectProblem } from '../tenancy/support.js';

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
