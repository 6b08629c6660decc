import type { Kysely, Selectable } from 'kysely';
import type { DB, TelemetryExclusionsTable } from '../db/schema.js';
import { type Interval, mergeIntervals } from './excluded.js';

export type ExclusionRow = Selectable<TelemetryExclusionsTable>;

/** The SQL of telemetry exclusions. Callers have checked the home is visible. */
export class ExclusionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private select(db: Kysely<DB>) {
    return db.selectFrom('telemetry_exclusions as x').selectAll('x');
  }

  list(
    homeId: string,
    filter: { channelId?: string; after?: string; limit: number },
  ): Promise<ExclusionRow[]> {
    let query = this.select(this.db).where('x.home_id', '=', homeId);
    if (filter.channelId) query = query.where('x.channel_id', '=', filter.channelId);
    if (filter.after) query = query.where('x.id', '>', filter.after);
    return query
      .orderBy('x.id')
      .limit(filter.limit + 1)
      .execute();
  }

  find(homeId: string, id: string, db: Kysely<DB> = this.db): Promise<ExclusionRow | undefined> {
    return this.select(db).where('x.home_id', '=', homeId).where('x.id', '=', id).executeTakeFirst();
  }

  /** An exclusion of the channel over exactly [from, to), if one exists (a repeated request). */
  same(channelId: string, from: number, to: number, db: Kysely<DB>): Promise<ExclusionRow | undefined> {
    return this.select(db)
      .where('x.channel_id', '=', channelId)
      .where('x.from_t', '=', from)
      .where('x.to_t', '=', to)
      .executeTakeFirst();
  }

  async countForChannel(channelId: string, db: Kysely<DB>): Promise<number> {
    const row = await db
      .selectFrom('telemetry_exclusions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  insert(row: Selectable<TelemetryExclusionsTable>, db: Kysely<DB>): Promise<unknown> {
    return db.insertInto('telemetry_exclusions').values(row).execute();
  }

  async delete(id: string, db: Kysely<DB>): Promise<boolean> {
    const result = await db.deleteFrom('telemetry_exclusions').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

/**
 * The merged exclusion ranges of some series that meet [from, to) (all of them without a span):
 * what a read of raw readings must leave out. Series without exclusions are absent.
 */
export async function exclusionsOf(
  db: Kysely<DB>,
  series: number[],
  from = Number.NEGATIVE_INFINITY,
  to = Number.POSITIVE_INFINITY,
): Promise<Map<number, Interval[]>> {
  const result = new Map<number, Interval[]>();
  if (series.length === 0) return result;
  let query = db
    .selectFrom('telemetry_exclusions')
    .select(['series', 'from_t', 'to_t'])
    .where('series', 'in', series);
  if (Number.isFinite(to)) query = query.where('from_t', '<', to);
  if (Number.isFinite(from)) query = query.where('to_t', '>', from);
  const rows = await query.execute();
  const bySeries = new Map<number, Interval[]>();
  for (const r of rows) {
    const list = bySeries.get(Number(r.series)) ?? [];
    list.push({ from: Number(r.from_t), to: Number(r.to_t) });
    bySeries.set(Number(r.series), list);
  }
  for (const [no, list] of bySeries) result.set(no, mergeIntervals(list));
  return result;
}
