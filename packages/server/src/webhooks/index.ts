/**
 * The public module of webhooks: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { WebhookDeliveryWorker } from './delivery.js';
export { WebhooksRepository } from './repository.js';
export { webhooksRoutes } from './routes.js';
export { WebhooksService } from './service.js';
