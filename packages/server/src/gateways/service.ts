import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AgentsService } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import {
  type Actor,
  type ClientTokens,
  hashClientSecret,
  newClientSecret,
  type Scope,
  tokenFamilyOf,
  verifyClientSecret,
} from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTimeOrNull } from '../db/time.js';
import type { HomeRecords } from '../homes/index.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { GatewayRow, GatewaysRepository } from './repository.js';
import type { GatewaySecretView, GatewayView } from './schemas.js';

/** Who a home's gateway is, once it proved its secret or presented its token. */
export interface GatewayIdentity {
  clientId: string;
  homeId: string;
  agentId: string;
}

/** A gateway as the bearer check sees it, whatever its state. */
export interface GatewayClient extends GatewayIdentity {
  status: GatewayRow['status'];
  /** The token family of the current secret (null without one): see `tokenFamily`. */
  tokenFamily: string | null;
}

/** A gateway that proved its secret, with the family its tokens must carry. */
export interface GatewayLogin extends GatewayIdentity {
  tokenFamily: string;
}

export interface GatewaysDeps {
  db: Kysely<DB>;
  audit: AuditService;
  agents: AgentsService;
  homes: HomeRecords;
  /** Revokes the gateway's tokens in the change's transaction and empties the token cache. */
  auth: ClientTokens;
}

export const TOKEN_URL = '/oauth/token';
export const readingsTopic = (clientId: string): string => `hearth/v1/gateways/${clientId}/readings`;
export const resultsTopic = (clientId: string): string => `hearth/v1/gateways/${clientId}/results`;

/** See tokenFamilyOf: a token counts only while its family is the current secret's. */
const tokenFamily = (secretHash: string): string => tokenFamilyOf('gateway', secretHash);

function toView(row: GatewayRow): GatewayView {
  return {
    clientId: row.id,
    homeId: row.home_id,
    status: row.status,
    secretIssuedAt: isoTimeOrNull(row.secret_issued_at),
    lastUsedAt: isoTimeOrNull(row.last_used_at),
    tokenUrl: TOKEN_URL,
    mqtt: { username: row.id, topic: readingsTopic(row.id), resultsTopic: resultsTopic(row.id) },
  };
}

/**
 * Gateway clients: one OAuth2 client per home with amr, the home's gateway. It gets tokens with the
 * client_credentials grant and logs in to MQTT as its client id. The secret is shown once when
 * issued and kept only as a SHA-256 digest (256 random bits need no slow hash).
 */
export class GatewaysService {
  constructor(
    private readonly repo: GatewaysRepository,
    private readonly deps: GatewaysDeps,
  ) {}

  /** Gives a home its gateway (no secret yet) unless it has one: when amr is provisioned. */
  async createForHome(trx: Kysely<DB>, homeId: string, agentId: string): Promise<void> {
    const now = Date.now();
    await this.repo.insertIfNew(
      {
        id: uuidv7(),
        home_id: homeId,
        agent_id: agentId,
        status: 'no_secret',
        secret_hash: null,
        secret_issued_at: null,
        last_used_at: null,
        created_at: now,
        updated_at: now,
        revision: 1,
      },
      trx,
    );
  }

  private async requireGateway(homeId: string, trx?: Kysely<DB>): Promise<GatewayRow> {
    const row = await this.repo.findForHome(homeId, trx);
    if (!row) throw new ApiError('not_found', `Home ${homeId} has no gateway: it has no amr service`);
    return row;
  }

  async get(scope: Scope, homeId: string): Promise<Versioned<GatewayView>> {
    await this.deps.homes.requireVisible(scope, homeId);
    const row = await this.requireGateway(homeId);
    return { view: toView(row), revision: row.revision };
  }

