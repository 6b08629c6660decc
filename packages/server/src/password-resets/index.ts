/**
 * The public module of password-resets: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { registerResetPage } from './confirm-page.js';
export { PasswordResetsRepository } from './repository.js';
export { passwordResetsRoutes } from './routes.js';
export { PasswordResetsService } from './service.js';
