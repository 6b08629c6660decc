import {
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
  type Updateable,
} from 'kysely';
import { homeInScope, type Scope } from '../auth/index.js';
import { isPostgres } from '../db/dialect.js';
import { updateAtRevision } from '../db/revision.js';
import type { ChannelsTable, DB, HomesTable, MetersTable } from '../db/schema.js';
import { containsText, postcodeContains } from '../db/sql.js';

export type HomeRow = Selectable<HomesTable>;
/** What analytics across homes read of a home. */
export type HomeSummaryRow = Pick<HomeRow, 'id' | 'agent_id' | 'reference' | 'technology' | 'installation'>;
export type MeterRow = Selectable<MetersTable>;
/** What the fleet table reads of a home. */
export type FleetHomeRow = Pick<
  HomeRow,
  'id' | 'agent_id' | 'reference' | 'status' | 'postcode' | 'technology' | 'address' | 'installation'
>;
export type ChannelRow = Selectable<ChannelsTable>;

export interface HomeFilter {
  status?: HomeRow['status'];
  postcode?: string;
  technology?: string;
  groupId?: string;
  q?: string;
  /** true: only homes with an active alarm; false: only homes without one */
  hasActiveAlarms?: boolean;
  after?: string;
  limit: number;
}

/** A subquery of home ids that another feature owns (e.g. faults: the homes with an active alarm). */
export type HomeIdsQuery = (db: Kysely<DB>) => SelectQueryBuilder<DB, keyof DB, { home_id: string }>;

/** Ids per IN list: well below SQLite's and PostgreSQL's limits on bound parameters. */
const IN_CHUNK = 500;

