import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailOptions } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import { type MailLog, MailService } from '../../src/mail/service.js';
import {
  createTestDatabase,
  dialect,
  type SmtpReceiver,
  startSmtpReceiver,
  startTestApp,
  type TestApp,
  testEnv,
  timeout,
  unusedPort,
} from '../harness/index.js';

const DAY = 24 * 60 * 60 * 1000;
const FROM = 'Hearth <hearth@localhost>';
/** What an invitation looks like: the token must come out exactly as it went in. */
const TEXT =
  'Hello Ana,\n\nYou are invited to Hearth. Accept here:\n' +
  'https://hearth.example/invitations/accept?token=hx_Zk3-9vQ_w8LrT0aB4cD5eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5yZ6\n\n' +
  'Or send this token to POST /api/v/1/invitations/acceptance:\n' +
  '  hx_Zk3-9vQ_w8LrT0aB4cD5eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5yZ6\n\nGrüße, ✓ the Hearth team\n';

/** Resources of the running test, released in reverse order even when the test fails. */
let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  const pending = cleanups.reverse();
  cleanups = [];
  for (const cleanup of pending) await cleanup();
});

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object | string;
  msg?: string;
}

function recordingLog(): MailLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object | string, msg?: string): void => {
      entries.push({ level, obj, msg });
    };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

/** The app's own outbox worker (once wired) is stopped: these tests drive their own MailService. */
async function stopAppWorkers(t: TestApp): Promise<void> {
  for (const service of Object.values(t.app.ctx.services)) {
    if (service instanceof MailService) await service.stop();
  }
}

/** A fresh app on a fresh database; SMTP_URL points the app's own mail, if any, at the same place. */
async function newApp(smtpUrl?: string): Promise<TestApp> {
  const t = await startTestApp(smtpUrl ? { SMTP_URL: smtpUrl } : {});
  cleanups.push(() => t.close());
  await stopAppWorkers(t);
  return t;
}

function mailOptions(t: TestApp, overrides: Partial<MailOptions> = {}): MailOptions {
  return {
    outboxDir: path.join(t.config.dataDir, 'outbox'),
    from: FROM,
    retryBaseMs: 60_000,
    giveUpAfterMs: 3 * DAY,
    // Long enough that only kick() or a direct deliverDue() can explain a delivery.
    pollIntervalMs: 60 * 60 * 1000,
    ...overrides,
  };
}

function newService(
  t: TestApp,
  overrides: Partial<MailOptions> = {},
  db: Kysely<DB> = t.app.ctx.database.db,
): { mail: MailService; log: ReturnType<typeof recordingLog> } {
  const log = recordingLog();
  const mail = new MailService(db, mailOptions(t, overrides), log);
  cleanups.push(() => mail.stop());
  return { mail, log };
}

async function receiver(port?: number): Promise<SmtpReceiver> {
  const smtp = await startSmtpReceiver(port);
  cleanups.push(() => smtp.close());
  return smtp;
}

/** Moves a message's retry time into the past, as the passing of its backoff would. */
async function makeDue(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('mail_outbox').set({ next_attempt_at: 0 }).where('id', '=', id).execute();
}

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function deliveryOf(mail: MailService, id: string) {
  const delivery = (await mail.delivery([id])).get(id);
  if (!delivery) throw new Error(`no outbox message ${id}`);
  return delivery;
}

const isIsoTime = (value: string | null): boolean =>
  value !== null && new Date(value).toISOString() === value;

