/**
 * The public module of notifications: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { NotificationsRepository } from './repository.js';
import { notificationsRoutes } from './routes.js';
import { type NotificationsDeps, NotificationsService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createNotifications(deps: NotificationsDeps) {
  return {
    service: new NotificationsService(new NotificationsRepository(deps.db), deps),
    routes: notificationsRoutes,
  };
}
