import type { Scope } from '../auth/index.js';
import { ApiError } from '../http/errors.js';
import type { AgentsService } from './service.js';

/**
 * The agent a change acts on (a new tariff, webhook, subscription; an agent's thresholds): the operator names it (`agentId` in the body);
 * an admin's is their own, and naming another is 404 as for an agent that does not exist.
 */
export async function agentFor(
  scope: Scope,
  named: string | undefined,
  agents: AgentsService,
  what: string,
): Promise<string> {
  if (scope.role === 'operator') {
    if (!named) {
      throw new ApiError('validation_failed', `The operator must name the agent the ${what} is for`, {
        errors: [{ field: '/body/agentId', message: 'is required for the operator' }],
      });
    }
    if (!(await agents.findById(named))) throw new ApiError('not_found', `No agent ${named}`);
    return named;
  }
  if (named && named !== scope.agentId) throw new ApiError('not_found', `No agent ${named}`);
  return scope.agentId as string;
}
