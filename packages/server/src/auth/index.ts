/**
 * The public module of auth: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
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
export { AuthRepository } from './repository.js';
export { type Actor, actorOf, type IntegrationRole, type Scope, SYSTEM_SCOPE } from './scope.js';
export { AuthService } from './service.js';
export { Sessions } from './sessions.js';
export { groupInScope, homeInScope, inScope } from './tenancy.js';
export { hashToken, newToken } from './tokens.js';
