/**
 * The public module of agents: what other features may use of it. Everything else in this folder
 * is the feature's own (test/architecture/boundaries.test.ts).
 */
import { AgentsRepository } from './repository.js';
import { agentsRoutes } from './routes.js';
import { type AgentsDeps, AgentsService } from './service.js';

export { agentFor } from './agent-for.js';
export { type CreateAgentInput, Email, PersonName } from './schemas.js';
export { type Agent, AgentsService } from './service.js';

/** Makes the feature over its own tables: its service, and the routes that reach it (app.ctx). */
export function createAgents(deps: AgentsDeps) {
  return { service: new AgentsService(new AgentsRepository(deps.db), deps), routes: agentsRoutes };
}
