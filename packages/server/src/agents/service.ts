import type { AgentRow, AgentsRepository } from './repository.js';

export class AgentsService {
  constructor(private readonly repo: AgentsRepository) {}

  findById(id: string): Promise<AgentRow | undefined> {
    return this.repo.findById(id);
  }
}
