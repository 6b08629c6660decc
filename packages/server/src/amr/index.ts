/**
 * The public module of amr: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { pollStatus } from './poller.js';
export { AmrService } from './service.js';