  /**
   * Issues a new secret (answered once, never stored). Rotation: the previous secret stops working
   * and every token issued to the gateway is revoked in the same transaction.
   */
  async issueSecret(actor: Actor, homeId: string, ifMatch?: string): Promise<Versioned<GatewaySecretView>> {
    const secret = newClientSecret();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const home = await this.deps.homes.requireVisible(actor.scope, homeId, trx);
      const row = await this.requireGateway(homeId, trx);
      checkIfMatch(ifMatch, row.revision);
      if (home.status === 'decommissioned') {
        throw new ApiError('conflict', 'The home is decommissioned: its gateway cannot get a secret');
      }
      const now = Date.now();
      const patch = {
        status: 'active' as const,
        secret_hash: hashClientSecret(secret),
        secret_issued_at: now,
        updated_at: now,
      };
      if (!(await this.repo.update(row.id, row.revision, patch, trx))) {
        throw new ApiError('precondition_failed', 'The gateway changed meanwhile; read it again');
      }
      await this.deps.auth.revokeClientTokens(row.id, trx);
      await this.deps.audit.record(trx, actor, {
        agentId: home.agentId,
        action: row.status === 'active' ? 'gateway.secret_rotated' : 'gateway.secret_issued',
        targetType: 'gateway',
        targetId: row.id,
        details: { homeId },
      });
      return { ...row, ...patch, revision: row.revision + 1 };
    });
    // Again after the commit: a check cached between the revocation and the commit is gone too.
    this.deps.auth.forgetCachedScopes();
    return { view: { ...toView(result), clientSecret: secret }, revision: result.revision };
  }

  /** Revokes the secret: no token and no MQTT login until a new one; the gateway's tokens end at once. */
  async revokeSecret(actor: Actor, homeId: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const home = await this.deps.homes.requireVisible(actor.scope, homeId, trx);
      const row = await this.requireGateway(homeId, trx);
      checkIfMatch(ifMatch, row.revision);
      if (row.status === 'revoked') return;
      const now = Date.now();
      const patch = { status: 'revoked' as const, secret_hash: null, updated_at: now };
      if (!(await this.repo.update(row.id, row.revision, patch, trx))) {
        throw new ApiError('precondition_failed', 'The gateway changed meanwhile; read it again');
      }
      await this.deps.auth.revokeClientTokens(row.id, trx);
      await this.deps.audit.record(trx, actor, {
        agentId: home.agentId,
        action: 'gateway.secret_revoked',
        targetType: 'gateway',
        targetId: row.id,
        details: { homeId },
      });
    });
    this.deps.auth.forgetCachedScopes();
  }

  /** The gateway behind a client id, whatever its state (undefined: not a gateway). */
  async find(clientId: string): Promise<GatewayClient | undefined> {
    const row = await this.repo.find(clientId);
    if (!row) return undefined;
    return {
      clientId: row.id,
      homeId: row.home_id,
      agentId: row.agent_id,
      status: row.status,
      tokenFamily: row.secret_hash ? tokenFamily(row.secret_hash) : null,
    };
  }

  /** An active gateway of an agent that is not suspended; undefined otherwise. */
  async findActive(clientId: string): Promise<GatewayIdentity | undefined> {
    const row = await this.repo.find(clientId);
    if (row?.status !== 'active' || !(await this.agentActive(row.agent_id))) return undefined;
    return { clientId: row.id, homeId: row.home_id, agentId: row.agent_id };
  }

  /**
   * The token endpoint's check: an active gateway with this secret (digests compared in constant
   * time, the same work for an unknown client) whose agent is not suspended.
   */
  async login(clientId: string, secret: string): Promise<GatewayLogin | undefined> {
    const row = await this.repo.find(clientId);
    const matches = verifyClientSecret(row?.secret_hash, secret);
    if (!row?.secret_hash || !matches || row.status !== 'active') return undefined;
    if (!(await this.agentActive(row.agent_id))) return undefined;
    return {
      clientId: row.id,
      homeId: row.home_id,
      agentId: row.agent_id,
      tokenFamily: tokenFamily(row.secret_hash),
    };
  }

  /** `login` without the token family: for the MQTT broker's password check. */
  async authenticateSecret(clientId: string, secret: string): Promise<GatewayIdentity | undefined> {
    const login = await this.login(clientId, secret);
    return login && { clientId: login.clientId, homeId: login.homeId, agentId: login.agentId };
  }

  /** Records that the gateway got a token (shown as lastUsedAt). */
  markUsed(clientId: string): Promise<void> {
    return this.repo.touch(clientId, Date.now());
  }

  private async agentActive(agentId: string): Promise<boolean> {
    return (await this.deps.agents.findById(agentId))?.status === 'active';
  }
}
