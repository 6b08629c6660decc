/**
 * The public module of webhooks: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import type { NotificationsOptions } from '../config.js';
import type { StorageHealth } from '../db/storage-faults.js';
import { WebhookDeliveryWorker } from './delivery.js';
import { WebhooksRepository } from './repository.js';
import { webhooksRoutes } from './routes.js';
import { type WebhooksDeps, WebhooksService } from './service.js';

export { WebhookDeliveryWorker } from './delivery.js';
export { WebhooksService } from './service.js';

/** Makes webhooks: the service, the delivery worker its changes wake, and the routes. */
export function createWebhooks(
  deps: Omit<WebhooksDeps, 'kick' | 'allowPrivateNetworks' | 'giveUpAfterMs'> & {
    options: NotificationsOptions;
    log: ConstructorParameters<typeof WebhookDeliveryWorker>[2];
    storage?: StorageHealth | undefined;
  },
) {
  const repo = new WebhooksRepository(deps.db);
  const worker = new WebhookDeliveryWorker(repo, deps.options, deps.log, deps.storage);
  const service = new WebhooksService(repo, {
    ...deps,
    allowPrivateNetworks: deps.options.allowPrivateNetworks,
    giveUpAfterMs: deps.options.giveUpAfterMs,
    kick: () => worker.kick(),
  });
  return { service, worker, routes: webhooksRoutes };
}
