/**
 * The public module of audit: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AuditRepository } from './repository.js';
import { auditRoutes } from './routes.js';
import { AuditService } from './service.js';

export { AuditService } from './service.js';

/** Makes the audit trail over its table: its service, and the routes that read it. */
export function createAudit(db: Kysely<DB>) {
  return { service: new AuditService(new AuditRepository(db)), routes: auditRoutes };
}
