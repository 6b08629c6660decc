import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Dialect } from './dialect.js';
import { migrations } from './migrations/index.js';
import type { DB } from './schema.js';
import { StorageHealth } from './storage-faults.js';

// int8 (bigint) columns hold epoch milliseconds and counters, all below 2^53: read them as numbers.
pg.types.setTypeParser(20, (value) => Number(value));

export type { Dialect } from './dialect.js';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** SQLite only: the better-sqlite3 handle, for the telemetry store's batched writes (telemetry/store-sqlite.ts). */
  sqlite?: SqliteDatabase.Database;
  /** Throws when the database cannot answer a trivial query (used by /readyz). */
  ping(): Promise<void>;
  /** Storage faults (disk full, read-only, I/O) seen by requests and workers (db/storage-faults.ts). */
  storage: StorageHealth;
  close(): Promise<void>;
}

/** Opens the configured database and applies every pending migration. */
export async function openDatabase(config: Pick<Config, 'database'>): Promise<Database> {
  const database =
    config.database.kind === 'sqlite' ? openSqlite(config.database.file) : openPostgres(config.database.url);
  try {
    await migrate(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

function openSqlite(file: string): Database {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit that was acknowledged survives a power cut, not just a process crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    storage: new StorageHealth(),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client's error (a restarted server) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    storage: new StorageHealth(),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

async function migrate(db: Kysely<DB>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(
      `Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`,
    );
  }
}
