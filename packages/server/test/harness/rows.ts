import type { FastifyInstance } from 'fastify';

// Direct rows: what a test reads straight from the tables because the API does not show it (the
// mail outbox) or to prove nothing was stored. Readings stored without the checks: telemetry.ts.

/** The newest queued email to an address, straight from the outbox table (what the mail worker sends). */
export async function latestMailTo(
  app: FastifyInstance,
  to: string,
): Promise<{ subject: string; text: string }> {
  const row = await app.ctx.database.db
    .selectFrom('mail_outbox')
    .select(['subject', 'text_body'])
    .where('to_address', '=', to.toLowerCase())
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return { subject: row.subject, text: row.text_body };
}

/** The tables an order, a home or a group writes to. */
export const STORED = ['orders', 'homes', 'meters', 'channels', 'provisioning', 'home_groups'] as const;

/** Rows in each table that orders, homes, provisioning and home groups write. */
export async function countRows(app: FastifyInstance): Promise<Record<(typeof STORED)[number], number>> {
  const db = app.ctx.database.db;
  const counts = {} as Record<(typeof STORED)[number], number>;
  for (const table of STORED) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
