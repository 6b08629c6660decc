import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AgentsService } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import {
  type Actor,
  type Bucket,
  type BucketRule,
  bucketLevel,
  bucketWait,
  hashPassword,
  hashToken,
  newToken,
  type Scope,
  type TokenBuckets,
} from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTime, isoTimeOrNull } from '../db/time.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { MailDelivery, MailService } from '../mail/index.js';
import type { UsersService, UserView } from '../users/index.js';
import type {
  InvitationFilter,
  InvitationRow,
  InvitationStatus,
  InvitationsRepository,
} from './repository.js';
import type { AcceptInvitationInput, CreateInvitationInput, InvitationView } from './schemas.js';

export interface InvitationsDeps {
  db: Kysely<DB>;
  mail: MailService;
  audit: AuditService;
  agents: AgentsService;
  users: UsersService;
  /** Base URL of the links in invitation emails, e.g. https://hearth.example.com */
  publicUrl: string;
  /**
   * The page the email links to: the console's `/accept-invitation` when the console is served,
   * else the server's plain form `/invitations/accept`.
   */
  acceptPath: string;
  /** How long an invitation can be accepted, in ms. */
  ttlMs: number;
  /** The shared throttle table: acceptances refused for a taken username, per client address. */
  buckets: TokenBuckets;
}

/**
 * A taken username is refused (409), which tells whether a username exists on any agent. Such
 * probes are limited per invitation (5, then one a minute) and per client address (20, then one
 * every 15 s), whatever the invitation; a refused probe is 429 with Retry-After.
 */
const PROBES = {
  invitation: { capacity: 5, perSecond: 1 / 60 },
  client: { capacity: 20, perSecond: 1 / 15 },
} as const satisfies Record<string, BucketRule>;
const MAX_RACES = 25;

const tooManyProbes = (seconds: number) =>
  new ApiError(
    'too_many_requests',
    `Too many acceptances refused for a taken username; try again in ${seconds} s (Retry-After)`,
    { headers: { 'retry-after': String(seconds) } },
  );

type AgentRole = InvitationRow['role'];

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

function statusOf(row: InvitationRow, now: number): InvitationStatus {
  if (row.accepted_at !== null) return 'accepted';
  if (row.revoked_at !== null) return 'revoked';
  return Number(row.expires_at) <= now ? 'expired' : 'pending';
}

/** The one answer for every unusable token, so it reveals nothing about which tokens exist. */
const invalidInvitation = () =>
  new ApiError(
    'invitation_invalid',
    'This invitation cannot be used: it is unknown, expired, revoked or already accepted. Ask your admin to resend it.',
  );

/**
 * Invitations: how every user gets into an agent. The token is mailed (link and plain token),
 * stored only as a hash, single-use, and expires.
 */
export class InvitationsService {
  constructor(
    private readonly repo: InvitationsRepository,
    private readonly deps: InvitationsDeps,
  ) {}

  /** Creates an invitation and queues its email inside the caller's transaction. */
  async createInTransaction(
    trx: Kysely<DB>,
    actor: Actor,
    input: { agentId: string; email: string; name?: string | undefined; role: AgentRole },
  ): Promise<{ id: string; email: string; expiresAt: string }> {
    const now = Date.now();
    const email = normaliseEmail(input.email);
    // The agent's row locked first: two invitations of one address at the same moment are decided
    // one after the other (the second sees the first: 409).
    await this.deps.agents.lock(input.agentId, trx);
    if (await this.repo.findPendingFor(input.agentId, email, now, trx)) {
      throw new ApiError(
        'conflict',
        `${email} already has a pending invitation to this agent; resend it instead`,
      );
    }
    const agent = await this.deps.agents.findById(input.agentId, trx);
    if (!agent) throw new ApiError('not_found', `No agent ${input.agentId}`);
    const token = newToken();
    const row: InvitationRow = {
      id: uuidv7(),
      agent_id: input.agentId,
      email,
      name: input.name?.trim() ?? null,
      role: input.role,
      token_hash: hashToken(token),
      expires_at: now + this.deps.ttlMs,
      created_by: actor.scope.userId,
      created_at: now,
      updated_at: now,
      accepted_at: null,
      accepted_user_id: null,
      revoked_at: null,
      mail_id: null,
      revision: 1,
      probe_tokens: null,
      probe_at: null,
    };
    row.mail_id = await this.deps.mail.enqueue(this.message(row, token, agent.name, actor), trx);
    await this.repo.insert(row, trx);
    await this.deps.audit.record(trx, actor, {
      agentId: row.agent_id,
      action: 'invitation.sent',
      targetType: 'invitation',
      targetId: row.id,
      details: { email, role: row.role },
    });
    return { id: row.id, email, expiresAt: new Date(row.expires_at).toISOString() };
  }

  /** Withdraws the unsent invitation emails of an agent that is being deleted. */
  async cancelMailsOfAgent(agentId: string, trx: Kysely<DB>): Promise<void> {
    const ids = await this.repo.mailIdsOfAgent(agentId, trx);
    await this.deps.mail.cancel(ids, 'cancelled: the agent was deleted', trx);
  }

