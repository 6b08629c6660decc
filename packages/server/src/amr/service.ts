import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import type { GatewaysService } from '../gateways/index.js';
import type { HomeRecords } from '../homes/index.js';
import type { Logger } from '../log.js';
import type { ProvisioningService } from '../provisioning/index.js';
import type { TelemetryService } from '../telemetry/index.js';
import { MqttIngress } from './mqtt.js';
import { Poller, type PollTargets } from './poller.js';

export interface AmrDeps {
  config: Config;
  db: Kysely<DB>;
  telemetry: TelemetryService;
  gateways: GatewaysService;
  provisioning: ProvisioningService;
  homes: HomeRecords;
  log: Logger;
}

/** The poller's targets: meters read by poll (homes) of homes whose amr definition is active (provisioning). */
export function pollTargets(
  homes: Pick<HomeRecords, 'polledMeters' | 'meterChannels'>,
  provisioning: Pick<ProvisioningService, 'activeAmrIntervals'>,
): PollTargets {
  return {
    polledMeters: async () => {
      const [meters, intervals] = await Promise.all([
        homes.polledMeters(),
        provisioning.activeAmrIntervals(),
      ]);
      return meters.flatMap((m) => {
        const intervalSeconds = intervals.get(m.homeId);
        return intervalSeconds === undefined ? [] : [{ ...m, intervalSeconds }];
      });
    },
    channelsOf: (meterId) => homes.meterChannels(meterId),
  };
}

/**
 * The Automated Meter Reading service: takes up `amr` provisioning definitions (pending → active),
 * polls the meters read by `poll`, and receives gateways' MQTT messages. HTTP push needs no worker.
 * Several processes may run it against one database: polls are leased per meter, MQTT is a shared
 * subscription on an external broker.
 */
export class AmrService {
  readonly workerId: string;
  readonly poller: Poller;
  readonly mqtt: MqttIngress;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;

  constructor(private readonly deps: AmrDeps) {
    const { config, db, telemetry, gateways, homes, provisioning, log } = deps;
    this.workerId = config.amr.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.poller = new Poller({
      db,
      targets: pollTargets(homes, provisioning),
      workerId: this.workerId,
      scanIntervalMs: config.amr.scanIntervalMs,
      timeoutMs: config.amr.pollTimeoutMs,
      ingest: telemetry,
      log,
    });
    this.mqtt = new MqttIngress({
      amr: config.amr,
      host: config.host,
      ...(config.tls ? { tls: config.tls } : {}),
      workerId: this.workerId,
      gateways,
      ingest: telemetry,
      log,
    });
  }

  async start(): Promise<void> {
    await this.takeUp();
    const tick = () => {
      this.pass = this.takeUp()
        .then(() => undefined)
        .catch((err: unknown) => this.deps.log.error({ err }, 'amr: taking up provisioning failed'))
        .finally(() => {
          this.pass = undefined;
          if (this.timer) this.timer = setTimeout(tick, this.deps.config.amr.scanIntervalMs);
        });
    };
    this.timer = setTimeout(tick, this.deps.config.amr.scanIntervalMs);
    this.poller.start();
    await this.mqtt.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
    await Promise.all([this.poller.stop(), this.mqtt.stop()]);
    await this.deps.telemetry.drain();
  }

  /** Every pending amr definition becomes active: collection starts (polls on the next scan). */
  async takeUp(): Promise<number> {
    const count = await this.deps.provisioning.activatePending('amr');
    if (count > 0) this.deps.log.info({ count }, 'amr: collection started for newly provisioned homes');
    return count;
  }
}
