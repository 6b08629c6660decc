import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { type DemoCredentials, ensureDemoAccounts } from './accounts.js';

export interface DemoHandle {
  credentials: DemoCredentials;
  stop(): Promise<void>;
}

/**
 * Starts the demo on a listening platform (`HEARTH_DEMO=on`, the default of `npm start`): the demo
 * agent and admin, then the simulator's fleet through the API at `baseUrl`, as a real agent and
 * real gateways would use it. The history backfills in the background while the platform serves.
 */
export async function startDemo(app: FastifyInstance, config: Config, baseUrl: string): Promise<DemoHandle> {
  const credentials = await ensureDemoAccounts(
    app.ctx,
    config.operator.username,
    path.join(config.dataDir, 'demo-credentials.txt'),
  );
  // Loaded only when the demo runs: production (HEARTH_DEMO=off) never loads the simulator.
  const { runDemo } = await import('@hearth/simulator');
  const broker = app.ctx.services.amr.mqtt.port;
  const run = runDemo({
    baseUrl,
    username: credentials.username,
    password: credentials.password,
    homes: config.demoFleet.homes,
    days: config.demoFleet.days,
    ...(broker !== undefined ? { mqttUrl: `mqtt://${loopbackOf(config.host)}:${broker}` } : {}),
    log: (message) => app.log.info(message),
  });
  run.ready.then(
    (summary) =>
      app.log.info(
        `demo: ${summary.homes.length} homes ready (${summary.stored} readings stored now); streaming live`,
      ),
    (err: Error) => {
      if (err.name !== 'AbortError') app.log.error({ err }, `demo: stopped: ${err.message}`);
    },
  );
  return { credentials, stop: () => run.stop() };
}

/** The address to reach a server bound to `host` from the same machine. */
function loopbackOf(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