describe(`mail outbox on ${dialect}`, () => {
  it('without SMTP writes each message as a complete .eml file into the outbox folder', async () => {
    const t = await newApp();
    const { mail, log } = newService(t);
    const id = await mail.enqueue({
      to: 'ana@example.com',
      subject: 'You are invited to Hearth',
      text: TEXT,
      html: '<p>You are invited</p>',
    });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await deliveryOf(mail, id)).status).toBe('pending');

    expect(await mail.deliverDue()).toBe(1);

    const file = path.join(t.config.dataDir, 'outbox', `${id}.eml`);
    const parsed = await simpleParser(await readFile(file));
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : parsed.to).toBe('ana@example.com');
    expect(parsed.from?.value[0]).toMatchObject({ address: 'hearth@localhost', name: 'Hearth' });
    expect(parsed.subject).toBe('You are invited to Hearth');
    expect(parsed.text).toBe(TEXT);
    expect(parsed.html).toContain('<p>You are invited</p>');
    expect(parsed.messageId).toBe(`<${id}@localhost>`);
    expect(parsed.date).toBeInstanceOf(Date);
    expect(await readdir(path.dirname(file))).toEqual([`${id}.eml`]);

    const delivery = await deliveryOf(mail, id);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1, lastError: null, nextAttemptAt: null });
    expect(isIsoTime(delivery.sentAt)).toBe(true);
    expect(log.entries).toContainEqual(
      expect.objectContaining({ level: 'info', obj: { mailId: id, path: file } }),
    );

    // Sent is final: another pass sends nothing.
    expect(await mail.deliverDue()).toBe(0);
  });

  it('enqueues inside the caller’s transaction: a rolled back change sends nothing', async () => {
    const t = await newApp();
    const { mail } = newService(t);
    const db = t.app.ctx.database.db;

    let rolledBack = '';
    await expect(
      db.transaction().execute(async (trx) => {
        rolledBack = await mail.enqueue({ to: 'gone@example.com', subject: 'Never', text: 'never\n' }, trx);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const committed = await db
      .transaction()
      .execute((trx) => mail.enqueue({ to: 'kept@example.com', subject: 'Kept', text: 'kept\n' }, trx));

    const deliveries = await mail.delivery([rolledBack, committed, 'no-such-id']);
    expect([...deliveries.keys()]).toEqual([committed]);
    expect(await mail.delivery([])).toEqual(new Map());
    expect(await mail.deliverDue()).toBe(1);
    expect(await readdir(path.join(t.config.dataDir, 'outbox'))).toEqual([`${committed}.eml`]);
  });

  it('with SMTP delivers to a real server, text intact, oldest first', async () => {
    const smtp = await receiver();
    const t = await newApp(smtp.url);
    const { mail, log } = newService(t, { smtpUrl: smtp.url });
    const ids = [];
    for (const n of [1, 2, 3]) {
      ids.push(await mail.enqueue({ to: `user${n}@example.com`, subject: `Invitation ${n}`, text: TEXT }));
    }

    expect(await mail.deliverDue()).toBe(3);

    const first = await smtp.waitFor((m) => m.subject === 'Invitation 1', 15_000);
    expect(first.text).toBe(TEXT);
    expect(first.from?.value[0]).toMatchObject({ address: 'hearth@localhost', name: 'Hearth' });
    expect(first.to && !Array.isArray(first.to) ? first.to.text : first.to).toBe('user1@example.com');
    expect(smtp.messages.map((m) => m.subject)).toEqual(['Invitation 1', 'Invitation 2', 'Invitation 3']);
    for (const id of ids) expect((await deliveryOf(mail, id)).status).toBe('sent');
    expect(existsSync(path.join(t.config.dataDir, 'outbox'))).toBe(false);
    expect(log.entries.filter((e) => e.level === 'info' && e.msg === 'mail sent')).toHaveLength(3);
  });

  it('keeps a message while SMTP is down and delivers it once the server is back', async () => {
    const port = await unusedPort();
    const smtpUrl = `smtp://127.0.0.1:${port}`;
    const t = await newApp(smtpUrl);
    const { mail, log } = newService(t, { smtpUrl });
    const before = Date.now();
    const id = await mail.enqueue({ to: 'ana@example.com', subject: 'Down then up', text: TEXT });

    expect(await mail.deliverDue()).toBe(0);
    const failed = await deliveryOf(mail, id);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, sentAt: null });
    expect(failed.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(failed.nextAttemptAt).not.toBeNull();
    expect(Date.parse(failed.nextAttemptAt as string)).toBeGreaterThan(before);
    expect(log.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ mailId: id, attempts: 1 }) }),
    );

    // Not due yet: the backoff is respected.
    expect(await mail.deliverDue()).toBe(0);
    expect((await deliveryOf(mail, id)).attempts).toBe(1);

    const smtp = await receiver(port);
    await makeDue(t.app.ctx.database.db, id);
    expect(await mail.deliverDue()).toBe(1);

    const arrived = await smtp.waitFor((m) => m.subject === 'Down then up', 15_000);
    expect(arrived.text).toBe(TEXT);
    expect(smtp.messages).toHaveLength(1);
    expect(await deliveryOf(mail, id)).toMatchObject({
      status: 'sent',
      attempts: 2,
      lastError: null,
      nextAttemptAt: null,
    });
  });

  it('loses nothing across a restart and delivers exactly once', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const port = await unusedPort();
    const smtpUrl = `smtp://127.0.0.1:${port}`;

    // First life: SMTP is down; the message is queued and its first attempt fails.
    const first = await startTestApp({ SMTP_URL: smtpUrl }, database);
    let firstClosed = false;
    cleanups.push(() => (firstClosed ? undefined : first.close()));
    await stopAppWorkers(first);
    const before = new MailService(
      first.app.ctx.database.db,
      mailOptions(first, { smtpUrl, retryBaseMs: 1 }),
      recordingLog(),
    );
    const id = await before.enqueue({ to: 'ana@example.com', subject: 'Across a restart', text: TEXT });
    expect(await before.deliverDue()).toBe(0);
    expect(await deliveryOf(before, id)).toMatchObject({ status: 'pending', attempts: 1 });
    await before.stop();
    await first.close();
    firstClosed = true;

    // Second life: a new app on the same database, SMTP back up, the worker running on its own.
    const smtp = await receiver(port);
    const second = await startTestApp({ SMTP_URL: smtpUrl }, database);
    cleanups.push(() => second.close());
    const { mail } = newService(second, { smtpUrl, pollIntervalMs: 50 });
    mail.start();

    const arrived = await smtp.waitFor((m) => m.subject === 'Across a restart', 15_000);
    expect(arrived.text).toBe(TEXT);
    await eventually(
      async () => ((await deliveryOf(mail, id)).status === 'sent' ? true : undefined),
      'the message to be recorded as sent',
    );
    await mail.stop();
    await stopAppWorkers(second);
    expect(await mail.deliverDue()).toBe(0);
    expect(smtp.messages.filter((m) => m.subject === 'Across a restart')).toHaveLength(1);
  });

  it('ignores the lease of a live worker and takes over one whose worker died', async () => {
    const t = await newApp();
    const { mail } = newService(t);
    const db = t.app.ctx.database.db;
    const id = await mail.enqueue({ to: 'ana@example.com', subject: 'Leased', text: TEXT });

    await db
      .updateTable('mail_outbox')
      .set({ locked_until: Date.now() + 60_000 })
      .where('id', '=', id)
      .execute();
    expect(await mail.deliverDue()).toBe(0);
    expect((await deliveryOf(mail, id)).status).toBe('pending');

    // The lease ran out (its worker was killed mid-send): the message is taken over.
    await db
      .updateTable('mail_outbox')
      .set({ locked_until: Date.now() - 1 })
      .where('id', '=', id)
      .execute();
    expect(await mail.deliverDue()).toBe(1);
    expect((await deliveryOf(mail, id)).status).toBe('sent');
  });

  it('two workers on separate connections deliver every message exactly once', async () => {
    const smtp = await receiver();
    const t = await newApp(smtp.url);
    // The second worker has its own connection (pool), as another process would.
    const other = await openDatabase(t.config);
    cleanups.push(() => other.close());
    const { mail: a } = newService(t, { smtpUrl: smtp.url });
    const { mail: b } = newService(t, { smtpUrl: smtp.url }, other.db);

    const count = 45; // more than two batches
    const ids: string[] = [];
    for (let n = 0; n < count; n++) {
      ids.push(await a.enqueue({ to: `user${n}@example.com`, subject: `Concurrent ${n}`, text: TEXT }));
    }

    let sent = 0;
    for (;;) {
      const passes = await Promise.all([a.deliverDue(), b.deliverDue(), a.deliverDue(), b.deliverDue()]);
      const round = passes.reduce((sum, n) => sum + n, 0);
      if (round === 0) break;
      sent += round;
    }

    expect(sent).toBe(count);
    expect(smtp.messages).toHaveLength(count);
    expect(new Set(smtp.messages.map((m) => m.subject)).size).toBe(count);
    const deliveries = await a.delivery(ids);
    expect([...deliveries.values()].every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
  });

  it('gives a message up once it is older than giveUpAfterMs', async () => {
    const smtpUrl = `smtp://127.0.0.1:${await unusedPort()}`;
    const t = await newApp(smtpUrl);
    const { mail, log } = newService(t, { smtpUrl, giveUpAfterMs: 3 * DAY });
    const db = t.app.ctx.database.db;
    const id = await mail.enqueue({ to: 'ana@example.com', subject: 'Too old', text: TEXT });
    await db
      .updateTable('mail_outbox')
      .set({ created_at: Date.now() - 4 * DAY })
      .where('id', '=', id)
      .execute();

    expect(await mail.deliverDue()).toBe(0);
    const delivery = await deliveryOf(mail, id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, sentAt: null, nextAttemptAt: null });
    expect(delivery.lastError).toBeTruthy();
    expect(log.entries).toContainEqual(
      expect.objectContaining({ level: 'error', obj: expect.objectContaining({ mailId: id }) }),
    );

    // Failed is final: it is not tried again.
    await makeDue(db, id);
    expect(await mail.deliverDue()).toBe(0);
    expect((await deliveryOf(mail, id)).attempts).toBe(1);
  });

  it('the worker sends a kicked message without a manual pass', async () => {
    const smtp = await receiver();
    const t = await newApp(smtp.url);
    const { mail } = newService(t, { smtpUrl: smtp.url });
    mail.start();

    const first = await mail.enqueue({ to: 'ana@example.com', subject: 'Kicked 1', text: TEXT });
    mail.kick();
    await smtp.waitFor((m) => m.subject === 'Kicked 1', 15_000);
    // By now the start-up pass has run: only the kick can deliver this one before the next poll.
    const second = await mail.enqueue({ to: 'ana@example.com', subject: 'Kicked 2', text: TEXT });
    mail.kick();
    const arrived = await smtp.waitFor((m) => m.subject === 'Kicked 2', 15_000);
    expect(arrived.text).toBe(TEXT);

    await eventually(
      async () =>
        [...(await mail.delivery([first, second])).values()].every((d) => d.status === 'sent')
          ? true
          : undefined,
      'both messages to be recorded as sent',
    );
    await mail.stop();
    expect(smtp.messages.map((m) => m.subject)).toEqual(['Kicked 1', 'Kicked 2']);
  });

  it('stop() leaves no timer behind: a process that ran the worker exits by itself', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const script = path.join(import.meta.dirname, 'fixtures', 'worker-lifecycle.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: path.join(import.meta.dirname, '../../../..'),
      env: { ...process.env, ...testEnv(database) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = await new Promise<number | string>((resolve) => {
      // Generous: a process that is still alive after this kept something running.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('did not exit');
      }, timeout(25_000));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? String(signal));
      });
    });

    expect(exited, stderr).toBe(0);
    const report = JSON.parse(stdout) as { id: string; status: string; liveTimers: string[] };
    expect(report.status).toBe('sent');
    expect(report.liveTimers).toEqual([]);
    expect(existsSync(path.join(database.dataDir, 'outbox', `${report.id}.eml`))).toBe(true);
  });
});
