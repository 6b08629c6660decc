import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import { type AmrConfig, isLoopback } from '../config.js';
import { type GatewayIdentity, readingsTopic, resultsTopic } from '../gateways/service.js';
import type { Logger } from '../log.js';
import {
  type IncomingReading,
  type IngestResult,
  MAX_READINGS_PER_REQUEST,
  type Refusal,
  type Writer,
} from '../telemetry/types.js';

/** What the MQTT ingress needs from the gateways feature. */
export interface GatewayDirectory {
  /** The gateway if this is its client id and current secret, it is active and its agent is not suspended. */
  authenticateSecret(clientId: string, secret: string): Promise<GatewayIdentity | undefined>;
  /** The gateway if it is active and its agent is not suspended. */
  findActive(clientId: string): Promise<GatewayIdentity | undefined>;
}

export interface MqttIngressDeps {
  amr: AmrConfig;
  /** Where the embedded broker listens (config.host). */
  host: string;
  /** config.tls: when given, the embedded broker speaks MQTT over TLS (mqtts). */
  tls?: { cert: string; key: string };
  /** Unique per process: names this worker's session on an external broker. */
  workerId: string;
  gateways: GatewayDirectory;
  ingest: { accept(writer: Writer, readings: IncomingReading[]): Promise<IngestResult> };
  log: Logger;
}

/** The shared subscription every AMR worker joins on an external broker: each message goes to one. */
export const SHARED_READINGS_SUBSCRIPTION = '$share/hearth-amr/hearth/v1/gateways/+/readings';
/**
 * The largest payload read: 10,000 readings of about 110 bytes each, with room for whitespace.
 * A bigger one is answered `payload_too_large` without being parsed.
 */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** The longest `id` a gateway may give a message; it is echoed in the results. */
export const MAX_MESSAGE_ID_LENGTH = 200;
/**
 * How long an external broker keeps this worker's session after a disconnect: a reconnect within
 * it gets the unacknowledged messages again. Mosquitto keeps assigning a disconnected session its
 * share of the shared subscription, and drops what it holds when the session expires, so this is
 * short; a clean stop unsubscribes first, so only a crash leaves a session behind.
 */
export const SESSION_EXPIRY_SECONDS = 120;

