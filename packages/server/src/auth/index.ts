/**
 * The public module of auth: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { LoginThrottle, TokenBuckets } from './login-throttle.js';
import { AuthRepository } from './repository.js';
import { type AuthAccounts, AuthService, type AuthSettings } from './service.js';
import { Sessions } from './sessions.js';

export { bearerAuthentication } from './bearer.js';
export { hashClientSecret, newClientSecret, tokenFamilyOf, verifyClientSecret } from './client-secrets.js';
export type { ClientTokens } from './client-tokens.js';
export {
  type Bucket,
  type BucketRule,
  bucketLevel,
  bucketWait,
  digestKey,
  LoginThrottle,
  TokenBuckets,
} from './login-throttle.js';
export { oauthRoutes } from './oauth-routes.js';
export { hashPassword, passwordWeakness, verifyPassword } from './passwords.js';
export { enforcePermission, isPermission } from './permissions.js';
export { type Actor, actorOf, type IntegrationRole, type Scope, SYSTEM_SCOPE } from './scope.js';
export { groupInScope, homeInScope, inScope } from './tenancy.js';
export { hashToken, newToken } from './tokens.js';

/**
 * Makes auth in two steps. First what the accounts' features need of it: the sessions their changes
 * end, the login throttle, token buckets for mailed links. Then, once those accounts exist, the
 * token grants and bearer check over them (`grants`).
 */
export function createAuth(db: Kysely<DB>, options: { tokenCacheSeconds: number }) {
  const repo = new AuthRepository(db);
  const loginThrottle = new LoginThrottle(repo);
  const sessions = new Sessions(repo, options.tokenCacheSeconds);
  return {
    sessions,
    loginThrottle,
    tokenBuckets: () => new TokenBuckets(repo),
    grants: (accounts: AuthAccounts, settings: AuthSettings) =>
      new AuthService(repo, loginThrottle, sessions, accounts, settings),
  };
}
