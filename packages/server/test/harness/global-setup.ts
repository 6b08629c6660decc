import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A database migrated once for the run: a SQLite file to copy, or a PostgreSQL database to use as TEMPLATE. */
    databaseTemplate: { kind: 'sqlite'; file: string } | { kind: 'postgres'; name: string };
  }
}

/**
 * Once per run, before any test file: runs every migration into a template database, so each test
 * database is a copy of it rather than a new migration (about a second of fsyncs each on SQLite).
 * The migrations themselves still run from empty here on every run, on the engine under test.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pgUrl = process.env.HEARTH_TEST_DATABASE_URL;
  if (!pgUrl) {
    const dir = mkdtempSync(path.join(tmpdir(), 'hearth-template-'));
    const file = path.join(dir, 'hearth.db');
    // Closing the only connection checkpoints the WAL into the file, so the file alone is the copy.
    await (await openDatabase({ database: { kind: 'sqlite', file } })).close();
    project.provide('databaseTemplate', { kind: 'sqlite', file });
    return async () => rmSync(dir, { recursive: true, force: true });
  }
  const name = `hearth_template_${randomBytes(6).toString('hex')}`;
  await admin(pgUrl, `CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  // Closed before any copy: CREATE DATABASE … TEMPLATE refuses a template with open connections.
  await (await openDatabase({ database: { kind: 'postgres', url: url.toString() } })).close();
  project.provide('databaseTemplate', { kind: 'postgres', name });
  return () => admin(pgUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
