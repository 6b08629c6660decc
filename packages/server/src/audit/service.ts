import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Actor, Scope } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTime } from '../db/time.js';
import type { AuditFilter, AuditRepository, AuditRow } from './repository.js';
import type { AuditEventView } from './schemas.js';

export interface AuditEntry {
  agentId: string | null;
  /** `<kind>.<verb>`: agent.created, invitation.sent, user.updated, … */
  action: string;
  targetType: string;
  targetId: string | null;
  /** What changed. Never secrets (passwords, tokens). */
  details?: Record<string, unknown>;
}

/** The audit trail: who changed what, when and from where, written in the change's own transaction. */
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  async record(trx: Kysely<DB>, actor: Actor | null, entry: AuditEntry): Promise<void> {
    await this.repo.insert(
      {
        id: uuidv7(),
        agent_id: entry.agentId,
        actor_id: actor?.scope.userId ?? null,
        actor_username: actor?.scope.username ?? null,
        actor_role: actor?.scope.role ?? null,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId,
        details: JSON.stringify(entry.details ?? {}),
        address: actor?.address ?? null,
        at: Date.now(),
      },
      trx,
    );
  }

  async list(scope: Scope, filter: AuditFilter): Promise<AuditEventView[]> {
    const rows = await this.repo.list(scope, filter);
    return rows.map(toView);
  }
}

function toView(row: AuditRow): AuditEventView {
  return {
    id: row.id,
    at: isoTime(row.at),
    agentId: row.agent_id,
    actor: row.actor_id
      ? { id: row.actor_id, username: row.actor_username ?? '', role: row.actor_role ?? '' }
      : null,
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    details: JSON.parse(row.details) as Record<string, unknown>,
    address: row.address,
  };
}
