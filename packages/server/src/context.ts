import { AgentsRepository } from './agents/repository.js';
import { AgentsService } from './agents/service.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { AuthRepository } from './auth/repository.js';
import type { Scope } from './auth/scope.js';
import { AuthService } from './auth/service.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
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
  };
}

export function createContext(config: Config, database: Database): AppContext {
  const agents = new AgentsService(new AgentsRepository(database.db));
  const users = new UsersService(new UsersRepository(database.db), agents);
  const authRepo = new AuthRepository(database.db);
  const auth = new AuthService(authRepo, new LoginThrottle(authRepo), users, agents, {
    clients: config.oauthClients,
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    tokenCacheSeconds: config.tokenCacheSeconds,
  });
  return { config, database, services: { agents, users, auth } };
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
