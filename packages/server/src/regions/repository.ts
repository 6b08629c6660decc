import { setImmediate } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { putAtRevision } from '../db/revision.js';
import type { DB } from '../db/schema.js';
import type { WeatherPoint } from './weather.js';

/**
 * The SQL of regions and their daily weather. Regional series are platform data, not an agent's:
 * nothing here is scoped by tenant (every authenticated caller may read them; only the operator
 * writes, by permission). The carbon intensity series is the tariffs repository's.
 */
export class RegionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async names(): Promise<string[]> {
    const rows = await this.db.selectFrom('regions').select('id').orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  /** The region's revision; undefined when nothing was ever loaded for it. */
  async revision(region: string, trx: Kysely<DB> = this.db): Promise<number | undefined> {
    const row = await trx
      .selectFrom('regions')
      .select('revision')
      .where('id', '=', region)
      .executeTakeFirst();
    return row?.revision;
  }

  /**
   * Moves the region on from `revision` (0: creates it); false when another load moved it first.
   * On PostgreSQL the row stays locked until the transaction ends, so loads of a region take turns.
   */
  async bump(region: string, revision: number, now: number, trx: Kysely<DB>): Promise<boolean> {
    const key = { column: 'id', value: region } as const;
    return putAtRevision(trx, 'regions', key, revision, { updated_at: now }, { created_at: now });
  }

  /** Stores daily means; a date already stored takes the new value. */
  async upsertWeather(region: string, points: readonly WeatherPoint[], trx: Kysely<DB>): Promise<void> {
    for (let i = 0; i < points.length; i += 500) {
      // Between batches other requests get the event loop (the SQLite driver runs each one synchronously).
      if (i > 0) await setImmediate();
      await trx
        .insertInto('region_weather')
        .values(points.slice(i, i + 500).map((p) => ({ region, date: p.date, mean_c: p.meanC })))
        .onConflict((oc) =>
          oc.columns(['region', 'date']).doUpdateSet((eb) => ({ mean_c: eb.ref('excluded.mean_c') })),
        )
        .execute();
    }
  }

  /** A region's daily means over local dates [fromDate, toDate] (both optional), in date order. */
  weather(region: string, fromDate?: string, toDate?: string): Promise<{ date: string; mean_c: number }[]> {
    let query = this.db.selectFrom('region_weather').select(['date', 'mean_c']).where('region', '=', region);
    if (fromDate !== undefined) query = query.where('date', '>=', fromDate);
    if (toDate !== undefined) query = query.where('date', '<=', toDate);
    return query.orderBy('date').execute();
  }

  async hasWeather(region: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('region_weather')
      .select('region')
      .where('region', '=', region)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Per region with weather: its first and last date and how many days it has. */
  async weatherSpans(): Promise<Map<string, { first: string; last: string; count: number }>> {
    const rows = await this.db
      .selectFrom('region_weather')
      .select((eb) => [
        'region',
        eb.fn.min('date').as('first'),
        eb.fn.max('date').as('last'),
        eb.fn.countAll<number>().as('count'),
      ])
      .groupBy('region')
      .execute();
    return new Map(
      rows.map((r) => [r.region, { first: String(r.first), last: String(r.last), count: Number(r.count) }]),
    );
  }
}
