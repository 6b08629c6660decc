import { ApiError } from '../http/errors.js';
import type { FaultsRepository } from './repository.js';
import { RULES, validateThresholds } from './rules/index.js';

/**
 * Thresholds as an agent or a home's fault_management definition gives them: each key a known
 * `<rule>.<parameter>` in range, or `<rule>.enabled` 0 or 1. A 400 naming every wrong key.
 */
export function checkThresholds(thresholds: Record<string, number>, pointer: string): void {
  const enabled = Object.entries(thresholds).filter(([key]) => key.endsWith('.enabled'));
  const problems: { field: string; message: string }[] = [];
  for (const [key, value] of enabled) {
    const rule = key.slice(0, -'.enabled'.length);
    if (!RULES.some((r) => r.id === rule))
      problems.push({ field: `${pointer}/${key}`, message: `no rule ${rule}` });
    else if (value !== 0 && value !== 1)
      problems.push({ field: `${pointer}/${key}`, message: 'must be 0 or 1' });
  }
  const rest = Object.fromEntries(Object.entries(thresholds).filter(([key]) => !key.endsWith('.enabled')));
  for (const message of validateThresholds(rest)) {
    const key = Object.keys(rest).find((k) => message.includes(k));
    problems.push({ field: key ? `${pointer}/${key}` : pointer, message });
  }
  if (problems.length > 0) {
    throw new ApiError(
      'validation_failed',
      `The thresholds are not valid: ${problems.map((p) => p.message).join('; ')}`,
      {
        errors: problems,
      },
    );
  }
}

/** An agent's thresholds (`<rule>.<parameter>`: value), and their revision (0: none set). */
export async function agentThresholds(
  repo: Pick<FaultsRepository, 'settings'>,
  agentId: string,
): Promise<{ thresholds: Record<string, number>; revision: number }> {
  const row = await repo.settings(agentId);
  return row
    ? { thresholds: JSON.parse(row.thresholds) as Record<string, number>, revision: Number(row.revision) }
    : { thresholds: {}, revision: 0 };
}

/** Where a home's own thresholds are kept: its fault_management definition (provisioning). */
export interface HomeThresholds {
  faultThresholds(homeId: string): Promise<Record<string, number>>;
}

/** The thresholds in force for a home: its agent's, overridden by its own. */
export async function thresholdsOf(
  repo: Pick<FaultsRepository, 'settings'>,
  provisioning: HomeThresholds,
  homeId: string,
  agentId: string,
): Promise<Record<string, number>> {
  const [agent, own] = await Promise.all([
    agentThresholds(repo, agentId),
    provisioning.faultThresholds(homeId),
  ]);
  return { ...agent.thresholds, ...own };
}
