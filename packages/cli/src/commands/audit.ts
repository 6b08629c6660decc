import type { AuditEvent } from '@hearth/client';
import type { Command } from 'commander';
import type { Act } from '../cli.js';
import { optionsOf, positiveInteger } from '../context.js';
import type { Column } from '../output.js';

const columns: Column<AuditEvent>[] = [
  { header: 'at', value: (e) => e.at },
  { header: 'action', value: (e) => e.action },
  { header: 'actor', value: (e) => e.actor?.username },
  { header: 'target', value: (e) => `${e.target.type}${e.target.id ? ` ${e.target.id}` : ''}` },
  { header: 'details', value: (e) => (Object.keys(e.details).length > 0 ? e.details : null) },
];

/** `hearth audit list`: the audit trail. */
export function registerAudit(program: Command, act: Act): void {
  const audit = program
    .command('audit')
    .description('the audit trail: every change by an admin or the operator');

  audit
    .command('list')
    .description('list audit events, oldest first, every page (or the first --limit)')
    .option('--from <time>', 'events at or after this RFC 3339 time, e.g. 2025-01-31T00:00:00Z')
    .option('--to <time>', 'events before this RFC 3339 time')
    .option('--action <action>', 'an action (user.updated) or a kind (user)')
    .option('--agent <id>', "operator: one agent's events")
    .option('--limit <n>', 'show at most n events', positiveInteger('--limit'))
    .action(
      act(async (ctx, command) => {
        const o = optionsOf<{ from?: string; to?: string; action?: string; agent?: string; limit?: number }>(
          command,
        );
        const list = (await ctx.client()).audit.list({
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
          ...(o.action ? { action: o.action } : {}),
          ...(o.agent ? { agentId: o.agent } : {}),
          ...(o.limit ? { limit: Math.min(o.limit, 200) } : {}),
        });
        ctx.out.table(await list.toArray(o.limit), columns, 'No audit events.');
      }),
    );
}