  /** Wakes the mail worker once the transaction that queued a message has committed. */
  afterCommit(): void {
    this.deps.mail.kick();
  }

  async create(actor: Actor, input: CreateInvitationInput): Promise<Versioned<InvitationView>> {
    const { scope } = actor;
    let agentId: string;
    if (scope.role === 'operator') {
      if (!input.agentId) {
        throw new ApiError('validation_failed', 'The operator must name the agent to invite into', {
          errors: [{ field: '/body/agentId', message: 'is required for the operator' }],
        });
      }
      agentId = input.agentId;
    } else {
      // An admin invites into their own agent; naming another agent is the same 404 as a missing one.
      if (input.agentId && input.agentId !== scope.agentId)
        throw new ApiError('not_found', `No agent ${input.agentId}`);
      agentId = scope.agentId as string;
    }
    const created = await this.deps.db.transaction().execute((trx) =>
      this.createInTransaction(trx, actor, {
        agentId,
        email: input.email,
        name: input.name,
        role: input.role,
      }),
    );
    this.afterCommit();
    return this.get(scope, created.id);
  }

  private message(row: InvitationRow, token: string, agentName: string, actor: Actor) {
    const base = this.deps.publicUrl.replace(/\/$/, '');
    const link = `${base}${this.deps.acceptPath}?token=${encodeURIComponent(token)}`;
    const expires = new Date(row.expires_at).toUTCString();
    const who = actor.scope.role === 'operator' ? 'The Hearth platform operator' : actor.scope.username;
    const body = {
      token,
      username: '<choose a username>',
      password: '<12 or more characters>',
      name: row.name ?? '<your name>',
    };
    const text = [
      `Hello${row.name ? ` ${row.name}` : ''},`,
      '',
      `${who} has invited you to join ${agentName} on Hearth as ${/^[aeiou]/.test(row.role) ? 'an' : 'a'} ${row.role}.`,
      '',
      'Accept the invitation here:',
      `  ${link}`,
      '',
      'Or accept it through the API, without a browser, with this invitation token:',
      `  ${token}`,
      '',
      `  curl -X POST ${base}/api/v/1/invitations/acceptance -H 'Content-Type: application/json' \\`,
      `    -d '${JSON.stringify(body)}'`,
      '',
      `The invitation can be used once, until ${expires}. If you did not expect it, ignore this email.`,
    ].join('\n');
    return { to: row.email, subject: `You are invited to ${agentName} on Hearth`, text };
  }

  private toView(row: InvitationRow, delivery: MailDelivery | undefined, now: number): InvitationView {
    return {
      id: row.id,
      agentId: row.agent_id,
      email: row.email,
      name: row.name,
      role: row.role,
      status: statusOf(row, now),
      expiresAt: isoTime(row.expires_at),
      createdAt: isoTime(row.created_at),
      acceptedAt: isoTimeOrNull(row.accepted_at),
      revokedAt: isoTimeOrNull(row.revoked_at),
      delivery: delivery ?? null,
    };
  }

  private async views(rows: InvitationRow[]): Promise<InvitationView[]> {
    const ids = rows.map((r) => r.mail_id).filter((id): id is string => id !== null);
    const deliveries = ids.length > 0 ? await this.deps.mail.delivery(ids) : new Map<string, MailDelivery>();
    const now = Date.now();
    return rows.map((r) => this.toView(r, r.mail_id ? deliveries.get(r.mail_id) : undefined, now));
  }

  async list(scope: Scope, filter: InvitationFilter): Promise<InvitationView[]> {
    return this.views(await this.repo.list(scope, filter, Date.now()));
  }

  /** One invitation with its revision: the ETag that DELETE's If-Match is checked against. */
  async get(scope: Scope, id: string): Promise<Versioned<InvitationView>> {
    const row = await this.repo.find(scope, id);
    if (!row) throw new ApiError('not_found', `No invitation ${id}`);
    const [view] = await this.views([row]);
    return { view: view as InvitationView, revision: row.revision };
  }

