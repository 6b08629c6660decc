import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AgentsService } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import {
  type Actor,
  type BucketRule,
  digestKey,
  hashPassword,
  hashToken,
  newToken,
  type TokenBuckets,
} from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { ApiError } from '../http/errors.js';
import type { MailService } from '../mail/index.js';
import type { Account, UsersService } from '../users/index.js';
import type { PasswordResetRow, PasswordResetsRepository } from './repository.js';
import type { PasswordResetConfirmInput } from './schemas.js';

export interface PasswordResetsDeps {
  db: Kysely<DB>;
  mail: MailService;
  audit: AuditService;
  agents: AgentsService;
  users: UsersService;
  /** The shared throttle table (login_throttle): reset requests per client address and per email. */
  buckets: TokenBuckets;
  /** Ends every session of a user (all their access and refresh tokens). Late-bound to auth. */
  revokeSessions: (userId: string) => Promise<void>;
  /** Base URL of the link in the email, e.g. https://hearth.example.com */
  publicUrl: string;
  /**
   * The page the email links to: the console's `/reset-password` when the console is served, else
   * the server's plain form `/password-resets/confirm`.
   */
  confirmPath: string;
  /** How long a reset token works, in ms (HEARTH_PASSWORD_RESET_TTL). */
  ttlMs: number;
  log: { error(obj: object, msg: string): void };
}

/**
 * Reset requests: per client address 10, then one a minute (answered 429 with Retry-After: it says
 * nothing about any email address); per email address 3, then one every 5 minutes, past which the
 * request is answered 202 as always but no email goes out (a 429 there would tell whether someone
 * asked for that address before, and it keeps a mailbox from being flooded).
 */
const RULES = {
  client: { capacity: 10, perSecond: 1 / 60 },
  email: { capacity: 3, perSecond: 1 / 300 },
} as const satisfies Record<string, BucketRule>;

/** Users of one address mailed per request: an address may have an account at several agents. */
const MAX_USERS_PER_EMAIL = 10;

export const RESET_ACCEPTED =
  'If an active account has this email address, an email with a link to reset its password is on its way.';

const invalidReset = (why: string) =>
  new ApiError('password_reset_invalid', `${why} Request a new one: POST /password-resets with your email.`);

/**
 * Forgotten passwords. A request answers the same, at the same speed, whether or not the address
 * is known: the answer waits only for the throttle (the same work for every address), and the
 * lookup, the token and the email are made after it, in the background. The token is mailed, stored
 * only as a digest, single-use and short-lived; using it sets the password and ends every session.
 */
