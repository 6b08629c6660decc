import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AgentsService } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import {
  type Actor,
  type ClientTokens,
  hashClientSecret,
  type IntegrationRole,
  newClientSecret,
  type Scope,
  tokenFamilyOf,
  verifyClientSecret,
} from '../auth/index.js';
import type { DB, IntegrationClientAccess } from '../db/schema.js';
import { isoTime, isoTimeOrNull } from '../db/time.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { IntegrationClientRow, IntegrationClientsRepository } from './repository.js';
import type {
  CreateIntegrationClientInput,
  IntegrationClientView,
  IntegrationClientWithSecret,
} from './schemas.js';

export interface IntegrationClientsDeps {
  db: Kysely<DB>;
  audit: AuditService;
  agents: AgentsService;
  /** Revokes the client's tokens in the change's transaction and empties the token cache. */
  auth: ClientTokens;
}

/** An integration client as the token endpoint and the bearer check see it. */
export interface IntegrationClientIdentity {
  clientId: string;
  agentId: string;
  name: string;
  role: IntegrationRole;
  /** The family every token of the current secret carries: a token of an older secret is refused. */
  tokenFamily: string;
}

export const TOKEN_URL = '/oauth/token';

/** The caller role a client's tokens act with. */
export const roleOf = (access: IntegrationClientAccess): IntegrationRole =>
  access === 'read_write' ? 'integration_read_write' : 'integration_read';

const tokenFamily = (secretHash: string): string => tokenFamilyOf('integration-client', secretHash);

function toView(row: IntegrationClientRow): IntegrationClientView {
  return {
    id: row.id,
    clientId: row.id,
    agentId: row.agent_id,
    name: row.name,
    access: row.access,
    tokenUrl: TOKEN_URL,
    secretIssuedAt: isoTime(row.secret_issued_at),
    lastUsedAt: isoTimeOrNull(row.last_used_at),
    createdBy: row.created_by,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

const notFound = (id: string) => new ApiError('not_found', `No integration client ${id}`);

/**
 * Integration clients: OAuth2 clients an agent's admin creates for scripts, BI tools and partners,
 * instead of a person's password. Each gets tokens with the client_credentials grant and acts on
 * the agent's data with its access (read, or read_write as an editor), never as an admin. The
 * secret is shown once and kept only as a SHA-256 digest, as a gateway's is. Rotating it ends the
 * old secret and every token issued with it at once (no grace period); deleting the client ends
 * its tokens at once too.
 */
export class IntegrationClientsService {
  constructor(
    private readonly repo: IntegrationClientsRepository,
    private readonly deps: IntegrationClientsDeps,
  ) {}

  private agentOf(scope: Scope): string {
    // Only an agent's admin manages clients (integration-clients.manage): the operator has no agent.
    if (!scope.agentId)
      throw new ApiError('forbidden', 'Integration clients belong to an agent: ask its admin');
    return scope.agentId;
  }

  async create(
    actor: Actor,
    input: CreateIntegrationClientInput,
  ): Promise<Versioned<IntegrationClientWithSecret>> {
    const agentId = this.agentOf(actor.scope);
    const secret = newClientSecret();
    const now = Date.now();
    const row: IntegrationClientRow = {
      id: uuidv7(),
      agent_id: agentId,
      name: input.name.trim(),
      access: input.access,
      secret_hash: hashClientSecret(secret),
      secret_issued_at: now,
      last_used_at: null,
      created_by: actor.scope.userId,
      created_at: now,
      updated_at: now,
      revision: 1,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.repo.insert(row, trx))) {
        throw new ApiError('conflict', `The agent already has an integration client named "${row.name}"`);
      }
      await this.deps.audit.record(trx, actor, {
        agentId,
        action: 'integration_client.created',
        targetType: 'integration_client',
        targetId: row.id,
        details: { name: row.name, access: row.access },
      });
    });
    return { view: { ...toView(row), clientSecret: secret }, revision: row.revision };
  }

  async list(
    scope: Scope,
    filter: { access?: IntegrationClientAccess; after?: string; limit: number },
  ): Promise<IntegrationClientView[]> {
    return (await this.repo.list(scope, filter)).map(toView);
  }

  async get(scope: Scope, id: string): Promise<Versioned<IntegrationClientView>> {
    const row = await this.repo.find(scope, id);
    if (!row) throw notFound(id);
    return { view: toView(row), revision: row.revision };
  }

  /** A new secret, answered once: the old one and every token issued with it stop working at once. */
  async rotateSecret(
    actor: Actor,
    id: string,
    ifMatch?: string,
  ): Promise<Versioned<IntegrationClientWithSecret>> {
    const secret = newClientSecret();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw notFound(id);
      checkIfMatch(ifMatch, row.revision);
      const now = Date.now();
      const patch = { secret_hash: hashClientSecret(secret), secret_issued_at: now, updated_at: now };
      if (!(await this.repo.update(row.id, row.revision, patch, trx))) {
        throw new ApiError('precondition_failed', 'The integration client changed meanwhile; read it again');
      }
      await this.deps.auth.revokeClientTokens(row.id, trx);
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'integration_client.secret_rotated',
        targetType: 'integration_client',
        targetId: row.id,
        details: { name: row.name, access: row.access },
      });
      return { ...row, ...patch, revision: row.revision + 1 };
    });
    // Again after the commit: a check cached between the revocation and the commit is gone too.
    this.deps.auth.forgetCachedScopes();
    return { view: { ...toView(result), clientSecret: secret }, revision: result.revision };
  }

  /** Deletes the client: its secret and every token it holds stop working at once. */
  async delete(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw notFound(id);
      checkIfMatch(ifMatch, row.revision);
      if (!(await this.repo.delete(row.id, row.revision, trx))) {
        throw new ApiError('precondition_failed', 'The integration client changed meanwhile; read it again');
      }
      await this.deps.auth.revokeClientTokens(row.id, trx);
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'integration_client.deleted',
        targetType: 'integration_client',
        targetId: row.id,
        details: { name: row.name, access: row.access },
      });
    });
    this.deps.auth.forgetCachedScopes();
  }

  /**
   * The token endpoint's check: a client with this secret (digests compared in constant time, the
   * same work for an unknown client) whose agent is not suspended.
   */
  async login(clientId: string, secret: string): Promise<IntegrationClientIdentity | undefined> {
    const row = await this.repo.findClient(clientId);
    if (!verifyClientSecret(row?.secret_hash, secret) || !row) return undefined;
    if ((await this.deps.agents.findById(row.agent_id))?.status !== 'active') return undefined;
    return this.identity(row);
  }

  /** The client behind a client id, whatever its agent's state (undefined: no such client). */
  async find(clientId: string): Promise<IntegrationClientIdentity | undefined> {
    const row = await this.repo.findClient(clientId);
    return row && this.identity(row);
  }

  /** Records that the client got a token (shown as lastUsedAt). */
  markUsed(clientId: string): Promise<void> {
    return this.repo.touch(clientId, Date.now());
  }

  private identity(row: IntegrationClientRow): IntegrationClientIdentity {
    return {
      clientId: row.id,
      agentId: row.agent_id,
      name: row.name,
      role: roleOf(row.access),
      tokenFamily: tokenFamily(row.secret_hash),
    };
  }
}
