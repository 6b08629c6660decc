/**
 * The public module of provisioning: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { ProvisioningRepository } from './repository.js';
import { provisioningRoutes } from './routes.js';
import { type ProvisioningDeps, ProvisioningService } from './service.js';

export { ServicesSchema } from './schemas.js';
export { ProvisioningService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createProvisioning(deps: ProvisioningDeps) {
  return {
    service: new ProvisioningService(new ProvisioningRepository(deps.db), deps),
    routes: provisioningRoutes,
  };
}
