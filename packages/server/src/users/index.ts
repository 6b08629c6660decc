/**
 * The public module of users: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { type UserRow, UsersRepository } from './repository.js';
export { usersRoutes } from './routes.js';
export { type UserView, UserViewSchema } from './schemas.js';
export { UsersService } from './service.js';
