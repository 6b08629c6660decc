import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { connect, connectAsync, type ErrorWithSubackPacket } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  closeOf,
  connectGateway,
  createTenant,
  dialect,
  type GatewayHome,
  gatewayHome,
  login,
  minutesAgo,
  plausibleAt,
  readingsMessage,
  readingsTopic,
  resultsTopic,
  startTestApp,
  storedCount,
  storedReadings,
  type Tenant,
  type TestApp,
  waitFor,
} from '../harness/index.js';

const json = (value: unknown) => JSON.stringify(value);

describe(`MQTT ingress, embedded broker (${dialect})`, () => {
  let t: TestApp;
  let url: string;
  let tenant: Tenant;
  let home: GatewayHome;
  /** Another home of the same agent, and a home of another agent. */
  let sibling: GatewayHome;
  let foreign: GatewayHome;

  beforeAll(async () => {
    t = await startTestApp({ HEARTH_MQTT: 'embedded', HEARTH_MQTT_PORT: '0' });
    const port = t.app.ctx.services.amr.mqtt.port;
    expect(port).toBeGreaterThan(0);
    url = `mqtt://127.0.0.1:${port}`;
    const operator = (await login(t.app)).access_token;
    tenant = await createTenant(t.app, operator, 'Gateways');
    home = await gatewayHome(t.app, tenant.admin.token);
    sibling = await gatewayHome(t.app, tenant.admin.token);
    const other = await createTenant(t.app, operator, 'Other');
    foreign = await gatewayHome(t.app, other.admin.token);
  });
  afterAll(async () => t?.close());

  it('stores QoS 1 readings before the PUBACK and answers on the results topic', async () => {
    const gateway = await connectGateway(url, home);
    try {
      const [channel] = home.channelIds as [string];
      const message = readingsMessage('batch-1', channel, 5);
      await gateway.client.publishAsync(readingsTopic(home.clientId), json(message), { qos: 1 });
      // The PUBACK arrived: the readings are committed, with no waiting.
      expect(await storedReadings(t.app, channel)).toEqual(
        message.readings.map((r) => ({ time: r.time, value: r.value })).reverse(),
      );
      expect(await gateway.result('batch-1')).toEqual({
        id: 'batch-1',
        received: 5,
        stored: 5,
        duplicates: 0,
        refused: [],
      });
      // And through the API, as a user sees them.
      const latest = await call(t.app, 'GET', `/homes/${home.homeId}/telemetry/latest`, tenant.admin.token);
      expect(latest.statusCode, latest.body).toBe(200);
      const newest = message.readings[0] as { time: string; value: number };
      expect(latest.json().channels).toContainEqual(
        expect.objectContaining({ channelId: channel, time: newest.time, value: newest.value }),
      );

      // The same message again (a gateway that missed the PUBACK): nothing new, not an error.
      await gateway.client.publishAsync(readingsTopic(home.clientId), json({ ...message, id: 'batch-1b' }), {
        qos: 1,
      });
      expect(await gateway.result('batch-1b')).toMatchObject({
        received: 5,
        stored: 0,
        duplicates: 5,
        refused: [],
      });
      expect(await storedCount(t.app, [channel])).toBe(5);
    } finally {
      await gateway.close();
    }
  });

  it('lists refused readings by their index in the message and stores the rest', async () => {
    const gateway = await connectGateway(url, home);
    try {
      const [mine, mineToo] = home.channelIds as [string, string];
      const unknown = randomUUID();
      const [t30, t31] = [minutesAgo(30), minutesAgo(31)];
      const message = {
        id: 'mixed',
        readings: [
          { channelId: mine, time: t30, value: plausibleAt(t30) },
          { channelId: unknown, time: t30, value: 2 },
          { channelId: sibling.channelIds[0], time: t30, value: 3 },
          { channelId: foreign.channelIds[0], time: t30, value: 4 },
          { channelId: mineToo, time: t30, value: '5' },
          { channelId: mineToo, time: 1_700_000_000_000, value: 6 },
          { channelId: 42, time: t30, value: 7 },
          { channelId: mineToo, time: 'yesterday', value: 8 },
          { channelId: mineToo, time: t31, value: 9.25 },
        ],
      };
      await gateway.client.publishAsync(readingsTopic(home.clientId), json(message), { qos: 1 });
      const result = await gateway.result('mixed');
      expect(result).toMatchObject({ id: 'mixed', received: 9, stored: 2, duplicates: 0 });
      const refused = result.refused as {
        index: number;
        channelId: string;
        reason: string;
        detail: string;
      }[];
      expect(refused.map(({ index, channelId, reason }) => ({ index, channelId, reason }))).toEqual([
        { index: 1, channelId: unknown, reason: 'unknown_channel' },
        { index: 2, channelId: sibling.channelIds[0], reason: 'channel_not_writable' },
        { index: 3, channelId: foreign.channelIds[0], reason: 'unknown_channel' },
        { index: 4, channelId: mineToo, reason: 'value_not_finite' },
        { index: 5, channelId: mineToo, reason: 'time_invalid' },
        { index: 6, channelId: '', reason: 'unknown_channel' },
        { index: 7, channelId: mineToo, reason: 'time_invalid' },
      ]);
      for (const r of refused) expect(r.detail).toEqual(expect.any(String));
      expect(await storedReadings(t.app, mineToo)).toEqual([{ time: t31, value: 9.25 }]);
      expect(await storedCount(t.app, [...sibling.channelIds, ...foreign.channelIds])).toBe(0);
    } finally {
      await gateway.close();
    }
  });

  it('answers a message that is not the documented JSON with an error, stores nothing, keeps the connection', async () => {
    const gateway = await connectGateway(url, home);
    try {
      const before = await storedCount(t.app, home.channelIds);
      const topic = readingsTopic(home.clientId);
      const errors: Record<string, unknown>[] = [];
      const nextError = async (payload: string | Buffer) => {
        const seen = gateway.results.length;
        await gateway.client.publishAsync(topic, payload, { qos: 1 });
        const answer = await waitFor('a results message', async () => gateway.results[seen]);
        errors.push(answer);
        return answer;
      };

      expect(await nextError('{"readings": [')).toMatchObject({
        error: 'malformed_json',
        detail: expect.stringContaining('not UTF-8 JSON'),
      });
      expect(await nextError(Buffer.from([0xff, 0xfe, 0x7b]))).toMatchObject({ error: 'malformed_json' });
      expect(await nextError('[1, 2]')).toMatchObject({ error: 'validation_failed' });
      expect(await nextError(json({ id: 'no-readings' }))).toMatchObject({
        id: 'no-readings',
        error: 'validation_failed',
        detail: expect.stringContaining('readings must be an array'),
      });
      expect(await nextError(json({ id: 'extra', readings: [], extra: true }))).toMatchObject({
        id: 'extra',
        error: 'validation_failed',
        detail: expect.stringContaining('"extra"'),
      });
      expect(await nextError(json({ id: 'not-objects', readings: [1] }))).toMatchObject({
        id: 'not-objects',
        error: 'validation_failed',
        detail: expect.stringContaining('readings[0]'),
      });
      const tooMany = readingsMessage('too-many', home.channelIds[0] as string, 10_001);
      expect(await nextError(json(tooMany))).toMatchObject({ id: 'too-many', error: 'too_many_readings' });

      expect(gateway.client.connected).toBe(true);
      expect(await storedCount(t.app, home.channelIds)).toBe(before);
    } finally {
      await gateway.close();
    }
  });

  it('refuses a wrong password, an unknown gateway and a client id that is not the username', async () => {
    const refusal = async (options: Parameters<typeof connectAsync>[1]) => {
      try {
        const client = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...options });
        await client.endAsync(true);
        return 'connected';
      } catch (err) {
        return (err as { code?: number }).code;
      }
    };
    expect(await refusal({ clientId: home.clientId, username: home.clientId, password: 'wrong' })).toBe(4);
    expect(await refusal({ clientId: home.clientId, username: home.clientId })).toBe(4);
    const stranger = randomUUID();
    expect(await refusal({ clientId: stranger, username: stranger, password: home.clientSecret })).toBe(4);
    // Another gateway's secret under this id, and this gateway's secret under another client id.
    expect(
      await refusal({ clientId: home.clientId, username: home.clientId, password: sibling.clientSecret }),
    ).toBe(4);
    expect(
      await refusal({ clientId: sibling.clientId, username: home.clientId, password: home.clientSecret }),
    ).toBe(2);
  });

  it("closes the connection of a gateway publishing to another gateway's topic, unacknowledged, storing nothing", async () => {
    const gateway = await connectGateway(url, home);
    const closed = closeOf(gateway.client);
    const message = readingsMessage('intrusion', sibling.channelIds[0] as string, 3);
    let acknowledged = false;
    gateway.client.publish(readingsTopic(sibling.clientId), json(message), { qos: 1 }, (err) => {
      if (!err) acknowledged = true;
    });
    await closed;
    expect(acknowledged).toBe(false);
    expect(await storedCount(t.app, sibling.channelIds)).toBe(0);
    await gateway.close();

    // Nor may it publish to a results topic, its own included.
    const again = await connectGateway(url, home);
    const closedAgain = closeOf(again.client);
    again.client.publish(resultsTopic(home.clientId), json({ forged: true }), { qos: 1 }, () => {});
    await closedAgain;
    await again.close();
  });

  it("refuses a subscription to another gateway's results or readings, and never forwards readings", async () => {
    const spy = await connectGateway(url, sibling);
    const gateway = await connectGateway(url, home);
    try {
      const refused = await spy.client
        .subscribeAsync(
          [resultsTopic(home.clientId), readingsTopic(home.clientId), 'hearth/#', '#', '$SYS/#'],
          {
            qos: 1,
          },
        )
        .then(
          () => undefined,
          (err: ErrorWithSubackPacket) => err.packet.granted,
        );
      expect(refused).toEqual([128, 128, 128, 128, 128]);
      const seen: string[] = [];
      spy.client.on('message', (topic) => seen.push(topic));
      gateway.client.on('message', (topic) => seen.push(topic));
      const [channel] = home.channelIds as [string];
      await gateway.client.publishAsync(
        readingsTopic(home.clientId),
        json({ id: 'private', readings: [{ channelId: channel, time: minutesAgo(90), value: 1 }] }),
        { qos: 1, retain: true },
      );
      await gateway.result('private');
      await sleep(200);
      expect(seen).toEqual([resultsTopic(home.clientId)]);
      expect(spy.results).toEqual([]);
    } finally {
      await spy.close();
      await gateway.close();
    }
  });

  it('ends a connected gateway once its secret is revoked', async () => {
    const revocable = await gatewayHome(t.app, tenant.admin.token);
    const gateway = await connectGateway(url, revocable);
    const revoked = await call(
      t.app,
      'DELETE',
      `/homes/${revocable.homeId}/gateway/secret`,
      tenant.admin.token,
    );
    expect(revoked.statusCode, revoked.body).toBe(204);
    const closed = closeOf(gateway.client);
    const message = readingsMessage('after-revocation', revocable.channelIds[0] as string, 2);
    let acknowledged = false;
    gateway.client.publish(readingsTopic(revocable.clientId), json(message), { qos: 1 }, (err) => {
      if (!err) acknowledged = true;
    });
    await closed;
    expect(acknowledged).toBe(false);
    expect(await storedCount(t.app, revocable.channelIds)).toBe(0);
    await gateway.close();
    await expect(connectGateway(url, revocable)).rejects.toMatchObject({ code: 4 });
  });

  it('does not acknowledge while the database cannot store, and takes the re-sent message once it can', async () => {
    const gateway = await connectGateway(url, home, { clean: false, reconnectPeriod: 100 });
    const { db } = t.app.ctx.database;
    const [, , channel] = home.channelIds as [string, string, string];
    let acknowledged = false;
    try {
      // The readings table is gone for a moment: every commit fails as it would with the database down.
      await sql`alter table readings rename to readings_away`.execute(db);
      const closed = closeOf(gateway.client);
      const published = gateway.client
        .publishAsync(readingsTopic(home.clientId), json(readingsMessage('outage', channel, 3, 200)), {
          qos: 1,
        })
        .then(() => {
          acknowledged = true;
        });
      await closed;
      await sleep(300);
      expect(acknowledged).toBe(false);
      await sql`alter table readings_away rename to readings`.execute(db);
      // mqtt.js reconnects and sends the unacknowledged message again; this time it is stored.
      await published;
      expect(await storedCount(t.app, [channel])).toBe(3);
      expect(await gateway.result('outage')).toMatchObject({ received: 3, stored: 3 });
    } finally {
      await sql`alter table readings_away rename to readings`.execute(db).catch(() => {});
      await gateway.close();
    }
  });
});

