import type { Kysely, Selectable, Updateable } from 'kysely';
import { inScope, type Scope } from '../auth/index.js';
import { updateAtRevision } from '../db/revision.js';
import type { DB, InvitationsTable } from '../db/schema.js';

export type InvitationRow = Selectable<InvitationsTable>;
export type InvitationStatus = 'pending' | 'accepted' | 'expired' | 'revoked';

export interface InvitationFilter {
  agentId?: string;
  status?: InvitationStatus;
  after?: string;
  limit: number;
}

export class InvitationsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: InvitationRow, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('invitations').values(row).execute();
  }

  /** One invitation the caller may see (own agent; the operator any). */
  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<InvitationRow | undefined> {
    return trx
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', id)
      .where(inScope(scope, 'agent_id'))
      .executeTakeFirst();
  }

  list(scope: Scope, filter: InvitationFilter, now: number): Promise<InvitationRow[]> {
    let query = this.db.selectFrom('invitations').selectAll().where(inScope(scope, 'agent_id'));
    if (filter.agentId) query = query.where('agent_id', '=', filter.agentId);
    switch (filter.status) {
      case 'accepted':
        query = query.where('accepted_at', 'is not', null);
        break;
      case 'revoked':
        query = query.where('revoked_at', 'is not', null);
        break;
      case 'expired':
        query = query
          .where('accepted_at', 'is', null)
          .where('revoked_at', 'is', null)
          .where('expires_at', '<=', now);
        break;
      case 'pending':
        query = query
          .where('accepted_at', 'is', null)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now);
        break;
    }
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  /** The address's pending invitation to the agent (the caller locks the agent first). */
  async findPendingFor(
    agentId: string,
    email: string,
    now: number,
    trx: Kysely<DB>,
  ): Promise<InvitationRow | undefined> {
    return trx
      .selectFrom('invitations')
      .selectAll()
      .where('agent_id', '=', agentId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  async update(
    id: string,
    revision: number,
    patch: Updateable<InvitationsTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'invitations', id, revision, patch);
  }

  async mailIdsOfAgent(agentId: string, trx: Kysely<DB>): Promise<string[]> {
    const rows = await trx
      .selectFrom('invitations')
      .select('mail_id')
      .where('agent_id', '=', agentId)
      .where('mail_id', 'is not', null)
      .execute();
    return rows.map((r) => r.mail_id as string);
  }

  findByToken(tokenHash: string): Promise<InvitationRow | undefined> {
    return this.db
      .selectFrom('invitations')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /**
   * Claims a pending invitation by its token for acceptance: only one caller can, and only while
   * it is unused, unrevoked and unexpired. Returns the invitation, or undefined for any other case.
   */
  async claim(
    tokenHash: string,
    userId: string,
    now: number,
    trx: Kysely<DB>,
  ): Promise<InvitationRow | undefined> {
    const row = await trx
      .selectFrom('invitations')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row || row.accepted_at !== null || row.revoked_at !== null || Number(row.expires_at) <= now)
      return undefined;
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: now, accepted_user_id: userId, updated_at: now, revision: row.revision + 1 })
      .where('id', '=', row.id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) === 1 ? row : undefined;
  }

  /** The invitation's probe bucket (taken usernames): tries left and when, or undefined when full. */
  async probeBucket(id: string): Promise<{ tokens: number; updatedAt: number } | undefined> {
    const row = await this.db
      .selectFrom('invitations')
      .select(['probe_tokens', 'probe_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (row?.probe_tokens == null || row.probe_at == null) return undefined;
    return { tokens: Number(row.probe_tokens), updatedAt: Number(row.probe_at) };
  }

  /**
   * Compare-and-set of the probe bucket: writes only if it is still as `expected` was read, so two
   * parallel acceptances never both spend the same try. False: read it again.
   */
  async replaceProbeBucket(
    id: string,
    expected: { tokens: number; updatedAt: number } | undefined,
    tokens: number,
    now: number,
  ): Promise<boolean> {
    let query = this.db
      .updateTable('invitations')
      .set({ probe_tokens: tokens, probe_at: now })
      .where('id', '=', id);
    query = expected
      ? query.where('probe_tokens', '=', expected.tokens).where('probe_at', '=', expected.updatedAt)
      : query.where('probe_at', 'is', null);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