/** The SQL of homes, their meters and channels; every read goes through homeInScope. */
export class HomesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The town, or the street lines joined by spaces, of the address JSON, in the database's own syntax. */
  private addressText(part: 'town' | 'street') {
    const postgres = isPostgres(this.db);
    if (part === 'town') {
      return postgres
        ? sql<string>`(address::jsonb ->> 'town')`
        : sql<string>`json_extract(address, '$.town')`;
    }
    return postgres
      ? sql<string>`(select string_agg(l, ' ') from jsonb_array_elements_text(address::jsonb -> 'addressLines') as l)`
      : sql<string>`(select group_concat(value, ' ') from json_each(address, '$.addressLines'))`;
  }

  find(scope: Scope, id: string, trx: Kysely<DB> = this.db): Promise<HomeRow | undefined> {
    return trx
      .selectFrom('homes')
      .selectAll()
      .where('id', '=', id)
      .where(homeInScope(scope, 'homes.id'))
      .executeTakeFirst();
  }

  /** `alarmed`: the ids of homes with an active alarm, a query faults owns (for hasActiveAlarms). */
  list(scope: Scope, filter: HomeFilter, alarmed?: HomeIdsQuery): Promise<HomeRow[]> {
    let query = this.db.selectFrom('homes').selectAll().where(homeInScope(scope, 'homes.id'));
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.technology) query = query.where('technology', '=', filter.technology);
    if (filter.postcode) {
      // Spaces and case do not matter: "ll55", "LL55 4" and "ll554ur" all find "LL55 4UR".
      const prefix = filter.postcode
        .toLowerCase()
        .replaceAll(/\s+/g, '')
        .replaceAll(/[\\%_]/g, (c) => `\\${c}`);
      query = query.where(sql<SqlBool>`lower(replace(postcode, ' ', '')) like ${`${prefix}%`} escape '\\'`);
    }
    if (filter.groupId) {
      const groupId = filter.groupId;
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('home_group_members').select('home_id').where('group_id', '=', groupId),
      );
    }
    if (filter.q) {
      const q = filter.q;
      query = query.where((eb) =>
        eb.or([
          containsText(sql.ref('reference'), q),
          postcodeContains('postcode', q),
          // The town and street of the stored address, not the JSON around them (its keys, country, …).
          containsText(this.addressText('town'), q),
          containsText(this.addressText('street'), q),
        ]),
      );
    }
    if (filter.hasActiveAlarms !== undefined) {
      if (!alarmed) throw new Error('the active-alarm filter needs the query of alarmed homes');
      query = query.where('id', filter.hasActiveAlarms ? 'in' : 'not in', alarmed(this.db));
    }
    if (filter.after) query = query.where('id', '>', filter.after);
    return query
      .orderBy('id')
      .limit(filter.limit + 1)
      .execute();
  }

  /** Every home of one agent the caller may see (analytics across homes), optionally by technology and group. */
  /**
   * The homes of one agent the caller may see, filtered, in id order: their analytics columns
   * only (an address or occupant is not read for a league table of thousands).
   */
  listOfAgent(
    scope: Scope,
    agentId: string,
    filter: { technology?: string | undefined; groupId?: string | undefined },
  ): Promise<HomeSummaryRow[]> {
    let query = this.db
      .selectFrom('homes')
      .select(['id', 'agent_id', 'reference', 'technology', 'installation'])
      .where('agent_id', '=', agentId)
      .where(homeInScope(scope, 'homes.id'));
    if (filter.technology) query = query.where('technology', '=', filter.technology);
    if (filter.groupId) {
      const groupId = filter.groupId;
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('home_group_members').select('home_id').where('group_id', '=', groupId),
      );
    }
    return query.orderBy('id').execute();
  }

  /**
   * Every home the caller may see (the fleet table filters, sorts and counts them in memory): the
   * columns a row shows and searches, no occupant.
   */
  listVisible(scope: Scope): Promise<FleetHomeRow[]> {
    return this.db
      .selectFrom('homes')
      .select(['id', 'agent_id', 'reference', 'status', 'postcode', 'technology', 'address', 'installation'])
      .where(homeInScope(scope, 'homes.id'))
      .orderBy('id')
      .execute();
  }

  /** The ids of one group's homes the caller may see. */
  async idsInGroup(scope: Scope, groupId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('home_group_members')
      .select('home_id')
      .where('group_id', '=', groupId)
      .where(homeInScope(scope, 'home_group_members.home_id'))
      .execute();
    return new Set(rows.map((r) => r.home_id));
  }

  /** The meters (without channels) of many homes (already checked visible), in chunks. */
  async metersOnly(homeIds: string[]): Promise<MeterRow[]> {
    const meters: MeterRow[] = [];
    for (let i = 0; i < homeIds.length; i += IN_CHUNK) {
      const chunk = homeIds.slice(i, i + IN_CHUNK);
      meters.push(
        ...(await this.db.selectFrom('meters').selectAll().where('home_id', 'in', chunk).execute()),
      );
    }
    return meters;
  }

  /**
   * Meters and channels of many homes (already checked visible), in chunks to bound the IN list.
   * `registersOnly`: only the energy and volume registers (what totals are made of): a third of
   * the channel rows; `alsoKeys`: with them, the channels of these keys whatever their kind.
   */
  async metersOfHomes(
    homeIds: string[],
    options: { registersOnly?: boolean; alsoKeys?: string[] } = {},
  ): Promise<{ meters: MeterRow[]; channels: ChannelRow[] }> {
    const meters: MeterRow[] = [];
    const channels: ChannelRow[] = [];
    for (let i = 0; i < homeIds.length; i += IN_CHUNK) {
      const chunk = homeIds.slice(i, i + IN_CHUNK);
      meters.push(
        ...(await this.db
          .selectFrom('meters')
          .selectAll()
          .where('home_id', 'in', chunk)
          .orderBy('id')
          .execute()),
      );
      channels.push(
        ...(await this.db
          .selectFrom('channels')
          .selectAll()
          .where('home_id', 'in', chunk)
          .$if(options.registersOnly === true, (q) =>
            q.where((eb) =>
              options.alsoKeys?.length
                ? eb.or([eb('kind', '=', 'register'), eb('key', 'in', options.alsoKeys)])
                : eb('kind', '=', 'register'),
            ),
          )
          .orderBy('id')
          .execute()),
      );
    }
    return { meters, channels };
  }

  async insertHome(row: HomeRow, trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('homes').values(row).execute();
  }

  async insertMeter(meter: MeterRow, channels: ChannelRow[], trx: Kysely<DB>): Promise<void> {
    await trx.insertInto('meters').values(meter).execute();
    if (channels.length > 0) await trx.insertInto('channels').values(channels).execute();
  }

  meters(homeId: string, trx: Kysely<DB> = this.db): Promise<MeterRow[]> {
    return trx.selectFrom('meters').selectAll().where('home_id', '=', homeId).orderBy('id').execute();
  }

  channels(homeId: string, trx: Kysely<DB> = this.db): Promise<ChannelRow[]> {
    return trx.selectFrom('channels').selectAll().where('home_id', '=', homeId).orderBy('id').execute();
  }

  /** Meters of active homes whose settings may say they are read by poll (the caller checks the JSON). */
  pollCandidates(): Promise<Pick<MeterRow, 'id' | 'home_id' | 'settings'>[]> {
    return this.db
      .selectFrom('meters as m')
      .innerJoin('homes as h', 'h.id', 'm.home_id')
      .select(['m.id', 'm.home_id', 'm.settings'])
      .where('h.status', '=', 'active')
      .where('m.settings', 'like', '%"poll"%')
      .execute();
  }

  meterChannels(meterId: string): Promise<Pick<ChannelRow, 'id' | 'key'>[]> {
    return this.db.selectFrom('channels').select(['id', 'key']).where('meter_id', '=', meterId).execute();
  }

  async update(
    id: string,
    revision: number,
    patch: Updateable<HomesTable>,
    trx: Kysely<DB>,
  ): Promise<boolean> {
    return updateAtRevision(trx, 'homes', id, revision, patch);
  }

  async countForAgent(agentId: string, trx: Kysely<DB>): Promise<number> {
    const row = await trx
      .selectFrom('homes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', agentId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
