import { setImmediate } from 'node:timers/promises';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { inScope, type Scope } from '../auth/index.js';
import { isPostgres } from '../db/dialect.js';
import { deleteAtRevision, putAtRevision, updateAtRevision } from '../db/revision.js';
import type { DB, Fuel, TariffsTable } from '../db/schema.js';
import { insertUnlessTaken, unlessTaken } from '../db/sql.js';

export type TariffRow = Selectable<TariffsTable>;

export interface TariffFilter {
  fuel?: Fuel;
  agentId?: string;
  after?: string;
  limit: number;
}

/** The SQL of tariffs and of homes' own tariffs, always within the caller's agent. */
export class TariffsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<TariffRow | undefined> {
    return trx
      .selectFrom('tariffs')
      .selectAll()
      .where('id', '=', id)
      .where(inScope(scope, 'agent_id'))
      .executeTakeFirst();
  }

  list(scope: Scope, filter: TariffFilter): Promise<TariffRow[]> {
    let query = this.db.selectFrom('tariffs').selectAll().where(inScope(scope, 'agent_id'));
    if (filter.fuel) query = query.where('fuel', '=', filter.fuel);
    if (filter.agentId) query = query.where('agent_id', '=', filter.agentId);
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  defaultsOf(agentId: string, fuel: Fuel, trx: Kysely<DB> = this.db): Promise<TariffRow[]> {
    return trx
      .selectFrom('tariffs')
      .selectAll()
      .where('agent_id', '=', agentId)
      .where('fuel', '=', fuel)
      .where('is_default', '=', 1)
      .orderBy('id')
      .execute();
  }

  /** Inserts the tariff; false when the unique index refused a second open-ended default. */
  async insert(row: TariffRow, trx: Kysely<DB>): Promise<boolean> {
    return insertUnlessTaken(trx, 'tariffs', row);
  }

  /** 'updated', 'stale' (the revision moved on) or 'taken' (a second open-ended default). */
  async update(
    id: string,
    revision: number,
    patch: Updateable<TariffsTable>,
    trx: Kysely<DB>,
  ): Promise<'updated' | 'stale' | 'taken'> {
    const updated = await unlessTaken(updateAtRevision(trx, 'tariffs', id, revision, patch));
    return updated === 'taken' ? 'taken' : updated ? 'updated' : 'stale';
  }

  delete(id: string, revision: number, trx: Kysely<DB>): Promise<boolean> {
    return deleteAtRevision(trx, 'tariffs', id, revision);
  }

  /** How many homes use the tariff as their own. */
  async homesUsing(tariffId: string, trx: Kysely<DB>): Promise<number> {
    const row = await trx
      .selectFrom('home_tariffs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tariff_id', '=', tariffId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * The agent's tariffs among these ids. On PostgreSQL they stay locked (FOR SHARE) until the
   * transaction ends, so none is deleted between this check and the home's rows that name it.
   */
  async inAgent(agentId: string, ids: string[], trx: Kysely<DB>): Promise<TariffRow[]> {
    if (ids.length === 0) return [];
    let query = trx.selectFrom('tariffs').selectAll().where('agent_id', '=', agentId).where('id', 'in', ids);
    if (isPostgres(trx)) query = query.forShare();
    return query.execute();
  }

  /** The home's own tariffs, with the fuel each is for. */
  homeTariffs(homeId: string, trx: Kysely<DB> = this.db): Promise<Array<TariffRow & { for_fuel: Fuel }>> {
    return trx
      .selectFrom('home_tariffs')
      .innerJoin('tariffs', 'tariffs.id', 'home_tariffs.tariff_id')
      .selectAll('tariffs')
      .select('home_tariffs.fuel as for_fuel')
      .where('home_tariffs.home_id', '=', homeId)
      .execute();
  }

  /** The revision of the home's own tariffs: 0 before the first change. */
  async homeTariffsRevision(homeId: string, trx: Kysely<DB> = this.db): Promise<number> {
    const row = await trx
      .selectFrom('home_tariff_sets')
      .select('revision')
      .where('home_id', '=', homeId)
      .executeTakeFirst();
    return row?.revision ?? 0;
  }

  /** Moves the home's revision on from `revision`; false when someone else did first. */
  async bumpHomeTariffs(homeId: string, revision: number, now: number, trx: Kysely<DB>): Promise<boolean> {
    return putAtRevision(trx, 'home_tariff_sets', { column: 'home_id', value: homeId }, revision, {
      updated_at: now,
    });
  }

  /** Stores half-hourly intensities of a region; a half hour already stored takes the new value. */
  async upsertIntensity(region: string, points: Array<{ t: number; gPerKwh: number }>, trx: Kysely<DB>) {
    for (let i = 0; i < points.length; i += 500) {
      // Between batches other requests get the event loop (the SQLite driver runs each one synchronously).
      if (i > 0) await setImmediate();
      await trx
        .insertInto('carbon_intensity')
        .values(points.slice(i, i + 500).map((p) => ({ region, t: p.t, g_per_kwh: p.gPerKwh })))
        .onConflict((oc) =>
          oc.columns(['region', 't']).doUpdateSet((eb) => ({ g_per_kwh: eb.ref('excluded.g_per_kwh') })),
        )
        .execute();
    }
  }

  /** A region's half-hourly intensities in [from, to), by the start of each half hour. */
  async intensity(region: string, from: number, to: number): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('carbon_intensity')
      .select(['t', 'g_per_kwh'])
      .where('region', '=', region)
      .where('t', '>=', from)
      .where('t', '<', to)
      .execute();
    return new Map(rows.map((r) => [Number(r.t), r.g_per_kwh]));
  }

  /** Per region: its first and last half hour, and how many half hours it has. */
  async intensitySpans(): Promise<Map<string, { first: number; last: number; count: number }>> {
    const rows = await this.db
      .selectFrom('carbon_intensity')
      .select((eb) => [
        'region',
        eb.fn.min('t').as('first'),
        eb.fn.max('t').as('last'),
        eb.fn.countAll<number>().as('count'),
      ])
      .groupBy('region')
      .execute();
    return new Map(
      rows.map((r) => [r.region, { first: Number(r.first), last: Number(r.last), count: Number(r.count) }]),
    );
  }

  async setHomeTariffs(
    homeId: string,
    overrides: Array<{ fuel: Fuel; tariffId: string }>,
    trx: Kysely<DB>,
  ): Promise<void> {
    await trx.deleteFrom('home_tariffs').where('home_id', '=', homeId).execute();
    if (overrides.length > 0) {
      await trx
        .insertInto('home_tariffs')
        .values(overrides.map((o) => ({ home_id: homeId, fuel: o.fuel, tariff_id: o.tariffId })))
        .execute();
    }
  }
}
