import { EmbeddedBroker } from './mqtt-embedded.js';
import { ExternalSubscriber } from './mqtt-external.js';
import type { MqttIngressDeps } from './mqtt-messages.js';

export { SESSION_EXPIRY_SECONDS, SHARED_READINGS_SUBSCRIPTION } from './mqtt-external.js';
export {
  type GatewayDirectory,
  MAX_MESSAGE_ID_LENGTH,
  MAX_PAYLOAD_BYTES,
  type MessageErrorCode,
  type MqttIngressDeps,
  parseReadingsPayload,
  type ResultsMessage,
} from './mqtt-messages.js';

/**
 * Gateways' readings over MQTT. A gateway publishes `{"readings":[…]}` to
 * `hearth/v1/gateways/<clientId>/readings`; the outcome is published to `…/<clientId>/results`.
 *
 * - embedded (`EmbeddedBroker`, mqtt-embedded.ts): an aedes broker in this process. Gateways log in with their client id and secret;
 *   a QoS 1 message is acknowledged (PUBACK) only once its readings are committed.
 * - external (`ExternalSubscriber`, mqtt-external.ts): this worker joins a shared subscription on a broker that authenticates gateways
 *   itself (Mosquitto), and acknowledges each message to the broker once it is committed.
 * - off: nothing.
 *
 * Both parse, store and answer a message the same way (mqtt-messages.ts).
 *
 * docs/mqtt.md is the gateway's and the operator's guide.
 */
export class MqttIngress {
  private readonly embedded: EmbeddedBroker;
  private readonly external: ExternalSubscriber;

  constructor(private readonly deps: MqttIngressDeps) {
    this.embedded = new EmbeddedBroker(deps);
    this.external = new ExternalSubscriber(deps);
  }

  /** The embedded broker's bound port (useful with HEARTH_MQTT_PORT=0); undefined otherwise. */
  get port(): number | undefined {
    return this.embedded.port;
  }

  /** Readings messages handled to the end (results published) by this process since start. */
  get messagesHandled(): number {
    return this.embedded.messagesHandled + this.external.messagesHandled;
  }

  async start(): Promise<void> {
    const { mqtt } = this.deps.amr;
    if (mqtt.kind === 'embedded') await this.embedded.start(mqtt.port);
    else if (mqtt.kind === 'external') await this.external.start(mqtt.url);
  }

  /** Stops taking messages, lets the ones being stored finish and be acknowledged, then disconnects. */
  async stop(): Promise<void> {
    await this.embedded.stop();
    await this.external.stop();
  }
}
