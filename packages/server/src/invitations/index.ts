/**
 * The public module of invitations: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { registerAcceptPage } from './accept-page.js';
export { InvitationsRepository } from './repository.js';
export { invitationsRoutes } from './routes.js';
export { InvitationsService } from './service.js';
