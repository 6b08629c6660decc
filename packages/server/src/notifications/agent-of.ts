import type { Kysely } from 'kysely';
import type { AgentsService } from '../agents/service.js';
import type { Scope } from '../auth/scope.js';
import type { DB } from '../db/schema.js';
import { ApiError } from '../http/errors.js';

/**
 * The agent a new webhook or subscription is for: the operator names it (`agentId` in the body);
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

/** Whether every id is a home group of the agent (HomeGroupsService.allExist). */
export type GroupsExist = (agentId: string, ids: string[], trx: Kysely<DB>) => Promise<boolean>;

/** Refuses group ids that are not the agent's home groups (400 naming /body/groupIds). */
export async function checkGroups(
  agentId: string,
  groupIds: readonly string[] | undefined,
  allExist: GroupsExist,
  trx: Kysely<DB>,
): Promise<void> {
  if (!groupIds || groupIds.length === 0) return;
  if (!(await allExist(agentId, [...groupIds], trx))) {
    throw new ApiError('validation_failed', "groupIds names a home group that is not one of the agent's", {
      errors: [{ field: '/body/groupIds', message: "names a home group that is not one of the agent's" }],
    });
  }
}