export class PasswordResetsService {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly repo: PasswordResetsRepository,
    private readonly deps: PasswordResetsDeps,
  ) {}

  /**
   * Answers a reset request. Throws 429 only for the client address's own limit; otherwise
   * returns at once, and the email (for an active account with this address) is made afterwards.
   */
  async request(email: string, address: string): Promise<void> {
    const client = await this.deps.buckets.take([{ key: `reset-addr:${address}`, rule: RULES.client }]);
    if (client.retryAfter > 0) {
      throw new ApiError(
        'too_many_requests',
        `Too many password reset requests from this address; try again in ${client.retryAfter} s (Retry-After)`,
        { headers: { 'retry-after': String(client.retryAfter) } },
      );
    }
    const normalised = email.trim().toLowerCase();
    const perEmail = await this.deps.buckets.take([
      { key: `reset-mail:${digestKey(normalised)}`, rule: RULES.email },
    ]);
    if (perEmail.retryAfter > 0) return;
    this.inBackground(() => this.issue(normalised, address));
  }

  /** Runs work after the answer has gone, keeping it so stop() can wait for it. */
  private inBackground(work: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((err: unknown) => this.deps.log.error({ err }, 'password reset email could not be queued'))
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Resolves once every reset request answered so far has queued its email (or found no account). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Waits for the background work at shutdown, before the database closes. */
  stop(): Promise<void> {
    return this.idle();
  }

  /** Mails a fresh reset token to every active account with this address. */
  private async issue(email: string, address: string): Promise<void> {
    const users = await this.deps.users.findActiveByEmail(email, MAX_USERS_PER_EMAIL);
    if (users.length === 0) return;
    for (const user of users) await this.issueFor(user, address);
    this.deps.mail.kick();
    await this.repo.deleteExpired(Date.now() - 86_400_000);
  }

  private async issueFor(user: Account, address: string): Promise<void> {
    const agent = user.agentId ? await this.deps.agents.findById(user.agentId) : undefined;
    const token = newToken();
    const now = Date.now();
    const row: PasswordResetRow = {
      id: uuidv7(),
      user_id: user.id,
      token_hash: hashToken(token),
      expires_at: now + this.deps.ttlMs,
      created_at: now,
      used_at: null,
      mail_id: null,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      // Only the newest email works: an older one still in a mailbox is void.
      const older = await this.repo.voidUnused(user.id, now, trx);
      await this.deps.mail.cancel(older, 'cancelled: replaced by a newer password reset', trx);
      row.mail_id = await this.deps.mail.enqueue(this.message(user, agent?.name, row, token), trx);
      await this.repo.insert(row, trx);
      // The requester proved nothing yet: no actor, and the address it came from.
      await this.deps.audit.record(trx, null, {
        agentId: user.agentId,
        action: 'user.password_reset_requested',
        targetType: 'user',
        targetId: user.id,
        details: { username: user.username, address, expiresAt: new Date(row.expires_at).toISOString() },
      });
    });
  }

  private message(user: Account, agentName: string | undefined, row: PasswordResetRow, token: string) {
    const base = this.deps.publicUrl.replace(/\/$/, '');
    const link = `${base}${this.deps.confirmPath}?token=${encodeURIComponent(token)}`;
    const expires = new Date(row.expires_at).toUTCString();
    const minutes = Math.round(this.deps.ttlMs / 60_000);
    const body = { token, password: '<12 or more characters>' };
    const text = [
      `Hello ${user.name},`,
      '',
      `Someone (we hope you) asked to reset the password of your Hearth account "${user.username}"${agentName ? ` at ${agentName}` : ''}.`,
      '',
      'Choose a new password here:',
      `  ${link}`,
      '',
      'Or set it without a browser, with this reset token:',
      `  ${token}`,
      '',
      `  hearth password reset --server ${base} --token ${token}`,
      `  curl -X POST ${base}/api/v/1/password-resets/confirmation -H 'Content-Type: application/json' \\`,
      `    -d '${JSON.stringify(body)}'`,
      '',
      `The link works once, for ${minutes} minutes (until ${expires}). A new password logs you out everywhere.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ].join('\n');
    return { to: user.email as string, subject: 'Reset your Hearth password', text };
  }

  /**
   * Sets a new password with a reset token (no bearer token: the reset token is the credential),
   * under the same policy as every password, and ends every session of the user.
   */
  async confirm(input: PasswordResetConfirmInput, address: string): Promise<void> {
    const found = await this.repo.findByToken(hashToken(input.token.trim().toLowerCase()));
    const now = Date.now();
    if (!found) throw invalidReset('This password reset token is unknown.');
    if (found.used_at !== null)
      throw invalidReset('This password reset token was already used, or a newer one was sent.');
    if (Number(found.expires_at) <= now) throw invalidReset('This password reset token has expired.');
    const user = await this.deps.users.findById(found.user_id);
    if (user?.status !== 'active') throw invalidReset('The account of this password reset is disabled.');
    this.deps.users.checkNewPassword(input.password, '/body/password', [
      user.username,
      user.name,
      user.email ?? '',
    ]);
    // Hash before the transaction: argon2 takes tens of milliseconds, and SQLite has one writer.
    const passwordHash = await hashPassword(input.password);
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.repo.claim(found.id, Date.now(), trx)))
        throw invalidReset('This password reset token was already used, or has expired.');
      await this.deps.users.setPasswordHashInTransaction(trx, user.id, passwordHash);
      await this.repo.voidUnused(user.id, Date.now(), trx);
      const actor: Actor = {
        scope: {
          userId: user.id,
          username: user.username,
          role: user.role,
          agentId: user.agentId,
          clientId: '',
          tokenHash: '',
          homeAccess: user.homeAccess,
        },
        address,
      };
      await this.deps.audit.record(trx, actor, {
        agentId: user.agentId,
        action: 'user.password_reset',
        targetType: 'user',
        targetId: user.id,
        details: { sessionsEnded: true },
      });
    });
    await this.deps.revokeSessions(user.id);
  }
}
