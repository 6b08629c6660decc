/**
 * Storage faults answered as such (#18): the database on a real, small tmpfs that the test fills.
 * Writes and logins answer 503 with Retry-After and a problem naming the cause, /readyz says not
 * ready, and when space returns everything resumes with every acknowledged reading kept. Start-up
 * on a full disk says the disk is full. Needs root (mount); skipped elsewhere, except on CI. On
 * PostgreSQL the test database lives in a tablespace on the tmpfs (the server must be local).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTenant,
  dialect,
  expectProblem,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  push,
  startTestApp,
  TEST_PG_URL,
  type TestApp,
  type TestDatabase,
} from '../harness/index.js';

const MINUTE = 60_000;

/** Mounts a tmpfs of `megabytes` at a new directory; undefined when this machine does not let us. */
function mountTmpfs(megabytes: number): string | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function unmount(dir: string): void {
  spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Writes a file until the file system says it is full (ENOSPC). */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // The last few bytes: small writes go until nothing at all fits.
  const tail = openSync(file, 'a');
  try {
    for (;;) writeSync(tail, Buffer.alloc(512, 1));
  } catch {
    // full
  } finally {
    closeSync(tail);
  }
  return file;
}

const probe = process.getuid?.() === 0 ? mountTmpfs(1) : undefined;
if (probe) unmount(probe);
const canMount = probe !== undefined;
if (!canMount && process.env.CI === 'true') {
  throw new Error('storage-faults.test.ts needs root to mount a tmpfs; CI runs as root');
}

/** A password login that the full disk refuses: 503 temporarily_unavailable with Retry-After. */
async function expectLoginRefusedOn(t: TestApp): Promise<void> {
  const loginRefused = await t.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: {
      authorization: `Basic ${Buffer.from('trusted:secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({
      grant_type: 'password',
      username: OPERATOR.username,
      password: OPERATOR.password,
    }).toString(),
  });
  expect(loginRefused.statusCode, loginRefused.body).toBe(503);
  expect(loginRefused.headers['retry-after']).toBe('30');
  expect(loginRefused.json()).toMatchObject({ error: 'temporarily_unavailable' });
}

/**
 * A database whose files live on the tmpfs at `dir`: SQLite's file there, or on PostgreSQL a new
 * database in a tablespace there (the test server is local, and its WAL stays on its own disk).
 */
async function databaseOn(dir: string): Promise<TestDatabase> {
  if (!TEST_PG_URL) return { env: { DATA_DIR: dir }, dataDir: dir, drop: async () => {} };
  execFileSync('chown', ['postgres:postgres', dir]);
  const suffix = randomBytes(6).toString('hex');
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE TABLESPACE hearth_full_${suffix} LOCATION '${dir}'`);
  await admin.query(`CREATE DATABASE hearth_full_${suffix} TABLESPACE hearth_full_${suffix}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/hearth_full_${suffix}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hearth-test-'));
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    dataDir,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS hearth_full_${suffix} WITH (FORCE)`);
      await client.query(`DROP TABLESPACE IF EXISTS hearth_full_${suffix}`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!canMount)(`storage faults (${dialect} on a full tmpfs)`, () => {
  let dir: string;
  let database: TestDatabase;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    dir = mountTmpfs(24) as string;
    database = await databaseOn(dir);
    t = await startTestApp({}, database);
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    if (dir) unmount(dir);
  });

  it('answers 503 with Retry-After while the disk is full, is not ready, and keeps every acknowledged reading', async () => {
    const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
    const tenant = await createTenant(t.app, operator, 'Full disk');
    admin = tenant.admin.token;
    const { homeId, channel } = await homeWithChannels(t.app, admin, 'FULL-1');
    const flow = channel('heat_meter', 'flow_temperature');
    const start = Date.now() - 30 * 24 * 60 * MINUTE;
    const batch = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        channelId: flow.id,
        time: iso(start + (from + i) * MINUTE),
        value: 40 + (i % 10) / 10,
      }));

    const before = await push(t.app, admin, batch(0, 2_000));
    expect(before.statusCode, before.body).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    // SQLite: empty the WAL into the database file, then fill the disk: the next commit needs new
    // space. PostgreSQL: the next rows need new pages in the tablespace's files.
    t.app.ctx.database.sqlite?.pragma('wal_checkpoint(TRUNCATE)');
    const filler = fill(dir);

    const refused = await push(t.app, admin, batch(2_000, 5_000));
    const problem = expectProblem(refused, 503, 'unavailable');
    expect(problem.reason).toBe('disk_full');
    expect(problem.detail).toMatch(/the disk holding the database is full/);
    expect(refused.headers['retry-after']).toBe('30');

    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', storage: 'disk_full' });

    // A login stores its tokens: refused the same way, in the token endpoint's own format. (On
    // PostgreSQL only the tablespace is full: its WAL is elsewhere and a token row still fits a
    // page with room, so a login goes through, as it would in production.)
    if (dialect === 'sqlite') await expectLoginRefusedOn(t);

    // Reads still work: what was acknowledged is there, nothing of the refused batch.
    const during = await call(
      t.app,
      'GET',
      `/homes/${homeId}/telemetry?channels=${flow.id}&resolution=raw&from=${iso(start)}&to=${iso(start + 10_000 * MINUTE)}`,
      admin,
    );
    expect(during.statusCode, during.body).toBe(200);
    expect(during.json().channels[0].points).toHaveLength(2_000);

    // Space returns: the same batch goes in, and the node is ready again.
    rmSync(filler);
    const again = await push(t.app, admin, batch(2_000, 5_000));
    expect(again.statusCode, again.body).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const after = await call(
      t.app,
      'GET',
      `/homes/${homeId}/telemetry?channels=${flow.id}&resolution=raw&from=${iso(start)}&to=${iso(start + 10_000 * MINUTE)}`,
      admin,
    );
    expect(after.json().channels[0].points).toHaveLength(7_000);
  });

  it.skipIf(dialect !== 'sqlite')('says the disk is full when it cannot start for lack of space', () => {
    const full = mountTmpfs(1) as string;
    try {
      fill(full);
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.resolve(import.meta.dirname, '../../src/main.ts')],
        {
          env: {
            ...process.env,
            DATA_DIR: full,
            PORT: '0',
            HOST: '127.0.0.1',
            HEARTH_DEMO: 'off',
            LOG_LEVEL: 'silent',
            DATABASE_URL: '',
          },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/could not start: the disk holding the database is full/);
      expect(result.stderr).toMatch(/Free some disk space/);
    } finally {
      unmount(full);
    }
  });
});
