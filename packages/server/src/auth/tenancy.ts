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
