/**
 * The public module of provisioning: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { ProvisioningRepository } from './repository.js';
export { provisioningRoutes } from './routes.js';
export { ServicesSchema } from './schemas.js';
export { ProvisioningService } from './service.js';
