/**
 * The public module of notifications: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { NotificationsRepository } from './repository.js';
export { notificationsRoutes } from './routes.js';
export { NotificationsService } from './service.js';
