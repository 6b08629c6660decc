/**
 * The public module of users: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { UsersRepository } from './repository.js';
import { usersRoutes } from './routes.js';
import { type UsersDeps, UsersService } from './service.js';

export { type UserView, UserViewSchema } from './schemas.js';
export { type Account, UsersService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createUsers(deps: UsersDeps) {
  return { service: new UsersService(new UsersRepository(deps.db), deps), routes: usersRoutes };
}
