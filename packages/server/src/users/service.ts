import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Agent, AgentsService } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import {
  type Actor,
  hashPassword,
  type LoginThrottle,
  passwordWeakness,
  type Scope,
  verifyPassword,
} from '../auth/index.js';
import type { DB, Role } from '../db/schema.js';
import { isoTime } from '../db/time.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import { passwordProblem } from './password-policy.js';
import type { UserFilter, UserRow, UsersRepository } from './repository.js';
import type { ChangePasswordInput, UpdateUserInput, UserView } from './schemas.js';

export interface EnsureOperatorResult {
  username: string;
  created: boolean;
  /** Set only when Hearth chose the password itself (no HEARTH_OPERATOR_PASSWORD on first start). */
  generatedPassword?: string;
  /** Why the configured password is weak, if it is: warned about, never refused. */
  weakness?: string;
}

/** A user account as other features see it (a login, a token check, a password reset). */
export interface Account {
  id: string;
  agentId: string | null;
  username: string;
  email: string | null;
  name: string;
  role: UserRow['role'];
  status: UserRow['status'];
  /** 'all' the agent's homes, or only those of the user's home groups (editors and viewers) */
  homeAccess: UserRow['home_access'];
  /** the argon2id hash a login is checked against */
  passwordHash: string;
}

const accountOf = (row: UserRow): Account => ({
  id: row.id,
  agentId: row.agent_id,
  username: row.username,
  email: row.email,
  name: row.name,
  role: row.role,
  status: row.status,
  homeAccess: row.home_access,
  passwordHash: row.password_hash,
});

export interface UsersDeps {
  db: Kysely<DB>;
  agents: AgentsService;
  audit: AuditService;
  /** The login throttle: a wrong current password counts as a failed login (same buckets). */
  loginThrottle: LoginThrottle;
  /** Revokes a user's tokens (all, or all but the session of one access token). Late-bound to auth. */
  revokeSessions: (userId: string, exceptTokenHash?: string) => Promise<void>;
  /**
   * Drops this node's cached token checks, so a changed role applies to the user's next call
   * (a demoted admin must not keep an admin's rights for the cache's lifetime). Late-bound to auth.
   */
  forgetCachedScopes: () => void;
  /** Home groups, for the users restricted to some of them. */
  homeGroups: {
    allExist(agentId: string, ids: string[], trx: Kysely<DB>): Promise<boolean>;
    setUserGroups(userId: string, groupIds: string[], trx: Kysely<DB>): Promise<void>;
    userGroupIds(userId: string, trx?: Kysely<DB>): Promise<string[]>;
  };
}

export interface NewUser {
  id: string;
  agentId: string;
  username: string;
  email: string;
  name: string;
  role: Exclude<Role, 'operator'>;
  passwordHash: string;
}

/** The agent as its users see it: who they work for, its time zone and its homes' default region. */
const agentSummary = (agent: Agent): NonNullable<UserView['agent']> => ({
  id: agent.id,
  name: agent.name,
  status: agent.status,
  timeZone: agent.timeZone,
  region: agent.region,
});

