import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';

/** Set HEARTH_TEST_DATABASE_URL=postgres://… to run the suite against PostgreSQL; unset: SQLite. */
export const TEST_PG_URL = process.env.HEARTH_TEST_DATABASE_URL;
export const dialect: 'sqlite' | 'postgres' = TEST_PG_URL ? 'postgres' : 'sqlite';

export const BASIC_TRUSTED = 'Basic dHJ1c3RlZDpzZWNyZXQ='; // trusted:secret
export const SEED_TYPO_BASIC = 'Basic dHJ1c3RlZDpzZWNYZXQ='; // trusted:secXet, the seed's typo
export const OPERATOR = { username: 'operator', password: 'operator-test-password-1' };

export interface TestDatabase {
  /** Environment that points Hearth at this database (DATA_DIR, and DATABASE_URL for PostgreSQL). */
  env: Record<string, string>;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * The run's migrated template (test/harness/global-setup.ts), when running under vitest; scripts
 * that borrow the harness (scripts/bench) migrate each database themselves.
 */
async function databaseTemplate() {
  if (process.env.VITEST !== 'true') return undefined;
  const { expect, inject } = await import('vitest');
  // A *.unit.test.ts file runs in the SQLite pass only (vitest.config.ts): it must not need a database.
  const file = expect.getState().testPath ?? '';
  if (file.endsWith('.unit.test.ts')) throw new Error(`${file} opens a database: name it *.test.ts`);
  return inject('databaseTemplate');
}

/**
 * A brand-new database with every migration applied and no rows (a SQLite file in a temp dir, or a
 * new PostgreSQL database): a copy of the run's template when there is one.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hearth-test-'));
  const template = await databaseTemplate();
  if (!TEST_PG_URL) {
    if (template?.kind === 'sqlite') copyFileSync(template.file, path.join(dataDir, 'hearth.db'));
    return {
      env: { DATA_DIR: dataDir },
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `hearth_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(
    template?.kind === 'postgres'
      ? `CREATE DATABASE ${name} TEMPLATE ${template.name}`
      : `CREATE DATABASE ${name}`,
  );
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    dataDir,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The environment every test server starts from: no demo, silent logs, a known operator. */
export function testEnv(
  database: TestDatabase,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    HEARTH_DEMO: 'off',
    // Tests that need the broker ask for it (HEARTH_MQTT=embedded, HEARTH_MQTT_PORT=0).
    HEARTH_MQTT: 'off',
    // The AMR service takes amr up once at start and then hourly: a test that needs it sooner
    // (polls) asks for a shorter scan, so other tests see a home's provisioning stay as created.
    HEARTH_AMR_SCAN_SECONDS: '3600',
    // Fault management likewise (a home's definition stays pending); readings still make their
    // home due at once, and POST …/alarms/evaluate judges on demand.
    HEARTH_FAULTS_SCAN_SECONDS: '3600',
    LOG_LEVEL: 'silent',
    HEARTH_OPERATOR_USERNAME: OPERATOR.username,
    HEARTH_OPERATOR_PASSWORD: OPERATOR.password,
    ...database.env,
    ...overrides,
  };
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Builds the app on a fresh database (or a given one), with the operator account in place. */
export async function startTestApp(
  overrides: Record<string, string> = {},
  database?: TestDatabase,
): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const config = loadConfig(testEnv(db, overrides));
  const app = await buildApp(config);
  await app.ctx.services.users.ensureOperator(config.operator.username, config.operator.password);
  return {
    app,
    config,
    database: db,
    close: async () => {
      await app.close();
      if (!database) await db.drop();
    },
  };
}

/** Logs in with the password grant through the real endpoint; returns the token response. */
export async function login(
  app: FastifyInstance,
  username = OPERATOR.username,
  password = OPERATOR.password,
): Promise<{ access_token: string; refresh_token?: string; expires_in: number }> {
  const response = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
