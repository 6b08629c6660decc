import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import { resultsTopic } from '../gateways/index.js';
import {
  InFlight,
  ingestMessage,
  type MqttIngressDeps,
  parseReadingsPayload,
  type ResultsMessage,
} from './mqtt-messages.js';

/** The shared subscription every AMR worker joins on an external broker: each message goes to one. */
export const SHARED_READINGS_SUBSCRIPTION = '$share/hearth-amr/hearth/v1/gateways/+/readings';
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

/**
 * The external-broker subscriber: this worker joins a shared subscription on a broker that
 * authenticates gateways itself (Mosquitto), and acknowledges each message to the broker once it is
 * committed.
 */
export class ExternalSubscriber {
  private client: MqttClient | undefined;
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempts = 0;
  /** A commit failed; messages still queued from that connection are not handled. */
  private discarding = false;
  private lastMessageAt = 0;
  private readonly inFlight = new InFlight();
  private handled = 0;

  constructor(private readonly deps: MqttIngressDeps) {}

  /** Readings messages handled to the end (results published) since this process started. */
  get messagesHandled(): number {
    return this.handled;
  }

  start(url: string): Promise<void> {
    this.stopping = false;
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
    client.handleMessage = (packet, callback) => this.onMessage(packet, callback);

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
  private onMessage(packet: IPublishPacket, callback: (error?: Error) => void): void {
    this.lastMessageAt = Date.now();
    if (this.discarding) {
      callback(new Error('reconnecting after a failed commit'));
      return;
    }
    const work = this.handle(packet).then(
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
    this.inFlight.track(work);
  }

  private async handle(packet: IPublishPacket): Promise<void> {
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
      await this.publishResults(clientId, {
        ...(parsed.id !== undefined ? { id: parsed.id } : {}),
        error: 'unknown_gateway',
        detail: 'No active gateway has this client id; nothing was stored',
      });
      this.handled++;
      return;
    }
    await this.publishResults(gateway.clientId, await ingestMessage(this.deps, gateway, payload));
    this.handled++;
  }

  /** Publishes a result at QoS 1 without waiting for the broker's PUBACK (mqtt.js resends it). */
  private async publishResults(clientId: string, answer: ResultsMessage): Promise<void> {
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
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const client = this.client;
    if (client) {
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
      await this.inFlight.settled();
      await new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
      this.client = undefined;
    }
    await this.inFlight.settled();
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
