import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  connectGateway,
  createTenant,
  createTestDatabase,
  dialect,
  type GatewayConnection,
  type GatewayHome,
  gatewayHome,
  login,
  readingsMessage,
  readingsTopic,
  resultsTopic,
  startTestApp,
  storedCount,
  type Tenant,
  type TestApp,
  type TestDatabase,
  timeout,
  unusedPort,
  waitFor,
} from '../harness/index.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';
const installed = existsSync(MOSQUITTO) && existsSync(MOSQUITTO_PASSWD);
if (!installed && process.env.CI) {
  throw new Error(`CI must run the Mosquitto tests, but ${MOSQUITTO} is missing: apt-get install mosquitto`);
}
const title = installed
  ? `MQTT ingress through Mosquitto (${dialect})`
  : `MQTT ingress through Mosquitto — skipped: ${MOSQUITTO} is not installed (apt-get install -y mosquitto)`;

const json = (value: unknown) => JSON.stringify(value);

/** The ACL of docs/mqtt.md, as an operator would write it. */
const ACL = `# Hearth's AMR workers: read every gateway's readings, answer on every results topic.
user hearth-amr
topic read hearth/v1/gateways/+/readings
topic write hearth/v1/gateways/+/results

# Every gateway (username = its client id): its own two topics, nothing else.
pattern write hearth/v1/gateways/%u/readings
pattern read hearth/v1/gateways/%u/results
`;

/** A Mosquitto 2 broker with two listeners (gateways, Hearth), a password file and the ACL. */
class Mosquitto {
  process: ChildProcess | undefined;
  log = '';
  readonly passwords: string;