describe(`MQTT ingress, embedded broker over TLS (${dialect})`, () => {
  let dir: string;
  let t: TestApp;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hearth-mqtts-'));
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost'],
        ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1'],
        ...['-keyout', keyFile, '-out', certFile],
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(certFile, 'utf8');
    t = await startTestApp({
      HEARTH_MQTT: 'embedded',
      HEARTH_MQTT_PORT: '0',
      TLS_CERT: certFile,
      TLS_KEY: keyFile,
    });
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes readings over mqtts, and only over mqtts', async () => {
    const tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Tls');
    const home = await gatewayHome(t.app, tenant.admin.token, 'TLS');
    const port = t.app.ctx.services.amr.mqtt.port;
    const gateway = await connectGateway(`mqtts://127.0.0.1:${port}`, home, { ca: cert });
    try {
      const [channel] = home.channelIds as [string];
      await gateway.client.publishAsync(
        readingsTopic(home.clientId),
        json(readingsMessage('tls', channel, 2)),
        {
          qos: 1,
        },
      );
      expect(await storedCount(t.app, [channel])).toBe(2);
      expect(await gateway.result('tls')).toMatchObject({ stored: 2 });
    } finally {
      await gateway.close();
    }
    // A client that does not trust the certificate gets nowhere; nor does plain MQTT on that port.
    await expect(connectGateway(`mqtts://127.0.0.1:${port}`, home)).rejects.toThrow(/self-signed/);
    const plain = connect(`mqtt://127.0.0.1:${port}`, {
      clientId: home.clientId,
      username: home.clientId,
      password: home.clientSecret,
      reconnectPeriod: 0,
    });
    let connected = false;
    plain.on('connect', () => {
      connected = true;
    });
    plain.on('error', () => {});
    await closeOf(plain);
    expect(connected).toBe(false);
    await plain.endAsync(true);
  });
});

describe('MQTT ingress, broker off', () => {
  it('opens no port', async () => {
    const t = await startTestApp({ HEARTH_MQTT: 'off' });
    try {
      expect(t.app.ctx.services.amr.mqtt.port).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
