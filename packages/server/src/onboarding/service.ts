import type { Kysely } from 'kysely';
import type { AgentsService, CreateAgentInput } from '../agents/index.js';
import type { Actor } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import type { InvitationsService } from '../invitations/index.js';

export interface OnboardingDeps {
  db: Kysely<DB>;
  agents: AgentsService;
  invitations: InvitationsService;
}

/**
 * Registering a company: the agent and its first admin's invitation, in one transaction. It spans
 * two features (invitations need agents, so agents cannot call invitations), so it lives above both.
 */
export class AgentOnboarding {
  constructor(private readonly deps: OnboardingDeps) {}

  /** Creates the agent and invites its first admin by email, in one transaction. */
  async create(actor: Actor, input: CreateAgentInput) {
    const { agent, invitation } = await this.deps.db.transaction().execute(async (trx) => {
      const agent = await this.deps.agents.createInTransaction(trx, actor, input);
      const invitation = await this.deps.invitations.createInTransaction(trx, actor, {
        agentId: agent.id,
        email: input.adminEmail,
        name: input.adminName,
        role: 'admin',
      });
      return { agent, invitation };
    });
    this.deps.invitations.afterCommit();
    return {
      ...agent,
      adminInvitation: { id: invitation.id, email: invitation.email, expiresAt: invitation.expiresAt },
    };
  }
}
