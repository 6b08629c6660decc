/**
 * The public module of audit: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { AuditRepository } from './repository.js';
export { auditRoutes } from './routes.js';
export { AuditService } from './service.js';
