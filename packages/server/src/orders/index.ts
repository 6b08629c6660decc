/**
 * The public module of orders: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { OrdersRepository } from './repository.js';
export { ordersRoutes } from './routes.js';
export { OrdersService } from './service.js';
