/**
 * The public module of password-resets: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { PasswordResetsRepository } from './repository.js';
import { passwordResetsRoutes } from './routes.js';
import { type PasswordResetsDeps, PasswordResetsService } from './service.js';

export { registerResetPage } from './confirm-page.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createPasswordResets(deps: PasswordResetsDeps) {
  return {
    service: new PasswordResetsService(new PasswordResetsRepository(deps.db), deps),
    routes: passwordResetsRoutes,
  };
}
