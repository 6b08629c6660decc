import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOrder, dialect } from '../../server/test/harness/index.js';
import {
  HearthClient as Client,
  ConflictError,
  type CreateOrderInput,
  type FetchLike,
  type HearthClient,
  HearthConnectionError,
  InvalidRequestError,
  MAX_READINGS_PER_PUSH,
  MemoryTokenStore,
  NotLoggedInError,
  OAuthError,
  PayloadTooLargeError,
  PermissionError,
} from '../src/index.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from './support.js';

let server: LiveServer;
let admin: HearthClient;
let adminLogin: { username: string; password: string };
beforeAll(async () => {
  server = await startServer();
  adminLogin = (await createAgentWithAdmin(server, await operatorClient(server))).admin;
  admin = clientFor(server);
  await admin.login(adminLogin);
});
afterAll(async () => server.close());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Whole hours two days back: inside the fixture home's history (commissioned 2026-10-01), never ahead. */
const base = Math.floor((Date.now() - 2 * 24 * HOUR) / HOUR) * HOUR;
const iso = (t: number) => new Date(t).toISOString();

/** A submitted home (heat meter, electricity meter, outdoor sensor) and a channel id by key. */
async function home(): Promise<{ homeId: string; channel: (key: string) => string }> {
  const order = await admin.orders.create(completeOrder(`TEL-${unique()}`) as CreateOrderInput);
  const { homeId } = await admin.orders.submit(order.id);
  const channels = (await admin.homes.meters(homeId)).flatMap((m) => m.channels);
  return {
    homeId,
    channel: (key) => {
      const found = channels.find((c) => c.key === key);
      if (!found) throw new Error(`no channel ${key}`);
      return found.id;
    },
  };
}

