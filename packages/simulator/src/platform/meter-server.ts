import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HomeSpec, SimReading, Simulation } from '../types.js';
import { serialOf } from './order.js';

/** A home whose meters the platform polls: its spec and its running simulation. */
export interface PolledHome {
  spec: HomeSpec;
  sim: Simulation;
}

export interface MeterServer {
  /** e.g. http://127.0.0.1:39411: give it to `orderFor` as `pollBaseUrl` */
  url: string;
  /** Adds a home to serve (its meters answer from then on). */
  add(home: PolledHome): void;
  close(): Promise<void>;
}

export interface MeterServerOptions {
  host?: string;
  port?: number;
  /** How much history a meter keeps and answers with, ms (default an hour): a poll after an outage catches up. */
  bufferMs?: number;
}

/**
 * Simulated meters the platform's AMR poller reads: `GET /meters/<serial>` answers
 * `{"readings":[{"channel","time","value"}…]}` (docs/polling.md) with the meter's readings of the
 * last `bufferMs`, advancing the home's simulation to the moment of the request. Readings the
 * platform already has come back as duplicates, which it counts and does not store twice.
 */
export async function serveMeters(options: MeterServerOptions = {}): Promise<MeterServer> {
  const bufferMs = options.bufferMs ?? 3_600_000;
  // Each home's recent readings, kept per home: one request advances the home's every meter.
  const homes = new Map<string, { home: PolledHome; buffer: SimReading[] }>();
  const bySerial = new Map<string, { reference: string; role: SimReading['meter'] }>();

  const server: Server = createServer((request, response) => {
    const match = /^\/meters\/([^/?]+)$/.exec(request.url?.split('?')[0] ?? '');
    const meter = match ? bySerial.get(decodeURIComponent(match[1] as string)) : undefined;
    const state = meter ? homes.get(meter.reference) : undefined;
    if (request.method !== 'GET' || !meter || !state) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such meter"}');
      return;
    }
    const now = Date.now();
    if (now > state.home.sim.now) state.buffer.push(...state.home.sim.advance(now));
    state.buffer = state.buffer.filter((r) => r.t > now - bufferMs);
    const readings = state.buffer
      .filter((r) => r.meter === meter.role)
      .map((r) => ({ channel: r.channel, time: new Date(r.t).toISOString(), value: r.value }));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ readings }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    add(home) {
      homes.set(home.spec.reference, { home, buffer: [] });
      for (const role of home.spec.meters)
        bySerial.set(serialOf(home.spec.reference, role), { reference: home.spec.reference, role });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
