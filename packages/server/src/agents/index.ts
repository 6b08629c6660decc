/**
 * The public module of agents: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
export { agentFor } from './agent-for.js';
export { type AgentRow, AgentsRepository } from './repository.js';
export { agentsRoutes } from './routes.js';
export { type CreateAgentInput, Email, PersonName } from './schemas.js';
export { AgentsService } from './service.js';