describe(`gateways and client-credentials login through the SDK (${dialect})`, () => {
  it('a gateway logs in with the secret issued once, pushes, and gets a new token by itself when its token expires or is refused', async () => {
    const { homeId, channel } = await home();
    expect(await admin.gateways.get(homeId)).toMatchObject({
      homeId,
      status: 'no_secret',
      secretIssuedAt: null,
    });

    const issued = await admin.gateways.issueSecret(homeId);
    expect(issued).toMatchObject({ homeId, status: 'active', clientSecret: expect.any(String) });
    const shown = await admin.gateways.get(homeId);
    expect(shown.status).toBe('active');
    expect(shown).not.toHaveProperty('clientSecret');

    let clock = Date.now();
    const gateway = clientFor(server, { now: () => clock });
    const tokens = await gateway.loginWithClientCredentials({
      clientId: issued.clientId,
      clientSecret: issued.clientSecret,
    });
    expect(tokens.refreshToken).toBeUndefined();

    const power = channel('heat_power');
    const readings = [0, 1, 2].map((k) => ({
      channelId: power,
      time: new Date(base + k * MINUTE),
      value: 1000 + k,
    }));
    expect(await gateway.telemetry.push(readings)).toEqual({
      received: 3,
      stored: 3,
      duplicates: 0,
      refused: [],
    });
    // Sent again: nothing stored twice.
    expect(await gateway.telemetry.push(readings)).toMatchObject({ stored: 0, duplicates: 3 });

    // A gateway token pushes and does nothing else.
    await expect(gateway.telemetry.latest(homeId)).rejects.toBeInstanceOf(PermissionError);

    // Expired (on the SDK's clock): a new client_credentials token before the push; no refresh token exists.
    clock += 2 * 24 * HOUR;
    let seen = server.requests.length;
    const next = { channelId: power, time: iso(base + 3 * MINUTE), value: 1003 };
    expect((await gateway.telemetry.push([next])).stored).toBe(1);
    expect(server.seenSince(seen)).toEqual(['POST /oauth/token 200', 'POST /api/v/1/telemetry 200']);

    // Refused (revoked on the server while the secret stays good): authenticate again and re-send.
    await server.test.app.ctx.services.auth.revokeClientTokens(issued.clientId);
    seen = server.requests.length;
    expect((await gateway.telemetry.push([next])).duplicates).toBe(1);
    expect(server.seenSince(seen)).toEqual([
      'POST /api/v/1/telemetry 401',
      'POST /oauth/token 200',
      'POST /api/v/1/telemetry 200',
    ]);
    expect((await admin.gateways.get(homeId)).lastUsedAt).not.toBeNull();

    // The admin revokes the secret: the gateway's token is refused and so is its secret.
    await admin.gateways.revokeSecret(homeId);
    expect((await admin.gateways.get(homeId)).status).toBe('revoked');
    const error = await gateway.telemetry.push([next]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotLoggedInError);
    expect((error as NotLoggedInError).cause).toBeInstanceOf(OAuthError);
    expect(((error as NotLoggedInError).cause as OAuthError).error).toBe('invalid_client');
    await expect(
      clientFor(server).loginWithClientCredentials({
        clientId: issued.clientId,
        clientSecret: issued.clientSecret,
      }),
    ).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('logout revokes the gateway token with the gateway’s own client; a replaced secret no longer logs in', async () => {
    const { homeId, channel } = await home();
    const first = await admin.gateways.issueSecret(homeId);
    const second = await admin.gateways.issueSecret(homeId);
    expect(second.clientId).toBe(first.clientId);
    expect(second.clientSecret).not.toBe(first.clientSecret);
    await expect(
      clientFor(server).loginWithClientCredentials({
        clientId: first.clientId,
        clientSecret: first.clientSecret,
      }),
    ).rejects.toBeInstanceOf(OAuthError);

    const gateway = clientFor(server);
    const { accessToken } = await gateway.loginWithClientCredentials({
      clientId: second.clientId,
      clientSecret: second.clientSecret,
    });
    const seen = server.requests.length;
    await gateway.logout();
    expect(server.seenSince(seen)).toEqual(['POST /oauth/revoke 200']);
    await expect(gateway.telemetry.push([])).rejects.toBeInstanceOf(NotLoggedInError);
    // The revoked token itself is refused.
    const response = await fetch(`${server.url}/api/v/1/telemetry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ readings: [{ channelId: channel('heat_power'), time: iso(base), value: 1 }] }),
    });
    expect(response.status).toBe(401);
  });
});

describe(`telemetry through the SDK (${dialect})`, () => {
  it('push answers counts and each refusal by index; query, CSV export (text and stream) and latest read back', async () => {
    const { homeId, channel } = await home();
    const flow = channel('flow_temperature');
    const energy = channel('heat_energy');
    const readings = [
      ...[0, 1, 2, 3].map((k) => ({ channelId: flow, time: iso(base + k * 15 * MINUTE), value: 40 + k })),
      ...[0, 1, 2, 3].map((k) => ({
        channelId: energy,
        time: iso(base + k * 15 * MINUTE),
        value: 100 + 2 * k,
      })),
    ];
    const unknown = randomUUID();
    const result = await admin.telemetry.push([
      ...readings,
      { channelId: unknown, time: iso(base), value: 1 },
      { channelId: flow, time: iso(Date.now() + 24 * HOUR), value: 1 },
      { channelId: flow, time: '2020-01-01T00:00:00Z', value: 1 },
      { channelId: flow, time: 'yesterday', value: 1 },
      { channelId: flow, time: iso(base), value: 99 },
    ]);
    expect(result).toMatchObject({ received: 13, stored: 8, duplicates: 0 });
    expect(result.refused.map((r) => [r.index, r.reason])).toEqual([
      [8, 'unknown_channel'],
      [9, 'time_in_future'],
      [10, 'before_channel'],
      [11, 'time_invalid'],
      [12, 'conflicting_value'],
    ]);
    expect(result.refused[0]).toMatchObject({ channelId: unknown, detail: expect.any(String) });

    const from = new Date(base);
    const to = new Date(base + HOUR);
    const raw = await admin.telemetry.query(homeId, { channels: [flow, energy], from, to });
    expect(raw).toMatchObject({ homeId, resolution: 'raw', from: iso(base), to: iso(base + HOUR) });
    expect(raw.channels.map((c) => [c.channelId, c.agg, c.points.length])).toEqual([
      [flow, null, 4],
      [energy, null, 4],
    ]);
    expect(raw.channels[0]?.points[3]).toEqual({ time: iso(base + 45 * MINUTE), value: 43 });

    const hourly = await admin.telemetry.query(homeId, {
      channels: flow,
      from: iso(base),
      to: iso(base + HOUR),
      resolution: 'hour',
      agg: 'max',
    });
    expect(hourly.channels).toEqual([
      expect.objectContaining({
        channelId: flow,
        agg: 'max',
        points: [{ time: iso(base), value: 43, count: 4 }],
      }),
    ]);
    const consumption = await admin.telemetry.query(homeId, {
      channels: [energy],
      from,
      to,
      resolution: '15m',
    });
    expect(consumption.channels[0]?.agg).toBe('delta');

    // Chart-ready: 10 points over an hour are 10-minute buckets (6 of them); readings every 15 minutes.
    const chart = await admin.telemetry.query(homeId, { channels: [flow, energy], from, to, points: 10 });
    expect(chart).toMatchObject({ resolution: 'auto', bucketSeconds: 600 });
    expect(chart.channels[0]?.points[0]).toEqual({
      time: iso(base),
      value: 40,
      min: 40,
      max: 40,
      first: 40,
      last: 40,
      count: 1,
    });
    expect(chart.channels[1]?.points.map((p) => p.value)).toEqual([0, 2, 2, 2]);
    await expect(
      admin.telemetry.query(homeId, { from, to, points: 10, resolution: 'hour' }),
    ).rejects.toMatchObject({ constructor: InvalidRequestError, code: 'validation_failed' });

    await expect(admin.telemetry.query(homeId, { from, to, agg: 'max' })).rejects.toMatchObject({
      constructor: InvalidRequestError,
      code: 'validation_failed',
    });

    const csv = await admin.telemetry.exportCsv(homeId, { channels: [flow, energy], from, to });
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('channelId,key,unit,time,value');
    expect(lines[1]).toBe(`${flow},flow_temperature,°C,${iso(base)},40`);
    expect(lines[5]).toBe(`${energy},heat_energy,kWh,${iso(base)},100`);
    expect(lines).toHaveLength(10); // header, 8 rows, '' after the last CRLF

    const stream = await admin.telemetry.exportCsvStream(homeId, { channels: [flow, energy], from, to });
    expect(await new Response(stream).text()).toBe(csv);

    const latest = await admin.telemetry.latest(homeId);
    expect(latest.homeId).toBe(homeId);
    expect(latest.channels.find((c) => c.channelId === flow)).toMatchObject({
      key: 'flow_temperature',
      time: iso(base + 45 * MINUTE),
      value: 43,
    });
    expect(latest.channels.find((c) => c.key === 'heat_power')).toMatchObject({ time: null, value: null });
  });

  it('more than 10,000 readings in one push is PayloadTooLargeError, and nothing is stored', async () => {
    const { homeId, channel } = await home();
    const power = channel('heat_power');
    const readings = Array.from({ length: MAX_READINGS_PER_PUSH + 1 }, (_, k) => ({
      channelId: power,
      time: iso(base + k * 1000),
      value: k,
    }));
    const error = await admin.telemetry.push(readings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(
      (await admin.telemetry.latest(homeId)).channels.find((c) => c.channelId === power)?.time,
    ).toBeNull();
  });

  it('a push whose answer was lost is sent again (it is safe: the server counts the re-sent readings as duplicates)', async () => {
    const { channel } = await home();
    let lost = 0;
    const losing: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (init.method === 'POST' && input.endsWith('/telemetry') && lost === 0) {
        lost++;
        await response.body?.cancel();
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return response;
    };
    const viaAdmin = clientFor(server, { fetch: losing });
    await viaAdmin.login(adminLogin);

    const seen = server.requests.length;
    const readings = [0, 1].map((k) => ({
      channelId: channel('heat_power'),
      time: iso(base + k * MINUTE),
      value: k,
    }));
    expect(await viaAdmin.telemetry.push(readings)).toMatchObject({ received: 2, stored: 0, duplicates: 2 });
    expect(lost).toBe(1);
    expect(server.seenSince(seen)).toEqual(['POST /api/v/1/telemetry 200', 'POST /api/v/1/telemetry 200']);

    // Any other POST is not re-sent after a lost answer.
    let attempts = 0;
    const counting = clientFor(server, {
      fetch: async (input, init) => {
        if (init.method === 'POST' && input.endsWith('/home-groups')) {
          attempts++;
          throw new TypeError('fetch failed');
        }
        return fetch(input, init);
      },
    });
    await counting.login(adminLogin);
    await expect(counting.homeGroups.create({ name: `G ${unique()}` })).rejects.toMatchObject({
      code: 'connection_failed',
    });
    expect(attempts).toBe(1);
  });

  it('exclusions: exclude, list, read, leave out of queries unless includeExcluded, remove', async () => {
    const { homeId, channel } = await home();
    const flow = channel('flow_temperature');
    await admin.telemetry.push(
      [0, 1, 2, 3].map((k) => ({ channelId: flow, time: iso(base + k * 15 * MINUTE), value: 40 + k })),
    );
    const created = await admin.telemetry.exclude(homeId, {
      channelId: flow,
      from: new Date(base + 15 * MINUTE),
      to: new Date(base + 45 * MINUTE),
      reason: 'sensor off the pipe',
    });
    expect(created).toMatchObject({
      homeId,
      channelId: flow,
      key: 'flow_temperature',
      from: iso(base + 15 * MINUTE),
    });
    expect(await admin.telemetry.exclusion(homeId, created.id)).toEqual(created);
    expect(await admin.telemetry.exclusions(homeId, { channelId: flow }).toArray()).toEqual([created]);
    // The same range again is the same exclusion; another reason is a conflict.
    const again = { channelId: flow, from: created.from, to: created.to, reason: created.reason };
    expect((await admin.telemetry.exclude(homeId, again)).id).toBe(created.id);
    await expect(
      admin.telemetry.exclude(homeId, {
        channelId: flow,
        from: created.from,
        to: created.to,
        reason: 'other',
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      admin.telemetry.exclude(homeId, { channelId: flow, from: created.to, to: created.from, reason: 'x' }),
    ).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: '/body/to' }] });

    const query = { channels: [flow], from: new Date(base), to: new Date(base + HOUR) };
    const values = async (includeExcluded?: boolean) =>
      (await admin.telemetry.query(homeId, { ...query, ...(includeExcluded ? { includeExcluded } : {}) }))
        .channels[0]?.points;
    expect((await values())?.map((p) => p.value)).toEqual([40, 43]);
    expect((await values(true))?.map((p) => p.excluded ?? false)).toEqual([false, true, true, false]);
    expect(await admin.telemetry.exportCsv(homeId, { ...query, includeExcluded: true })).toContain(
      ',excluded\r\n',
    );
    const latest = (await admin.telemetry.latest(homeId, {}, { includeExcluded: true })).channels.find(
      (c) => c.channelId === flow,
    );
    expect(latest).toMatchObject({ value: 43 });
    expect(latest?.excluded).toBeUndefined();

    await admin.telemetry.removeExclusion(homeId, created.id);
    expect((await values())?.map((p) => p.value)).toEqual([40, 41, 42, 43]);
    expect(await admin.telemetry.exclusions(homeId).toArray()).toEqual([]);
  });
});

describe('the CSV export stream', () => {
  const tokens = () =>
    new MemoryTokenStore({ accessToken: 't', issuedAt: Date.now(), expiresAt: Date.now() + HOUR });
  const csvAnswer = (body: ReadableStream<Uint8Array>) =>
    new Response(body, { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8' } });
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('timeoutMs bounds each wait for data: a server that stops sending raises HearthConnectionError', async () => {
    const hearth = new Client({
      baseUrl: 'http://hearth.test',
      tokenStore: tokens(),
      timeoutMs: 100,
      fetch: async (_url, init) =>
        csvAnswer(
          new ReadableStream({
            start(controller) {
              controller.enqueue(bytes('channelId,key,unit,time,value\r\n'));
              init.signal?.addEventListener('abort', () => controller.error(init.signal?.reason));
            },
          }),
        ),
    });
    const reader = (await hearth.telemetry.exportCsvStream(randomUUID())).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('channelId,key,unit,time,value\r\n');
    const error = await reader.read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HearthConnectionError);
    expect((error as HearthConnectionError).message).toMatch(/no answer in time/);
  });

  it('a slow reader is not timed out, however long the whole download takes', async () => {
    const chunks = ['channelId,key,unit,time,value\r\n', 'a,k,u,t,1\r\n', 'a,k,u,t,2\r\n'];
    const hearth = new Client({
      baseUrl: 'http://hearth.test',
      tokenStore: tokens(),
      timeoutMs: 100,
      fetch: async () =>
        csvAnswer(
          new ReadableStream({
            pull(controller) {
              const next = chunks.shift();
              if (next === undefined) controller.close();
              else controller.enqueue(bytes(next));
            },
          }),
        ),
    });
    const reader = (await hearth.telemetry.exportCsvStream(randomUUID(), { resolution: 'raw' })).getReader();
    let text = '';
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toBe('channelId,key,unit,time,value\r\na,k,u,t,1\r\na,k,u,t,2\r\n');
  });
});
