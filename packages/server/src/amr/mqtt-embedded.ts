import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { isLoopback } from '../config.js';
import { type GatewayIdentity, readingsTopic, resultsTopic } from '../gateways/index.js';
import { InFlight, ingestMessage, type MqttIngressDeps, type ResultsMessage } from './mqtt-messages.js';

/** An error whose code aedes puts in the CONNACK. */
function connackError(returnCode: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * The embedded broker: an aedes broker in this process. Gateways log in with their client id and
 * secret; a QoS 1 message is acknowledged (PUBACK) only once its readings are committed.
 */
export class EmbeddedBroker {
  private broker: Aedes | undefined;
  private server: net.Server | tls.Server | undefined;
  private boundPort: number | undefined;
  /** Who each connected client logged in as. */
  private readonly identities = new WeakMap<Client, GatewayIdentity>();
  /** Each client's messages are handled one after another, so PUBACKs keep their order. */
  private readonly chains = new WeakMap<Client, Promise<unknown>>();
  private stopping = false;
  private readonly inFlight = new InFlight();
  private handled = 0;

  constructor(private readonly deps: MqttIngressDeps) {}

  /** The bound port while listening (useful with HEARTH_MQTT_PORT=0). */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Readings messages handled to the end (results published) since this process started. */
  get messagesHandled(): number {
    return this.handled;
  }

  async start(port: number): Promise<void> {
    this.stopping = false;
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
  async stop(): Promise<void> {
    this.stopping = true;
    const { server, broker } = this;
    if (server || broker) {
      const closed = server
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
      await this.inFlight.settled();
      this.server = undefined;
      this.broker = undefined;
      this.boundPort = undefined;
      // Closing the broker ends every client connection, which lets the listener close.
      if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    }
    await this.inFlight.settled();
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
    const work = previous.then(() => this.handle(identity, payload));
    const settled = work.then(
      () => done(null),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
    this.chains.set(client, settled);
    this.inFlight.track(settled);
  }

  private async handle(gateway: GatewayIdentity, payload: Buffer): Promise<void> {
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
      answer = await ingestMessage(this.deps, current, payload);
    } catch (err) {
      this.deps.log.error(
        { err, gatewayClientId: gateway.clientId },
        'MQTT readings not stored; connection closed unacknowledged so the gateway sends them again',
      );
      throw new Error('server unavailable');
    }
    this.publishResults(current.clientId, answer);
    this.handled++;
  }

  private publishResults(clientId: string, answer: ResultsMessage): void {
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
}
