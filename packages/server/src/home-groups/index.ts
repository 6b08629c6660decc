/**
 * The public module of home-groups: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { checkGroups, type GroupsExist } from './check.js';
export { HomeGroupsRepository } from './repository.js';
export { homeGroupsRoutes } from './routes.js';
export { HomeGroupsService } from './service.js';
