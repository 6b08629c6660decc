import { AgentsRepository } from './agents/repository.js';
import { AgentsService } from './agents/service.js';
import { AuditRepository } from './audit/repository.js';
import { AuditService } from './audit/service.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { AuthRepository } from './auth/repository.js';
import type { Scope } from './auth/scope.js';
import { AuthService } from './auth/service.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { InvitationsRepository } from './invitations/repository.js';
import { InvitationsService } from './invitations/service.js';
import { MailService } from './mail/service.js';
import { UsersRepository } from './users/repository.js';
import { UsersService } from './users/service.js';

/** The services of every feature, wired once per app: routes reach them through `app.ctx`. */
export interface AppContext {
  config: Config;
  database: Database;
  services: {
    agents: AgentsService;
    users: UsersService;
    auth: AuthService;
    audit: AuditService;
    mail: MailService;
    invitations: InvitationsService;
  };
}

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export function createContext(config: Config, database: Database, log: Logger): AppContext {
  const { db } = database;
  const audit = new AuditService(new AuditRepository(db));
  const mail = new MailService(db, config.mail, log);
  const authRepo = new AuthRepository(db);
  // Features that need each other are bound late, through these closures, once all exist.
  let auth: AuthService | undefined;
  let invitations: InvitationsService | undefined;
  const agents = new AgentsService(new AgentsRepository(db), {
    db,
    audit,
    invitations: () => invitations as InvitationsService,
    onSuspend: () => auth?.forgetCachedScopes(),
  });
  const users = new UsersService(new UsersRepository(db), {
    db,
    dialect: database.dialect,
    agents,
    audit,
    revokeSessions: async (userId, exceptTokenHash) => {
      const family = exceptTokenHash ? (await authRepo.findToken(exceptTokenHash))?.family_id : undefined;
      await (auth as AuthService).revokeUserTokens(userId, family);
    },
    forgetCachedScopes: () => auth?.forgetCachedScopes(),
  });
  auth = new AuthService(authRepo, new LoginThrottle(authRepo), users, agents, {
    clients: config.oauthClients,
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    tokenCacheSeconds: config.tokenCacheSeconds,
  });
  invitations = new InvitationsService(new InvitationsRepository(db), {
    db,
    mail,
    audit,
    agents,
    users,
    publicUrl: config.publicUrl,
    ttlMs: config.invitationTtlHours * 3_600_000,
  });
  return { config, database, services: { agents, users, auth, audit, mail, invitations } };
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
  interface FastifyRequest {
    /** Set by bearer authentication on every non-public /api route. */
    scope: Scope;
  }
}
