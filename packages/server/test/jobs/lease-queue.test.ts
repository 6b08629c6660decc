import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { LeaseQueue, retryAfterFailure } from '../../src/jobs/lease-queue.js';
import { createTestDatabase, dialect, type TestDatabase, testEnv } from '../harness/index.js';

let testDb: TestDatabase;
let database: Database;
let queue: LeaseQueue<'mail_outbox'>;
let n = 0;

/** A pending message due now, unleased. */
async function message(): Promise<string> {
  const id = `00000000-0000-7000-8000-${String(++n).padStart(12, '0')}`;
  await database.db
    .insertInto('mail_outbox')
    .values({
      id,
      to_address: 'someone@example.com',
      subject: 's',
      text_body: 't',
      html_body: null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: 0,
      locked_until: null,
      last_error: null,
      created_at: 0,
      sent_at: null,
    })
    .execute();
  return id;
}

const lockedUntil = async (id: string) =>
  (
    await database.db
      .selectFrom('mail_outbox')
      .select('locked_until')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).locked_until;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase(loadConfig(testEnv(testDb)));
  queue = new LeaseQueue(database.db, { table: 'mail_outbox', key: 'id', until: 'locked_until', free: null });
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

describe(`LeaseQueue over a table without an owner column (${dialect})`, () => {
  it('gives an item to one of two claimants at once, and to nobody else until the lease ends', async () => {
    const id = await message();
    const now = 1_000;
    const claims = await Promise.all([
      queue.claim({ key: id, until: now + 100 }, now),
      queue.claim({ key: id, until: now + 200 }, now),
    ]);
    expect(claims.filter((row) => row !== undefined)).toHaveLength(1);
    expect(await queue.claim({ key: id, until: now + 300 }, now + 50)).toBeUndefined();
    // The lease ran out (its worker died): the item is taken over.
    expect(await queue.claim({ key: id, until: now + 900 }, now + 250)).toMatchObject({
      id,
      locked_until: now + 900,
    });
  });

  it("claims only a row that meets the feature's own conditions", async () => {
    const id = await message();
    const notDue = await queue.claim({ key: id, until: 100 }, 1, {
      also: (eb) => eb('next_attempt_at', '>', 1),
    });
    expect(notDue).toBeUndefined();
    expect(await lockedUntil(id)).toBeNull();
  });

  it('renews and releases only while the lease is held; a lost lease writes nothing', async () => {
    const id = await message();
    const first = { key: id, until: 100 };
    expect(await queue.claim(first, 10)).toBeDefined();
    const renewed = await queue.renew(first, 150);
    expect(renewed).toEqual({ key: id, until: 150 });
    // The old lease is no longer held: its end moved on.
    expect(await queue.renew(first, 500)).toBeUndefined();
    expect(await queue.release(first, { last_error: 'stale' })).toBe(false);
    // Another worker takes it over once it ran out; the first may not undo that.
    const second = { key: id, until: 1_000 };
    expect(await queue.claim(second, 200)).toBeDefined();
    expect(await queue.release(renewed as { key: string; until: number }, { status: 'failed' })).toBe(false);
    expect(await queue.release(second, { status: 'sent' })).toBe(true);
    const row = await database.db
      .selectFrom('mail_outbox')
      .select(['status', 'locked_until', 'last_error'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'sent', locked_until: null, last_error: null });
  });
});

describe('retryAfterFailure', () => {
  const backoff = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles per attempt within ±20 %, capped, and never past the deadline', () => {
    for (const attempts of [1, 2, 3, 10]) {
      const { giveUp, nextAttemptAt } = retryAfterFailure(backoff, attempts, 0, 10_000_000);
      const expected = Math.min(1_000 * 2 ** (attempts - 1), 60_000);
      expect(giveUp).toBe(false);
      expect(nextAttemptAt).toBeGreaterThanOrEqual(Math.min(expected * 0.8, 60_000));
      expect(nextAttemptAt).toBeLessThanOrEqual(Math.min(expected * 1.2, 60_000));
    }
    expect(retryAfterFailure(backoff, 10, 0, 5_000)).toEqual({ giveUp: false, nextAttemptAt: 5_000 });
  });

  it('gives up at the deadline', () => {
    expect(retryAfterFailure(backoff, 3, 5_000, 5_000)).toEqual({ giveUp: true, nextAttemptAt: 5_000 });
  });
});
