import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { ApiError } from '../http/errors.js';

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
