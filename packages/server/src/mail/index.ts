/**
 * The public module of mail: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { type MailDelivery, type MailMessage, MailService } from './service.js';
