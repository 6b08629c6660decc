import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { AgentsService } from '../agents/service.js';
import { hashPassword, passwordWeakness, verifyPassword } from '../auth/passwords.js';
import type { Scope } from '../auth/scope.js';
import { ApiError } from '../http/errors.js';
import type { UserRow, UsersRepository } from './repository.js';
import type { UserView } from './schemas.js';

export interface EnsureOperatorResult {
  username: string;
  created: boolean;
  /** Set only when Hearth chose the password itself (no HEARTH_OPERATOR_PASSWORD on first start). */
  generatedPassword?: string;
  /** Why the configured password is weak, if it is: warned about, never refused. */
  weakness?: string;
}

export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
    private readonly agents: AgentsService,
  ) {}

  findForLogin(username: string): Promise<UserRow | undefined> {
    return this.repo.findByUsername(username);
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.repo.findById(id);
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
    });
    return {
      username: normalised,
      created: true,
      ...(generatedPassword ? { generatedPassword } : {}),
      ...(weakness ? { weakness } : {}),
    };
  }

  async me(scope: Scope): Promise<UserView> {
    const user = await this.repo.findById(scope.userId);
    if (!user) throw new ApiError('invalid_token', 'The user of this token no longer exists');
    const agent = user.agent_id ? await this.agents.findById(user.agent_id) : undefined;
    return {
      id: user.id,
      username: user.username,
      name: user.name,
      email: user.email,
      role: user.role,
      status: user.status,
      agent: agent ? { id: agent.id, name: agent.name, status: agent.status } : null,
      createdAt: new Date(Number(user.created_at)).toISOString(),
    };
  }
}