  /** Revokes a pending or expired invitation; revoking twice is harmless; an accepted one is 409. */
  async revoke(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No invitation ${id}`);
      checkIfMatch(ifMatch, row.revision);
      if (row.accepted_at !== null) throw new ApiError('conflict', 'This invitation was already accepted');
      if (row.revoked_at !== null) return;
      const now = Date.now();
      // An email still waiting to go out would only deliver a dead token.
      if (row.mail_id)
        await this.deps.mail.cancel([row.mail_id], 'cancelled: the invitation was revoked', trx);
      if (!(await this.repo.update(id, row.revision, { revoked_at: now, updated_at: now }, trx))) {
        throw new ApiError('precondition_failed', 'The invitation changed meanwhile; read it again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'invitation.revoked',
        targetType: 'invitation',
        targetId: id,
        details: { email: row.email },
      });
    });
  }

  /** Issues a fresh token and expiry and mails it again; the old token stops working. */
  async resend(actor: Actor, id: string): Promise<Versioned<InvitationView>> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No invitation ${id}`);
      const status = statusOf(row, Date.now());
      if (status === 'accepted' || status === 'revoked') {
        throw new ApiError('conflict', `This invitation is ${status}; send a new one instead`);
      }
      // An expired invitation may have been followed by a new one: reviving it would make two.
      await this.deps.agents.lock(row.agent_id, trx);
      const other = await this.repo.findPendingFor(row.agent_id, row.email, Date.now(), trx);
      if (other && other.id !== row.id) {
        throw new ApiError(
          'conflict',
          `${row.email} already has another pending invitation to this agent; resend that one instead`,
        );
      }
      const agent = await this.deps.agents.findById(row.agent_id, trx);
      const token = newToken();
      const now = Date.now();
      const renewed = {
        ...row,
        token_hash: hashToken(token),
        expires_at: now + this.deps.ttlMs,
        updated_at: now,
      };
      if (row.mail_id)
        await this.deps.mail.cancel([row.mail_id], 'cancelled: replaced by a resent invitation', trx);
      const mailId = await this.deps.mail.enqueue(
        this.message(renewed, token, agent?.name ?? 'your agent', actor),
        trx,
      );
      const patch = {
        token_hash: renewed.token_hash,
        expires_at: renewed.expires_at,
        updated_at: now,
        mail_id: mailId,
      };
      if (!(await this.repo.update(id, row.revision, patch, trx))) {
        throw new ApiError('precondition_failed', 'The invitation changed meanwhile; try again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'invitation.resent',
        targetType: 'invitation',
        targetId: id,
        details: { email: row.email },
      });
    });
    this.afterCommit();
    return this.get(actor.scope, id);
  }

  /**
   * Accepts an invitation (no bearer token: the invitation token is the credential) and creates
   * the active user in the invitation's agent with the invited role.
   */
  async accept(input: AcceptInvitationInput, address: string): Promise<UserView> {
    const tokenHash = hashToken(input.token.trim().toLowerCase());
    const found = await this.repo.findByToken(tokenHash);
    if (!found || statusOf(found, Date.now()) !== 'pending') throw invalidInvitation();
    this.deps.users.checkNewPassword(input.password, '/body/password', [
      input.username,
      input.name,
      found.email,
    ]);
    // A try is taken before the username is looked at and kept only when it was taken (a probe).
    const client: Bucket = { key: `accept-addr:${address}`, rule: PROBES.client };
    const taken = await this.deps.buckets.take([client]);
    if (taken.retryAfter > 0) throw tooManyProbes(taken.retryAfter);
    const wait = await this.spendProbe(found.id, -1);
    if (wait > 0) {
      await this.deps.buckets.giveBack(client);
      throw tooManyProbes(wait);
    }
    try {
      const created = await this.createUser(input, address);
      await this.spendProbe(found.id, +1);
      await this.deps.buckets.giveBack(client);
      return created;
    } catch (err) {
      const usernameTaken = err instanceof ApiError && err.code === 'conflict';
      if (!usernameTaken) {
        await this.spendProbe(found.id, +1);
        await this.deps.buckets.giveBack(client);
      }
      throw err;
    }
  }

  /**
   * Takes a try from (-1) or gives one back to (+1) the invitation's probe bucket. Returns 0, or
   * the seconds to wait when there is no try to take.
   */
  private async spendProbe(id: string, change: -1 | 1): Promise<number> {
    const rule = PROBES.invitation;
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = await this.repo.probeBucket(id);
      if (change > 0 && !stored) return 0;
      const now = Date.now();
      const level = bucketLevel(rule, stored, now);
      if (change < 0 && level < 1) return Math.max(1, bucketWait(rule, level));
      const next = Math.min(rule.capacity, level + change);
      if (await this.repo.replaceProbeBucket(id, stored, next, now)) return 0;
    }
    return change < 0 ? 1 : 0;
  }

  private async createUser(input: AcceptInvitationInput, address: string): Promise<UserView> {
    const tokenHash = hashToken(input.token.trim().toLowerCase());
    // Hash before the transaction: argon2 takes tens of milliseconds, and SQLite has one writer.
    const passwordHash = await hashPassword(input.password);
    const userId = uuidv7();
    return this.deps.db.transaction().execute(async (trx) => {
      const invitation = await this.repo.claim(tokenHash, userId, Date.now(), trx);
      if (!invitation) throw invalidInvitation();
      const created = await this.deps.users.createInTransaction(trx, {
        id: userId,
        agentId: invitation.agent_id,
        username: input.username,
        email: invitation.email,
        name: input.name,
        role: invitation.role,
        passwordHash,
      });
      const actor: Actor = {
        scope: {
          userId,
          username: created.username,
          role: invitation.role,
          agentId: invitation.agent_id,
          clientId: '',
          tokenHash: '',
          homeAccess: 'all',
        },
        address,
      };
      await this.deps.audit.record(trx, actor, {
        agentId: invitation.agent_id,
        action: 'invitation.accepted',
        targetType: 'invitation',
        targetId: invitation.id,
        details: { userId, username: created.username, role: invitation.role },
      });
      return created;
    });
  }
}