  constructor(
    readonly dir: string,
    readonly gatewayPort: number,
    readonly hearthPort: number,
  ) {
    this.passwords = path.join(dir, 'passwd');
    // Started as root, Mosquitto drops to the mosquitto user, which must still read these files.
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, 'acl'), ACL);
    writeFileSync(
      path.join(dir, 'mosquitto.conf'),
      [
        'per_listener_settings false',
        'allow_anonymous false',
        `password_file ${this.passwords}`,
        `acl_file ${path.join(dir, 'acl')}`,
        'persistence false',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'log_type notice',
        // Gateways: the client id is the username, so no gateway can take over another's session.
        `listener ${gatewayPort} 127.0.0.1`,
        'use_username_as_clientid true',
        // Hearth's AMR workers (a private network in production).
        `listener ${hearthPort} 127.0.0.1`,
        '',
      ].join('\n'),
    );
  }

  addUser(username: string, password: string): void {
    const create = existsSync(this.passwords) ? [] : ['-c'];
    execFileSync(MOSQUITTO_PASSWD, [...create, '-b', this.passwords, username, password]);
    chmodSync(this.passwords, 0o644);
  }

  async start(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-c', path.join(this.dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log += chunk.toString('utf8');
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.log += chunk.toString('utf8');
    });
    for (const port of [this.gatewayPort, this.hearthPort]) {
      await waitFor(`mosquitto listening on ${port}`, () => accepts(port), 10_000).catch((err: Error) => {
        throw new Error(`${err.message}; mosquitto said:\n${this.log}`);
      });
    }
  }

  /** Re-reads the password file (Mosquitto reloads it on SIGHUP). */
  reload(): void {
    this.process?.kill('SIGHUP');
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(!installed)(title, () => {
  let dir: string;
  let broker: Mosquitto;
  let database: TestDatabase;
  /** Two AMR workers on one database, sharing the readings subscription. */
  let one: TestApp;
  let two: TestApp;
  let twoClosed = false;
  let tenant: Tenant;
  let home: GatewayHome;
  let sibling: GatewayHome;
  let gatewayUrl: string;
  const amrSecret = randomBytes(18).toString('base64url');

  /** Connects as a gateway, once Mosquitto has taken its password in (the reload is asynchronous). */
  const gatewayConnection = (gateway: GatewayHome): Promise<GatewayConnection> =>
    waitFor(`gateway ${gateway.clientId} logged in to Mosquitto`, () =>
      connectGateway(gatewayUrl, gateway, { clientId: `gw-${gateway.clientId}` }).catch(() => undefined),
    );

  const handled = () =>
    one.app.ctx.services.amr.mqtt.messagesHandled + two.app.ctx.services.amr.mqtt.messagesHandled;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hearth-mosquitto-'));
    broker = new Mosquitto(dir, await unusedPort(), await unusedPort());
    broker.addUser('hearth-amr', amrSecret);
    await broker.start();
    gatewayUrl = `mqtt://127.0.0.1:${broker.gatewayPort}`;

    database = await createTestDatabase();
    const env = { MQTT_URL: `mqtt://hearth-amr:${amrSecret}@127.0.0.1:${broker.hearthPort}` };
    one = await startTestApp(env, database);
    two = await startTestApp(env, database);
    expect(one.app.ctx.services.amr.mqtt.port).toBeUndefined();

    tenant = await createTenant(one.app, (await login(one.app)).access_token, 'Mosquitto');
    home = await gatewayHome(one.app, tenant.admin.token, 'MOSQ');
    sibling = await gatewayHome(one.app, tenant.admin.token, 'MOSQ');
    // The operator gives the broker each gateway's credentials, as docs/mqtt.md describes.
    broker.addUser(home.clientId, home.clientSecret);
    broker.addUser(sibling.clientId, sibling.clientSecret);
    broker.reload();
  }, timeout(120_000));

  afterAll(async () => {
    await one?.close();
    if (!twoClosed) await two?.close();
    await broker?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores the readings a gateway publishes through Mosquitto and answers on its results topic', async () => {
    const gateway = await gatewayConnection(home);
    try {
      const [channel] = home.channelIds as [string];
      await gateway.client.publishAsync(
        readingsTopic(home.clientId),
        json(readingsMessage('m-1', channel, 4)),
        {
          qos: 1,
        },
      );
      expect(await gateway.result('m-1')).toEqual({
        id: 'm-1',
        received: 4,
        stored: 4,
        duplicates: 0,
        refused: [],
      });
      expect(await storedCount(one.app, [channel])).toBe(4);

      await gateway.client.publishAsync(readingsTopic(home.clientId), '{not json', { qos: 1 });
      const error = await waitFor('an error result', async () => gateway.results.find((r) => 'error' in r));
      expect(error).toMatchObject({ error: 'malformed_json' });
      expect(await storedCount(one.app, [channel])).toBe(4);
    } finally {
      await gateway.close();
    }
  });

  it('splits messages between two AMR workers and stores every reading exactly once', async () => {
    const gateway = await gatewayConnection(home);
    const before = {
      one: one.app.ctx.services.amr.mqtt.messagesHandled,
      two: two.app.ctx.services.amr.mqtt.messagesHandled,
    };
    try {
      const channel = home.channelIds[1] as string;
      const messages = 40;
      const perMessage = 5;
      // Built at once, then sent: built while publishing, a message made after the clock turned a
      // minute would repeat its neighbour's last minute (a duplicate, under load).
      const batch = Array.from({ length: messages }, (_, m) =>
        readingsMessage(`split-${m}`, channel, perMessage, 100 + m * perMessage),
      );
      for (const message of batch) {
        await gateway.client.publishAsync(readingsTopic(home.clientId), json(message), { qos: 1 });
      }
      const results = await Promise.all(
        Array.from({ length: messages }, (_, m) => gateway.result(`split-${m}`)),
      );
      for (const result of results) {
        expect(result).toMatchObject({
          received: perMessage,
          stored: perMessage,
          duplicates: 0,
          refused: [],
        });
      }
      // One results message per message: no message went to both workers.
      expect(gateway.results.filter((r) => String(r.id).startsWith('split-'))).toHaveLength(messages);
      expect(await storedCount(one.app, [channel])).toBe(messages * perMessage);
      const byOne = one.app.ctx.services.amr.mqtt.messagesHandled - before.one;
      const byTwo = two.app.ctx.services.amr.mqtt.messagesHandled - before.two;
      expect(byOne + byTwo).toBe(messages);
      expect(byOne).toBeGreaterThan(0);
      expect(byTwo).toBeGreaterThan(0);
    } finally {
      await gateway.close();
    }
  });

  it("keeps a gateway to its own topics through the broker's ACL", async () => {
    const gateway = await gatewayConnection(home);
    const other = await gatewayConnection(sibling);
    try {
      // Mosquitto 2.0 may grant the subscription; its ACL still delivers nothing from the topic.
      const overheard: string[] = [];
      gateway.client.on('message', (topic) => {
        if (topic !== resultsTopic(home.clientId)) overheard.push(topic);
      });
      await gateway.client.subscribeAsync(resultsTopic(sibling.clientId), { qos: 1 }).catch(() => undefined);

      const start = handled();
      await gateway.client.publishAsync(
        readingsTopic(sibling.clientId),
        json(readingsMessage('intrusion', sibling.channelIds[0] as string, 3)),
        { qos: 1 },
      );
      const [channel] = home.channelIds as [string];
      await gateway.client.publishAsync(
        readingsTopic(home.clientId),
        json(readingsMessage('own', channel, 1, 500)),
        {
          qos: 1,
        },
      );
      await gateway.result('own');
      const [siblingChannel] = sibling.channelIds as [string];
      await other.client.publishAsync(
        readingsTopic(sibling.clientId),
        json(readingsMessage('sibling-own', siblingChannel, 1, 500)),
        { qos: 1 },
      );
      expect(await other.result('sibling-own')).toMatchObject({ stored: 1 });
      await sleep(300);
      // Only the two gateways' own messages reached Hearth, and neither heard the other's results.
      expect(handled() - start).toBe(2);
      expect(await storedCount(one.app, sibling.channelIds)).toBe(1);
      expect(overheard).toEqual([]);
      expect(other.results.map((r) => r.id)).toEqual(['sibling-own']);
    } finally {
      await gateway.close();
      await other.close();
    }
  });

  it('drops readings of a gateway Hearth revoked, answering unknown_gateway', async () => {
    const revocable = await gatewayHome(one.app, tenant.admin.token, 'MOSQ');
    broker.addUser(revocable.clientId, revocable.clientSecret);
    broker.reload();
    const gateway = await gatewayConnection(revocable);
    try {
      const revoked = await call(
        one.app,
        'DELETE',
        `/homes/${revocable.homeId}/gateway/secret`,
        tenant.admin.token,
      );
      expect(revoked.statusCode, revoked.body).toBe(204);
      // The broker still knows the old password (the operator has not removed it yet): Hearth refuses.
      const message = readingsMessage('revoked', revocable.channelIds[0] as string, 2);
      await gateway.client.publishAsync(readingsTopic(revocable.clientId), json(message), { qos: 1 });
      expect(await gateway.result('revoked')).toEqual({
        id: 'revoked',
        error: 'unknown_gateway',
        detail: expect.any(String),
      });
      expect(await storedCount(one.app, revocable.channelIds)).toBe(0);
    } finally {
      await gateway.close();
    }
  });

  it('leaves a message unacknowledged while the database cannot store it, and stores it once it can', async () => {
    const gateway = await gatewayConnection(home);
    const { db } = one.app.ctx.database;
    const channel = home.channelIds[2] as string;
    try {
      await sql`alter table readings rename to readings_away`.execute(db);
      const message = readingsMessage('outage', channel, 3, 700);
      await gateway.client.publishAsync(readingsTopic(home.clientId), json(message), { qos: 1 });
      await sleep(700);
      expect(gateway.results.find((r) => r.id === 'outage')).toBeUndefined();
      await sql`alter table readings_away rename to readings`.execute(db);
      // The worker reconnects (with backoff) and Mosquitto sends the unacknowledged message again.
      expect(await gateway.result('outage', 20_000)).toMatchObject({ received: 3, stored: 3 });
      expect(await storedCount(one.app, [channel])).toBe(3);
    } finally {
      await sql`alter table readings_away rename to readings`.execute(db).catch(() => {});
      await gateway.close();
    }
  });

  it('resubscribes after the broker restarts', async () => {
    await broker.stop();
    await broker.start();
    const gateway = await gatewayConnection(home);
    try {
      const channel = home.channelIds[0] as string;
      // Until both workers are back and subscribed, a message may find no subscriber: send until answered.
      const answered = await waitFor(
        'a result after the restart',
        async () => {
          const id = `restart-${randomBytes(4).toString('hex')}`;
          await gateway.client.publishAsync(
            readingsTopic(home.clientId),
            json(readingsMessage(id, channel, 1, 900)),
            {
              qos: 1,
            },
          );
          return gateway.result(id, 500).catch(() => undefined);
        },
        30_000,
      );
      expect(answered).toMatchObject({ received: 1 });
    } finally {
      await gateway.close();
    }
  });

  it('hands its share to the other worker when one stops', async () => {
    twoClosed = true;
    await two.close();
    const gateway = await gatewayConnection(home);
    try {
      const before = one.app.ctx.services.amr.mqtt.messagesHandled;
      const channel = home.channelIds[0] as string;
      const messages = 10;
      for (let m = 0; m < messages; m++) {
        const message = readingsMessage(`after-stop-${m}`, channel, 1, 1000 + m);
        await gateway.client.publishAsync(readingsTopic(home.clientId), json(message), { qos: 1 });
      }
      for (let m = 0; m < messages; m++) {
        expect(await gateway.result(`after-stop-${m}`)).toMatchObject({ received: 1, stored: 1 });
      }
      expect(one.app.ctx.services.amr.mqtt.messagesHandled - before).toBe(messages);
    } finally {
      await gateway.close();
    }
  });
});
