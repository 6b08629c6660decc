/**
 * The public module of orders: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { OrdersRepository } from './repository.js';
import { ordersRoutes } from './routes.js';
import { type OrdersDeps, OrdersService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createOrders(deps: OrdersDeps) {
  return { service: new OrdersService(new OrdersRepository(deps.db), deps), routes: ordersRoutes };
}
