/**
 * The public module of onboarding: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { AgentOnboarding } from './service.js';