export function toUserView(row: UserRow, groupIds: string[] = []): Omit<UserView, 'agent'> {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    role: row.role,
    status: row.status,
    agentId: row.agent_id,
    homeAccess: { mode: row.home_access, groupIds: row.home_access === 'groups' ? groupIds : [] },
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
    private readonly deps: UsersDeps,
  ) {}

  async findForLogin(username: string): Promise<Account | undefined> {
    const row = await this.repo.findByUsername(username);
    return row && accountOf(row);
  }

  async findById(id: string): Promise<Account | undefined> {
    const row = await this.repo.findById(id);
    return row && accountOf(row);
  }

  /** The active users of agents that have this email address (at most `limit`). */
  async findActiveByEmail(email: string, limit = 10): Promise<Account[]> {
    return (await this.repo.findActiveByEmail(email, limit)).map(accountOf);
  }

  /** Sets a user's password hash inside the caller's transaction (a password reset). */
  setPasswordHashInTransaction(trx: Kysely<DB>, userId: string, passwordHash: string): Promise<void> {
    return this.repo.setPasswordHash(userId, passwordHash, Date.now(), trx);
  }

  /** Refuses a password NIST SP 800-63B would refuse, naming the field (400). */
  checkNewPassword(password: string, field: string, context: string[]): void {
    const problem = passwordProblem(password, field, context);
    if (problem)
      throw new ApiError('validation_failed', `${field} ${problem.message}`, { errors: [problem] });
  }

  /**
   * Makes sure the platform operator account exists at start. A configured password is the
   * deployer's choice: it is set as given (and warned about when weak). Without one, a first
   * start generates a strong password and reports it once.
   */
  async ensureOperator(username: string, password?: string): Promise<EnsureOperatorResult> {
    const normalised = username.toLowerCase();
    const existing = await this.repo.findByUsername(normalised);
    const now = Date.now();
    const weakness = password ? passwordWeakness(password) : undefined;
    if (existing) {
      if (existing.role !== 'operator') {
        throw new Error(
          `HEARTH_OPERATOR_USERNAME=${username} already belongs to a user of an agent; choose another name`,
        );
      }
      if (password && !(await verifyPassword(existing.password_hash, password))) {
        await this.repo.setPasswordHash(existing.id, await hashPassword(password), now);
      }
      return { username: normalised, created: false, ...(weakness ? { weakness } : {}) };
    }
    const generatedPassword = password ? undefined : randomBytes(15).toString('base64url');
    await this.repo.insert({
      id: uuidv7(),
      agent_id: null,
      username: normalised,
      email: null,
      name: 'Platform operator',
      role: 'operator',
      password_hash: await hashPassword(password ?? (generatedPassword as string)),
      status: 'active',
      created_at: now,
      updated_at: now,
      revision: 1,
      home_access: 'all',
    });
    return {
      username: normalised,
      created: true,
      ...(generatedPassword ? { generatedPassword } : {}),
      ...(weakness ? { weakness } : {}),
    };
  }

  /** Creates an active user of an agent inside the caller's transaction (invitation acceptance). */
  async createInTransaction(trx: Kysely<DB>, input: NewUser): Promise<UserView> {
    const username = input.username.toLowerCase();
    const taken = () =>
      new ApiError('conflict', `The username "${username}" is taken; choose another`, {
        errors: [{ field: '/body/username', message: 'is taken' }],
      });
    if (await this.repo.findByUsername(username, trx)) throw taken();
    const now = Date.now();
    const row: UserRow = {
      id: input.id,
      agent_id: input.agentId,
      username,
      email: input.email.trim().toLowerCase(),
      name: input.name.trim(),
      role: input.role,
      password_hash: input.passwordHash,
      status: 'active',
      created_at: now,
      updated_at: now,
      revision: 1,
      home_access: 'all',
    };
    // Checked above for the common case; the unique index settles a race between two acceptances.
    if (!(await this.repo.insertIfUsernameFree(row, trx))) throw taken();
    return this.withAgent(row, trx);
  }

  private async withAgent(row: UserRow, trx?: Kysely<DB>): Promise<UserView> {
    const agent = row.agent_id ? await this.deps.agents.findById(row.agent_id, trx) : undefined;
    const groupIds = row.home_access === 'groups' ? await this.deps.homeGroups.userGroupIds(row.id, trx) : [];
    return {
      ...toUserView(row, groupIds),
      agent: agent ? agentSummary(agent) : null,
    };
  }

  async me(scope: Scope): Promise<Versioned<UserView>> {
    const user = await this.repo.findById(scope.userId);
    if (!user) {
      throw new ApiError('invalid_token', 'The user of this token no longer exists', {
        headers: { 'www-authenticate': 'Bearer realm="hearth", error="invalid_token"' },
      });
    }
    return { view: await this.withAgent(user), revision: user.revision };
  }

  async list(scope: Scope, filter: UserFilter): Promise<UserView[]> {
    const rows = await this.repo.list(scope, filter);
    const agents = new Map<string, UserView['agent']>();
    const views: UserView[] = [];
    for (const row of rows) {
      if (row.agent_id && !agents.has(row.agent_id)) {
        const agent = await this.deps.agents.findById(row.agent_id);
        agents.set(row.agent_id, agent ? agentSummary(agent) : null);
      }
      const groupIds = row.home_access === 'groups' ? await this.deps.homeGroups.userGroupIds(row.id) : [];
      views.push({
        ...toUserView(row, groupIds),
        agent: row.agent_id ? (agents.get(row.agent_id) ?? null) : null,
      });
    }
    return views;
  }

  async get(scope: Scope, id: string): Promise<Versioned<UserView>> {
    const row = await this.repo.find(scope, id);
    if (!row) throw new ApiError('not_found', `No user ${id}`);
    return { view: await this.withAgent(row), revision: row.revision };
  }

  /**
   * Renames, changes the role of, disables or re-enables a user of an agent. Disabling revokes the
   * user's tokens at once. An agent is never left without an enabled admin (409).
   */
  async update(
    actor: Actor,
    id: string,
    input: UpdateUserInput,
    ifMatch?: string,
  ): Promise<Versioned<UserView>> {
    const updated = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row?.agent_id) throw new ApiError('not_found', `No user ${id}`);
      checkIfMatch(ifMatch, row.revision);
      await this.deps.agents.lock(row.agent_id, trx);
      const next = { role: input.role ?? row.role, status: input.status ?? row.status };
      const losesAdmin =
        row.role === 'admin' &&
        row.status === 'active' &&
        (next.role !== 'admin' || next.status !== 'active');
      if (losesAdmin && (await this.repo.countOtherEnabledAdmins(row.agent_id, row.id, trx)) === 0) {
        throw new ApiError(
          'conflict',
          'This is the last enabled admin of the agent: make someone else admin first',
        );
      }
      if (input.homeAccess) {
        const access = input.homeAccess;
        if (next.role === 'admin' && access.mode === 'groups') {
          throw new ApiError(
            'conflict',
            'An admin always sees all the agent’s homes: limit editors and viewers only',
          );
        }
        const groupIds = access.mode === 'groups' ? (access.groupIds ?? []) : [];
        if (access.mode === 'groups' && !(await this.deps.homeGroups.allExist(row.agent_id, groupIds, trx))) {
          throw new ApiError('validation_failed', 'A group in homeAccess.groupIds does not exist', {
            errors: [
              { field: '/body/homeAccess/groupIds', message: 'names a home group that does not exist' },
            ],
          });
        }
        await this.deps.homeGroups.setUserGroups(row.id, groupIds, trx);
      }
      const patch = {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.homeAccess !== undefined ? { home_access: input.homeAccess.mode } : {}),
        updated_at: Date.now(),
      };
      if (!(await this.repo.update(id, row.revision, patch, trx))) {
        throw new ApiError(
          'precondition_failed',
          'The user changed while you were updating it; read it again',
        );
      }
      const changes: Record<string, unknown> = {};
      if (input.homeAccess) changes.homeAccess = input.homeAccess;
      for (const key of ['name', 'role', 'status'] as const) {
        if (patch[key] !== undefined && patch[key] !== row[key])
          changes[key] = { from: row[key], to: patch[key] };
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'user.updated',
        targetType: 'user',
        targetId: id,
        details: changes,
      });
      return { ...row, ...patch, revision: row.revision + 1, previousRole: row.role };
    });
    if (updated.status === 'disabled') await this.deps.revokeSessions(id);
    else if (updated.role !== updated.previousRole || input.homeAccess) this.deps.forgetCachedScopes();
    return { view: await this.withAgent(updated), revision: updated.revision };
  }

  /** Deletes a user of an agent and with them every token; never the agent's last enabled admin. */
  async delete(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row?.agent_id) throw new ApiError('not_found', `No user ${id}`);
      checkIfMatch(ifMatch, row.revision);
      await this.deps.agents.lock(row.agent_id, trx);
      if (
        row.role === 'admin' &&
        row.status === 'active' &&
        (await this.repo.countOtherEnabledAdmins(row.agent_id, row.id, trx)) === 0
      ) {
        throw new ApiError(
          'conflict',
          'This is the last enabled admin of the agent: make someone else admin first',
        );
      }
      // The user's tokens go with the row (foreign key cascade); the cache is emptied after commit.
      if (!(await this.repo.delete(id, row.revision, trx))) {
        throw new ApiError(
          'precondition_failed',
          'The user changed while you were deleting it; read it again',
        );
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'user.deleted',
        targetType: 'user',
        targetId: id,
        details: { username: row.username },
      });
    });
    await this.deps.revokeSessions(id);
  }

  /** Changes the caller's own password; every other session of theirs is revoked. */
  async changePassword(actor: Actor, input: ChangePasswordInput): Promise<void> {
    const user = await this.repo.findById(actor.scope.userId);
    if (!user) throw new ApiError('invalid_token', 'The user of this token no longer exists');
    // A wrong current password is a failed login: without this, a stolen access token would be a
    // way to guess the password with no limit (some 72,000 guesses an hour).
    const attempt = await this.deps.loginThrottle.begin(user.username, actor.address, user.id);
    if (attempt.retryAfter > 0) {
      throw new ApiError(
        'too_many_requests',
        `Too many wrong passwords (logins and password changes); try again in ${attempt.retryAfter} s (Retry-After)`,
        { headers: { 'retry-after': String(attempt.retryAfter) } },
      );
    }
    if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
      const delay = await attempt.failed();
      if (delay > 0) await sleep(delay);
      throw new ApiError('password_incorrect', 'The current password is wrong', {
        errors: [{ field: '/body/currentPassword', message: 'is wrong' }],
      });
    }
    await attempt.succeeded(user.id);
    this.checkNewPassword(input.newPassword, '/body/newPassword', [
      user.username,
      user.name,
      user.email ?? '',
    ]);
    const passwordHash = await hashPassword(input.newPassword);
    // The new password and its audit event are stored together or not at all.
    await this.deps.db.transaction().execute(async (trx) => {
      await this.repo.setPasswordHash(user.id, passwordHash, Date.now(), trx);
      await this.deps.audit.record(trx, actor, {
        agentId: user.agent_id,
        action: 'user.password_changed',
        targetType: 'user',
        targetId: user.id,
      });
    });
    await this.deps.revokeSessions(user.id, actor.scope.tokenHash);
  }

  /**
   * "Log out everywhere": ends every session of the caller, this one included (every access and
   * refresh token of theirs, on every device), and records it.
   */
  async endSessions(actor: Actor): Promise<void> {
    const user = await this.repo.findById(actor.scope.userId);
    if (!user) throw new ApiError('invalid_token', 'The user of this token no longer exists');
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.audit.record(trx, actor, {
        agentId: user.agent_id,
        action: 'user.sessions_ended',
        targetType: 'user',
        targetId: user.id,
      });
    });
    await this.deps.revokeSessions(user.id);
  }
}
