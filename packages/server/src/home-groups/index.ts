/**
 * The public module of home-groups: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { HomeGroupsRepository } from './repository.js';
import { homeGroupsRoutes } from './routes.js';
import { HomeGroupsService } from './service.js';

export { checkGroups, type GroupsExist } from './check.js';
export type { HomeGroupsService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createHomeGroups(deps: ConstructorParameters<typeof HomeGroupsService>[1]) {
  return {
    service: new HomeGroupsService(new HomeGroupsRepository(deps.db), deps),
    routes: homeGroupsRoutes,
  };
}
