import { HearthClient } from '@hearth/client';
import { demoFleet, demoPlace } from './fleet.js';
import { simulateHome } from './model/index.js';
import { emptyTally, type FeedTally, feed } from './platform/feed.js';
import type { Delivery } from './platform/order.js';
import {
  gatewayClient,
  gatewayCredentials,
  type ProvisionedHome,
  provisionHome,
} from './platform/provision.js';
import { httpSink, mqttSink, type ReadingSink } from './platform/sinks.js';
import type { HomeSpec, Simulation } from './types.js';

const DAY = 86_400_000;

export interface DemoOptions {
  /** The platform's root URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** An admin (or editor) of the agent the demo homes belong to. */
  username: string;
  password: string;
  /** The MQTT broker gateways publish to; without it every home pushes over HTTP. */
  mqttUrl?: string;
  /** Days of history the first run backfills (default 60). */
  days?: number;
  /** Homes in the fleet (default 20). */
  homes?: number;
  /** Order reference prefix (default DEMO). */
  prefix?: string;
  /** Keep streaming live readings after the backfill (default true). */
  live?: boolean;
  /** How often the live loop looks for due readings, ms (default 10 s). */
  tickMs?: number;
  /**
   * Time acceleration (default 1). Above 1 the history is not backfilled at once but streamed live
   * at `speed` times real time (60: an hour a minute), through the same gateways, until it has
   * caught up with the present; from then on at real time. The platform refuses readings from the
   * future, so the simulated clock never passes the real one.
   */
  speed?: number;
  log?: (message: string) => void;
}

export interface DemoSummary {
  homes: { reference: string; homeId: string; created: boolean; tally: FeedTally }[];
  stored: number;
  duplicates: number;
  refused: number;
}

export interface DemoRun {
  /** Resolves once every home exists and its history is in the platform. */
  ready: Promise<DemoSummary>;
  /** Stops the live stream and closes the gateways' connections. */
  stop(): Promise<void>;
}

interface RunningHome {
  home: ProvisionedHome;
  sim: Simulation;
  sink: ReadingSink;
  delivery: Delivery;
  /** where the live clock of this home started (simulated epoch ms), at `wallStart` */
  origin: number;
}

const utcDate = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Every third home publishes over MQTT when a broker is given; the others push over HTTP. */
const deliveryOf = (index: number, mqttUrl: string | undefined): Delivery =>
  mqttUrl && index % 3 === 1 ? 'mqtt' : 'push';

/**
 * The demo fleet, end to end through the platform's API like a real agent and real gateways:
 * orders created and submitted, a gateway secret per home, the history backfilled through the
 * gateways, then live readings at each meter's interval. Safe to run again on the same platform:
 * homes are found by their order reference, the simulation restarts from the order's commissioning
 * day (it is deterministic) and only readings after the newest stored ones are sent, so the history
 * has no duplicates and no gap (the time the demo was stopped is filled in, like a gateway's buffer).
 */
export function runDemo(options: DemoOptions): DemoRun {
  const log = options.log ?? (() => {});
  const controller = new AbortController();
  const running: RunningHome[] = [];
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> = Promise.resolve();
  const speed = options.speed ?? 1;
  if (!(speed >= 1)) throw new RangeError('speed must be 1 or more');
  let wallStart = Date.now();
  /** The simulated time a home has reached: `speed` times the wall time since it started, never past now. */
  // In real time every home is live up to now, however long the others' backfills took (a home
  // backfilled first would otherwise lag by that long forever, and look late to fault management).
  const clock = (origin: number) =>
    speed === 1 ? Date.now() : Math.min(Date.now(), origin + (Date.now() - wallStart) * speed);

  const startLive = () => {
    if (timer || options.live === false || controller.signal.aborted) return;
    wallStart = Date.now();
    timer = setInterval(() => {
      tick = tick.then(() => liveTick(running, clock, log));
    }, options.tickMs ?? 10_000);
    timer.unref();
  };

  const ready = (async (): Promise<DemoSummary> => {
    // In real time the live loop runs from the start: a home joins it as soon as its own history
    // is in, so it never falls silent while the other homes backfill (fault management would see
    // its meters go late). Accelerated, every home's clock starts together once all are ordered.
    if (speed === 1) startLive();
    const admin = new HearthClient({ baseUrl: options.baseUrl });
    await admin.login({ username: options.username, password: options.password });
    const prefix = options.prefix ?? 'DEMO';
    const now = Date.now();
    const start =
      (await existingStart(admin, prefix)) ??
      Date.parse(`${utcDate(now - (options.days ?? 60) * DAY)}T00:00:00Z`);
    const specs = demoFleet({ start, homes: options.homes ?? 20, prefix, varied: true });
    const summary: DemoSummary = { homes: [], stored: 0, duplicates: 0, refused: 0 };
    await ensureDemoTariffs(admin);
    // Four homes at a time: the platform commits their concurrent batches together.
    await forEachLimit(specs, 4, async (spec, index) => {
      controller.signal.throwIfAborted();
      const delivery = deliveryOf(index, options.mqttUrl);
      const place = demoPlace(index);
      const home = await provisionHome(admin, spec, {
        commissioningDate: utcDate(start),
        delivery,
        property: {
          addressLines: [`${index + 1} Demo Terrace`],
          town: place.town,
          postcode: place.postcode,
          country: 'GB',
        },
      });
      const credentials = await gatewayCredentials(admin, home.homeId);
      const sink =
        delivery === 'mqtt' && options.mqttUrl
          ? await mqttSink(options.mqttUrl, credentials)
          : httpSink(await gatewayClient(options.baseUrl, credentials));
      const after = await newestStored(admin, home.homeId);
      const sim = simulateHome(spec, { start: home.start });
      if (after !== undefined) fastForward(sim, after);
      // Accelerated: the history is streamed by the live loop instead of sent at once.
      const tally =
        speed > 1
          ? emptyTally()
          : await feed(sim, home.channels, sink, Date.now(), {
              ...(after !== undefined ? { after } : {}),
              signal: controller.signal,
            });
      running.push({ home, sim, sink, delivery, origin: sim.now });
      summary.homes.push({ reference: spec.reference, homeId: home.homeId, created: home.created, tally });
      summary.stored += tally.stored;
      summary.duplicates += tally.duplicates;
      summary.refused += tally.refused;
      log(
        `demo: ${spec.reference} (${spec.technology.replaceAll('_', ' ')}, ${delivery}) ` +
          `${home.created ? 'created' : 'found'}, ${tally.stored} readings stored` +
          (tally.refused ? `, ${tally.refused} refused (${Object.keys(tally.refusedBy).join(', ')})` : ''),
      );
    });
    await admin.logout().catch(() => {});
    summary.homes.sort((a, b) => a.reference.localeCompare(b.reference));
    startLive();
    return summary;
  })();
  // The caller may never await `ready` (npm start logs instead); a failure must still be seen.
  ready.catch(() => {});

  return {
    ready,
    async stop() {
      controller.abort();
      if (timer) clearInterval(timer);
      await ready.catch(() => {});
      await tick;
      await Promise.all(running.map((r) => r.sink.close().catch(() => {})));
    },
  };
}

