/**
 * The public module of invitations: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { InvitationsRepository } from './repository.js';
import { invitationsRoutes } from './routes.js';
import { type InvitationsDeps, InvitationsService } from './service.js';

export { registerAcceptPage } from './accept-page.js';
export { InvitationsService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createInvitations(deps: InvitationsDeps) {
  return {
    service: new InvitationsService(new InvitationsRepository(deps.db), deps),
    routes: invitationsRoutes,
  };
}
