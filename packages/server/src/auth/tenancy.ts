import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Scope } from './scope.js';

/**
 * The one place tenant data is filtered: a `where` callback that limits rows to the caller's
 * agent (the operator sees every agent). Repositories apply it to every read of tenant data.
 */
export function inScope(scope: Scope, agentColumn: string) {
  return <DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>): Expression<SqlBool> => {
    if (scope.role === 'operator') return sql<SqlBool>`1 = 1`;
    // A non-operator always has an agent; an impossible null matches nothing rather than everything.
    return eb(sql.ref(agentColumn), '=', scope.agentId ?? '');
  };
}

/**
 * The one place home visibility is decided: a `where` callback on any table with a home id column
 * (homes.id, meters.home_id, …). A home is visible when it belongs to the caller's agent and, for a
 * user restricted to groups, is in one of their groups. An invisible home is indistinguishable
 * from a missing one: 404.
 */
export function homeInScope(scope: Scope, homeIdColumn: string) {
  return <DB, TB extends keyof DB>(_eb: ExpressionBuilder<DB, TB>): Expression<SqlBool> => {
    if (scope.role === 'operator') return sql<SqlBool>`1 = 1`;
    const home = sql.ref(homeIdColumn);
    const inAgent = sql<SqlBool>`${home} in (select h.id from homes h where h.agent_id = ${scope.agentId ?? ''})`;
    if (scope.homeAccess === 'all' || scope.role === 'admin') return inAgent;
    return sql<SqlBool>`(${inAgent} and ${home} in (select m.home_id from home_group_members m
      join user_home_groups u on u.group_id = m.group_id where u.user_id = ${scope.userId}))`;
  };
}

/**
 * Home-group visibility: the groups of the caller's agent; for an editor or viewer restricted to
 * groups, only the groups they were given (another group's name and size are not theirs to see).
 */
export function groupInScope(scope: Scope, groupIdColumn: string, agentColumn: string) {
  return <DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>): Expression<SqlBool> => {
    const inAgent = inScope(scope, agentColumn)(eb);
    if (scope.role === 'operator' || scope.role === 'admin' || scope.homeAccess === 'all') return inAgent;
    const group = sql.ref(groupIdColumn);
    return sql<SqlBool>`(${inAgent} and ${group} in (select u.group_id from user_home_groups u where u.user_id = ${scope.userId}))`;
  };
}