const READINGS_TOPIC = /^hearth\/v1\/gateways\/([^/#+]+)\/readings$/;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;
/** stop() on an external broker: how long it waits for messages already sent to this worker. */
const DRAIN_QUIET_MS = 300;
const DRAIN_MAX_MS = 10_000;

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

/** An error whose code aedes puts in the CONNACK. */
function connackError(returnCode: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * Gateways' readings over MQTT. A gateway publishes `{"readings":[…]}` to
 * `hearth/v1/gateways/<clientId>/readings`; the outcome is published to `…/<clientId>/results`.
 *
 * - embedded: an aedes broker in this process. Gateways log in with their client id and secret;
 *   a QoS 1 message is acknowledged (PUBACK) only once its readings are committed.
 * - external: this worker joins a shared subscription on a broker that authenticates gateways
 *   itself (Mosquitto), and acknowledges each message to the broker once it is committed.
 * - off: nothing.
 *
 * docs/mqtt.md is the gateway's and the operator's guide.
 */
export class MqttIngress {
  private broker: Aedes | undefined;
  private server: net.Server | tls.Server | undefined;
  private boundPort: number | undefined;
  /** Embedded: who each connected client logged in as. */
  private readonly identities = new WeakMap<Client, GatewayIdentity>();
  /** Embedded: each client's messages are handled one after another, so PUBACKs keep their order. */
  private readonly chains = new WeakMap<Client, Promise<unknown>>();

  private client: MqttClient | undefined;
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempts = 0;
  /** External: a commit failed; messages still queued from that connection are not handled. */
  private discarding = false;
  private lastMessageAt = 0;

  /** Messages being handled, for stop() to wait on. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private handled = 0;

  constructor(private readonly deps: MqttIngressDeps) {}

  /** The embedded broker's bound port (useful with HEARTH_MQTT_PORT=0); undefined otherwise. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Readings messages handled to the end (results published) by this process since start. */
  get messagesHandled(): number {
    return this.handled;
  }

  async start(): Promise<void> {
    const { mqtt } = this.deps.amr;
    this.stopping = false;
    if (mqtt.kind === 'embedded') await this.startEmbedded(mqtt.port);
    else if (mqtt.kind === 'external') await this.startExternal(mqtt.url);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.server || this.broker) await this.stopEmbedded();
    if (this.client) await this.stopExternal();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  // ---- shared by both modes ----

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Checks and stores one message's readings; resolves with what to publish on the results topic
   * once the store committed. Rejects when the store fails: the message must not be acknowledged.
   */
  private async ingest(gateway: GatewayIdentity, payload: Buffer): Promise<ResultsMessage> {
    const parsed = parseReadingsPayload(payload);
    if (!parsed.ok) {
      this.deps.log.warn(
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
        ? await this.deps.ingest.accept(
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
      this.deps.log.info(
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

  // ---- embedded broker ----

  private async startEmbedded(port: number): Promise<void> {
    const { host, log } = this.deps;
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => this.authorizeSubscribe(client, sub, done),
      // Only a gateway's own results ever leave the broker: never readings, never $SYS.
      authorizeForward: (client, packet) => {
        const identity = this.identities.get(client);
        return identity && packet.topic === resultsTopic(identity.clientId) ? packet : null;
      },
    });
    this.broker = broker;
    broker.on('clientDisconnect', (client) => {
      const identity = this.identities.get(client);
      if (identity) log.info({ gatewayClientId: identity.clientId }, 'gateway disconnected from MQTT');
    });
    broker.on('clientError', (client, err) => {
      log.warn({ mqttClientId: client.id, err: err.message }, 'MQTT client error; connection closed');
    });
    broker.on('connectionError', (_client, err) => {
      log.warn({ err: err.message }, 'MQTT connection error before login');
    });

    const handle = (socket: net.Socket) => broker.handle(socket);
    const server = this.deps.tls
      ? tls.createServer({ cert: this.deps.tls.cert, key: this.deps.tls.key }, handle)
      : net.createServer(handle);
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.server = undefined;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      this.broker = undefined;
      throw new Error(
        `The MQTT broker cannot listen on ${host}:${port}: ${(err as Error).message}. ` +
          'Choose another port with HEARTH_MQTT_PORT, point MQTT_URL at the broker already there, or set HEARTH_MQTT=off',
      );
    }
    server.on('error', (err) => log.error({ err }, 'MQTT listener error'));
    // A failed TLS handshake is the client's problem, not the server's.
    server.on('tlsClientError', (err: Error) => log.warn({ err: err.message }, 'MQTT TLS handshake failed'));
    this.boundPort = (server.address() as net.AddressInfo).port;
    const scheme = this.deps.tls ? 'mqtts' : 'mqtt';
    log.info(
      { port: this.boundPort },
      `MQTT broker for gateways listening on ${scheme}://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`,
    );
    if (!this.deps.tls && !isLoopback(host)) {
      log.warn(
        { host },
        'The MQTT broker listens without TLS on a network address: gateway secrets cross the network in the clear ' +
          'unless a TLS proxy is in front; set TLS_CERT and TLS_KEY to serve mqtts',
      );
    }
  }

  /**
   * No new connections and no new messages; messages being stored finish and are acknowledged;
   * then every connection is closed.
   */
  private async stopEmbedded(): Promise<void> {
    const { server, broker } = this;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.server = undefined;
    this.broker = undefined;
    this.boundPort = undefined;
    // Closing the broker ends every client connection, which lets the listener close.
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    await closed;
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const { log, gateways } = this.deps;
    if (!username || !password) {
      log.warn({ mqttClientId: client.id }, 'MQTT login refused: no username or password');
      done(connackError(4, 'bad user name or password'), false);
      return;
    }
    // Sessions are keyed by client id: one gateway must not be able to take over another's.
    if (client.id !== username) {
      log.warn({ mqttClientId: client.id, username }, 'MQTT login refused: client id is not the username');
      done(connackError(2, 'the MQTT client id must be the gateway client id (the username)'), false);
      return;
    }
    gateways.authenticateSecret(username, password.toString('utf8')).then(
      (identity) => {
        if (!identity) {
          log.warn(
            { gatewayClientId: username },
            'MQTT login refused: unknown gateway, wrong or revoked secret',
          );
          done(connackError(4, 'bad user name or password'), false);
          return;
        }
        this.identities.set(client, identity);
        log.info(
          { gatewayClientId: identity.clientId, homeId: identity.homeId },
          'gateway connected to MQTT',
        );
        done(null, true);
      },
      (err: unknown) => {
        log.error({ err, gatewayClientId: username }, 'MQTT login could not be checked');
        done(connackError(3, 'server unavailable'), false);
      },
    );
  }

  /**
   * A gateway may publish to its own readings topic only. The readings are stored here, before
   * aedes acknowledges: `done` (after which aedes sends the PUBACK) runs once the commit is
   * durable, or with an error — which closes the connection unacknowledged, so the gateway sends
   * the message again — when the store fails.
   */
  private authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    done: (error?: Error | null) => void,
  ): void {
    const { log } = this.deps;
    const identity = client ? this.identities.get(client) : undefined;
    if (!client || !identity) {
      done(new Error('not logged in'));
      return;
    }
    if (this.stopping) {
      // Unacknowledged: the gateway sends it again, to this process once it is back or to another.
      done(new Error('shutting down'));
      return;
    }
    if (packet.topic !== readingsTopic(identity.clientId)) {
      log.warn(
        { gatewayClientId: identity.clientId, topic: packet.topic },
        'MQTT publish refused: not this gateway’s readings topic; connection closed',
      );
      done(new Error(`not authorized to publish to ${packet.topic}`));
      return;
    }
    // Readings are never kept by the broker for later subscribers.
    packet.retain = false;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const previous = this.chains.get(client) ?? Promise.resolve();
    const work = previous.then(() => this.handleEmbedded(identity, payload));
    const settled = work.then(
      () => done(null),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
    this.chains.set(client, settled);
    this.track(settled);
  }

  private async handleEmbedded(gateway: GatewayIdentity, payload: Buffer): Promise<void> {
    // Checked per message, so a revoked secret or a suspended agent ends a connected gateway too.
    let current: GatewayIdentity | undefined;
    try {
      current = await this.deps.gateways.findActive(gateway.clientId);
    } catch (err) {
      this.deps.log.error(
        { err, gatewayClientId: gateway.clientId },
        'MQTT readings not stored: gateway check failed',
      );
      throw new Error('server unavailable');
    }
    if (!current) {
      this.deps.log.warn(
        { gatewayClientId: gateway.clientId },
        'MQTT publish refused: the gateway is no longer active; connection closed',
      );
      throw new Error('gateway not active');
    }
    let answer: ResultsMessage;
    try {
      answer = await this.ingest(current, payload);
    } catch (err) {
      this.deps.log.error(
        { err, gatewayClientId: gateway.clientId },
        'MQTT readings not stored; connection closed unacknowledged so the gateway sends them again',
      );
      throw new Error('server unavailable');
    }
    this.publishEmbedded(current.clientId, answer);
    this.handled++;
  }

  private publishEmbedded(clientId: string, answer: ResultsMessage): void {
    const broker = this.broker;
    if (!broker || broker.closed) return;
    broker.publish(
      {
        cmd: 'publish',
        topic: resultsTopic(clientId),
        payload: Buffer.from(JSON.stringify(answer)),
        qos: 1,
        retain: false,
        dup: false,
      },
      (err) => {
        if (err) this.deps.log.warn({ err, gatewayClientId: clientId }, 'MQTT results not published');
      },
    );
  }

  /** A gateway may subscribe to its own results topic only; anything else gets a failure SUBACK. */
  private authorizeSubscribe(
    client: Client,
    sub: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const identity = this.identities.get(client);
    if (identity && sub.topic === resultsTopic(identity.clientId)) {
      done(null, sub);
      return;
    }
    this.deps.log.warn(
      { gatewayClientId: identity?.clientId, topic: sub.topic },
      'MQTT subscription refused: not this gateway’s results topic',
    );
    done(null, null);
  }

  // ---- external broker ----

  private startExternal(url: string): Promise<void> {
    const { log, workerId } = this.deps;
    const clientId = `hearth-amr-${workerId}`;
    const where = redactUrl(url);
    const client = connect(url, {
      clientId,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS },
      // Reconnection is ours (with backoff), and so is subscribing again on each connection.
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: 10_000,
      keepalive: 30,
    });
    this.client = client;
    client.handleMessage = (packet, callback) => this.onExternalMessage(packet, callback);

    return new Promise<void>((resolve, reject) => {
      let first = true;
      const settle = (err?: Error) => {
        if (!first) return;
        first = false;
        if (err) reject(err);
        else resolve();
      };
      client.on('connect', (connack) => {
        this.discarding = false;
        log.info(
          { broker: where, clientId, sessionPresent: connack.sessionPresent },
          'connected to the MQTT broker',
        );
        client.subscribe(SHARED_READINGS_SUBSCRIPTION, { qos: 1 }, (err, granted) => {
          const code = granted?.[0]?.qos;
          if (err || code === undefined || code >= 0x80) {
            const reason = err?.message ?? `reason code ${code}`;
            log.error(
              { broker: where, topic: SHARED_READINGS_SUBSCRIPTION, reason },
              'the MQTT broker refused the readings subscription: check its ACL for this user',
            );
            settle(
              new Error(`The MQTT broker at ${where} refused ${SHARED_READINGS_SUBSCRIPTION}: ${reason}`),
            );
            return;
          }
          this.reconnectAttempts = 0;
          log.info({ topic: SHARED_READINGS_SUBSCRIPTION }, 'subscribed to gateway readings');
          settle();
        });
      });
      client.on('error', (err: Error & { code?: number | string }) => {
        log.warn({ broker: where, err: err.message, code: err.code }, 'MQTT broker connection error');
        // Refused credentials at start are a configuration mistake: say so rather than retry quietly.
        if (
          typeof err.code === 'number' &&
          (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135)
        ) {
          settle(new Error(`The MQTT broker at ${where} refused Hearth's login: ${err.message}`));
        }
      });
      client.on('close', () => {
        if (this.stopping) return;
        if (first) {
          // Unreachable at start: the API still serves; the worker keeps trying in the background.
          log.warn({ broker: where }, 'the MQTT broker is not reachable; retrying in the background');
          settle();
        }
        this.scheduleReconnect();
      });
    }).catch(async (err: unknown) => {
      this.stopping = true;
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
      this.client = undefined;
      throw err;
    });
  }

  private scheduleReconnect(): void {
    const client = this.client;
    if (!client || this.stopping || this.reconnectTimer) return;
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(this.reconnectAttempts, 16));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.reconnectAttempts++;
    this.deps.log.info(
      { delayMs: delay, attempt: this.reconnectAttempts },
      'reconnecting to the MQTT broker',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopping) return;
      // Keep the stores: QoS 1 results not yet acknowledged by the broker are sent again.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
    this.reconnectTimer.unref();
  }

  /**
   * mqtt.js sends the PUBACK once `callback` is called without an error. On a store failure the
   * message stays unacknowledged and the connection is dropped: the broker sends it again (to this
   * session) once the worker reconnects, after a backoff.
   */
  private onExternalMessage(packet: IPublishPacket, callback: (error?: Error) => void): void {
    this.lastMessageAt = Date.now();
    if (this.discarding) {
      callback(new Error('reconnecting after a failed commit'));
      return;
    }
    const work = this.handleExternal(packet).then(
      () => callback(),
      (err: unknown) => {
        this.deps.log.error(
          { err, topic: packet.topic },
          'MQTT readings not stored; left unacknowledged, reconnecting so the broker sends them again',
        );
        this.discarding = true;
        callback(err instanceof Error ? err : new Error(String(err)));
        this.client?.stream.destroy();
      },
    );
    this.track(work);
  }

  private async handleExternal(packet: IPublishPacket): Promise<void> {
    const { log, gateways } = this.deps;
    const topic = packet.topic;
    const clientId = READINGS_TOPIC.exec(topic)?.[1];
    if (!clientId) {
      log.warn({ topic }, 'MQTT message on an unexpected topic dropped');
      return;
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const gateway = await gateways.findActive(clientId);
    if (!gateway) {
      log.warn({ gatewayClientId: clientId }, 'MQTT readings from an unknown or inactive gateway dropped');
      const parsed = parseReadingsPayload(payload);
      await this.publishExternal(clientId, {
        ...(parsed.id !== undefined ? { id: parsed.id } : {}),
        error: 'unknown_gateway',
        detail: 'No active gateway has this client id; nothing was stored',
      });
      this.handled++;
      return;
    }
    await this.publishExternal(gateway.clientId, await this.ingest(gateway, payload));
    this.handled++;
  }

  /** Publishes a result at QoS 1 without waiting for the broker's PUBACK (mqtt.js resends it). */
  private async publishExternal(clientId: string, answer: ResultsMessage): Promise<void> {
    const client = this.client;
    if (!client) return;
    client.publish(resultsTopic(clientId), JSON.stringify(answer), { qos: 1, retain: false }, (err) => {
      if (err)
        this.deps.log.warn({ err: err.message, gatewayClientId: clientId }, 'MQTT results not published');
    });
  }

  /**
   * Leaves the shared subscription first, so the broker gives this worker nothing new, handles
   * what it had already been sent, then disconnects.
   */
  private async stopExternal(): Promise<void> {
    const client = this.client as MqttClient;
    if (client.connected) {
      try {
        await withTimeout(client.unsubscribeAsync(SHARED_READINGS_SUBSCRIPTION), DRAIN_MAX_MS);
        const deadline = Date.now() + DRAIN_MAX_MS;
        while (
          Date.now() < deadline &&
          (this.inFlight.size > 0 || Date.now() - this.lastMessageAt < DRAIN_QUIET_MS)
        ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'MQTT unsubscribe at stop failed');
      }
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
    this.client = undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** The broker URL as logs and errors may show it: without a password. */
function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