/** One live step: each home's readings that fell due since the last step, through its gateway. */
async function liveTick(
  running: RunningHome[],
  clock: (origin: number) => number,
  log: (message: string) => void,
): Promise<void> {
  await Promise.all(
    running.map(async ({ home, sim, sink, origin }) => {
      try {
        await feed(sim, home.channels, sink, clock(origin), { chunkMs: DAY });
      } catch (err) {
        // The readings of this step are lost to this run; the next start fills the gap from history.
        log(`demo: ${home.spec.reference}: live readings not delivered: ${(err as Error).message}`);
      }
    }),
  );
}

/** The commissioning day of the fleet's first home, when an earlier run already ordered it. */
/**
 * The demo agent's default tariffs, so insight shows cost (an agent without tariffs has none):
 * electricity on a heat pump time-of-use tariff like Octopus Cosy (cheap 04:00-07:00, 13:00-16:00
 * and 22:00-24:00, dear 16:00-19:00), gas flat, at late-2026 UK prices in pence. Made once: an
 * agent that has any tariff keeps its own. No validity dates: they apply to the whole history.
 */
async function ensureDemoTariffs(admin: HearthClient): Promise<void> {
  for await (const _ of admin.tariffs.list()) return;
  await admin.tariffs.create({
    name: 'Demo heat pump tariff (Cosy-like)',
    fuel: 'electricity',
    standingCharge: 53.6,
    isDefault: true,
    bands: [
      { from: '00:00', to: '04:00', rate: 26.9 },
      { from: '04:00', to: '07:00', rate: 13.6 },
      { from: '07:00', to: '13:00', rate: 26.9 },
      { from: '13:00', to: '16:00', rate: 13.6 },
      { from: '16:00', to: '19:00', rate: 40.3 },
      { from: '19:00', to: '22:00', rate: 26.9 },
      { from: '22:00', to: '24:00', rate: 13.6 },
    ],
  });
  await admin.tariffs.create({
    name: 'Demo gas (flat)',
    fuel: 'gas',
    standingCharge: 31.7,
    unitRate: 6.3,
    isDefault: true,
  });
}

async function existingStart(admin: HearthClient, prefix: string): Promise<number | undefined> {
  const first = (await admin.orders.list({ q: `${prefix}-001` }).toArray()).find(
    (o) => o.reference === `${prefix}-001` && o.status !== 'cancelled',
  );
  const date = first?.installation?.commissioningDate;
  return date ? Date.parse(`${date}T00:00:00Z`) : undefined;
}

/** The oldest of each channel's newest reading: from there on the platform may be missing some. */
async function newestStored(admin: HearthClient, homeId: string): Promise<number | undefined> {
  const latest = await admin.telemetry.latest(homeId);
  const times = latest.channels.flatMap((c) => (c.time ? [Date.parse(c.time)] : []));
  return times.length ? Math.min(...times) : undefined;
}

/** Runs the simulation up to `until` without keeping its readings (a day at a time: bounded memory). */
function fastForward(sim: Simulation, until: number): void {
  while (sim.now < until) sim.advance(Math.min(until, sim.now + DAY));
}

async function forEachLimit<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
}

export type { HomeSpec };
