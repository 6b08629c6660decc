import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { storageFaultOf } from './db/storage-faults.js';
import { type DemoHandle, startDemo } from './demo/start.js';

/** Starts the platform: validates configuration, migrates, ensures the operator, listens. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hearth: ${err.message}\nSee docs/operations.md for every setting.\n`);
      process.exit(2);
    }
    throw err;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const app = await buildApp(config);

  const operator = await app.ctx.services.users.ensureOperator(
    config.operator.username,
    config.operator.password,
  );
  const credentialsFile = path.join(config.dataDir, 'operator-password.txt');
  if (operator.generatedPassword) {
    writeFileSync(credentialsFile, `${operator.username}\n${operator.generatedPassword}\n`, { mode: 0o600 });
    chmodSync(credentialsFile, 0o600);
  }
  if (operator.weakness) {
    app.log.warn(
      `HEARTH_OPERATOR_PASSWORD is weak (${operator.weakness}); accepted as the deployer's choice`,
    );
  }

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const scheme = config.tls ? 'https' : 'http';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = `${scheme}://${host}:${port}`;
  const password = operator.generatedPassword
    ? operator.generatedPassword
    : config.operator.password
      ? '<HEARTH_OPERATOR_PASSWORD>'
      : `<see ${credentialsFile}, written at first start>`;
  const data =
    config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : 'PostgreSQL (DATABASE_URL)';
  let demo: DemoHandle | undefined;
  if (config.demo) {
    try {
      demo = await startDemo(app, config, base);
    } catch (err) {
      app.log.error({ err }, `demo: not started: ${(err as Error).message}`);
    }
  }
  const demoLines = demo
    ? [
        `  Demo:     agent "Hearth Demo Homes", admin ${demo.credentials.username} / ${demo.credentials.password}`,
        `            (kept in ${path.join(config.dataDir, 'demo-credentials.txt')}; ${config.demoFleet.homes} simulated homes, history backfilling, then live)`,
        `    echo '${demo.credentials.password}' | npm run -s hearth -- login --server ${base} --username ${demo.credentials.username}`,
        '    npm run -s hearth -- homes list',
      ]
    : [];
  process.stdout.write(
    `${[
      '',
      `Hearth is listening on ${base}`,
      ...(config.console
        ? [
            `  Console:  ${base}/   (open it in a browser${demo ? ` and log in as ${demo.credentials.username}` : ''})`,
          ]
        : []),
      `  API:      ${base}/api/v/${config.versions.current.at(-1)}   (versions: ${config.versions.describe()})`,
      `  API docs: ${base}/docs`,
      `  Data:     ${data}; files in ${config.dataDir}`,
      `  Operator: ${operator.username} / ${password}`,
      '  Log in:',
      `    curl -X POST ${base}/oauth/token -d grant_type=password -d username=${operator.username} \\`,
      `      -d password='${password}' -H "Authorization: Basic dHJ1c3RlZDpzZWNyZXQ="`,
      ...demoLines,
      '',
    ].join('\n')}\n`,
  );

  const stop = async (signal: string) => {
    app.log.info(`${signal}: closing`);
    await demo?.stop();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  const storage = storageFaultOf(err);
  const where = process.env.DATABASE_URL
    ? 'the PostgreSQL database'
    : `DATA_DIR (${process.env.DATA_DIR ?? 'data'})`;
  process.stderr.write(
    storage
      ? `hearth: could not start: ${storage.message} (${where}): ${(err as Error).message}\n` +
          (storage.kind === 'disk_full'
            ? 'Free some disk space and start Hearth again; nothing stored is lost.\n'
            : '')
      : `hearth: could not start: ${(err as Error).message}\n`,
  );
  process.exit(1);
});
