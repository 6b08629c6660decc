import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { type Interval, mergeIntervals } from './excluded.js';
import type { Sample } from './plausibility.js';
import {
  type Aggregate,
  type Neighbours,
  type RollupTable,
  type RowOutcome,
  type SeriesState,
  type StoreRow,
  splitFresh,
  type WriteSession,
} from './store.js';
import { toNeighbours } from './store-sqlite.js';

const columns = (aggregates: Aggregate[]) => ({
  series: aggregates.map((a) => a.series),
  bucket: aggregates.map((a) => a.bucket),
  count: aggregates.map((a) => a.count),
  sum: aggregates.map((a) => a.sum),
  min: aggregates.map((a) => a.min),
  max: aggregates.map((a) => a.max),
  first_t: aggregates.map((a) => a.first_t),
  first_v: aggregates.map((a) => a.first_v),
  last_t: aggregates.map((a) => a.last_t),
  last_v: aggregates.map((a) => a.last_v),
  delta: aggregates.map((a) => a.delta),
});

/** The rollup rows as one unnest over column arrays: one statement per batch, not per bucket. */
function unnestRollups(aggregates: Aggregate[]) {
  const c = columns(aggregates);
  return sql`select * from unnest(${c.series}::int4[], ${c.bucket}::int8[], ${c.count}::int4[],
    ${c.sum}::float8[], ${c.min}::float8[], ${c.max}::float8[], ${c.first_t}::int8[], ${c.first_v}::float8[],
    ${c.last_t}::int8[], ${c.last_v}::float8[], ${c.delta}::float8[])
    as r(series, bucket, count, sum, min, max, first_t, first_v, last_t, last_v, delta)`;
}

const ROLLUP_COLUMNS = sql.raw(
  'series, bucket, count, sum, min, max, first_t, first_v, last_t, last_v, delta',
);

/** The write session on PostgreSQL: set-based statements over arrays inside one transaction. */
export class PostgresWriteSession implements WriteSession {
  constructor(private readonly trx: Kysely<DB>) {}

  async lockSeries(nos: number[]): Promise<Map<number, SeriesState>> {
    // Sorted row locks: concurrent writers of the same series wait for each other, never deadlock.
    const { rows } = await sql<SeriesState & { no: number }>`
      select no, first_t, last_t, last_v from telemetry_series
      where no = any(${nos}::int4[]) order by no for update`.execute(this.trx);
    return new Map(rows.map((r) => [r.no, { first_t: r.first_t, last_t: r.last_t, last_v: r.last_v }]));
  }

  async insert(rows: StoreRow[], states?: Map<number, SeriesState>): Promise<RowOutcome[]> {
    if (!states) return this.insertCarefully(rows);
    const { fresh, rest } = splitFresh(rows, states);
    if (fresh.length === 0) return this.insertCarefully(rows);
    // Rows after their series' last reading (the series rows are locked FOR UPDATE): one plain
    // INSERT, no RETURNING to parse; should one meet a stored row, undo and take the careful way.
    const picked = fresh.map((k) => rows[k] as StoreRow);
    await sql`savepoint fresh`.execute(this.trx);
    const inserted = await sql`
      insert into readings (series, t, value)
      select * from unnest(${picked.map((r) => r.series)}::int4[], ${picked.map((r) => r.t)}::int8[],
        ${picked.map((r) => r.v)}::float8[])
      on conflict do nothing`.execute(this.trx);
    if (Number(inserted.numAffectedRows) !== picked.length) {
      await sql`rollback to savepoint fresh`.execute(this.trx);
      return this.insertCarefully(rows);
    }
    await sql`release savepoint fresh`.execute(this.trx);
    const outcomes: RowOutcome[] = new Array(rows.length);
    for (const k of fresh) outcomes[k] = 'stored';
    if (rest.length > 0) {
      const careful = await this.insertCarefully(rest.map((k) => rows[k] as StoreRow));
      rest.forEach((k, j) => {
        outcomes[k] = careful[j] as RowOutcome;
      });
    }
    return outcomes;
  }

  private async insertCarefully(rows: StoreRow[]): Promise<RowOutcome[]> {
    const series = rows.map((r) => r.series);
    const times = rows.map((r) => r.t);
    const values = rows.map((r) => r.v);
    const inserted = await sql<{ series: number; t: number }>`
      insert into readings (series, t, value)
      select * from unnest(${series}::int4[], ${times}::int8[], ${values}::float8[])
      on conflict do nothing returning series, t`.execute(this.trx);
    const key = (s: number, t: number) => `${s}:${t}`;
    const stored = new Set(inserted.rows.map((r) => key(r.series, Number(r.t))));
    const others = rows.filter((r) => !stored.has(key(r.series, r.t)));
    const existing = new Map<string, number>();
    if (others.length > 0) {
      const found = await sql<{ series: number; t: number; value: number }>`
        select r.series, r.t, r.value from readings r
        join unnest(${others.map((r) => r.series)}::int4[], ${others.map((r) => r.t)}::int8[]) as k(series, t)
          on r.series = k.series and r.t = k.t`.execute(this.trx);
      for (const row of found.rows) existing.set(key(row.series, Number(row.t)), row.value);
    }
    // The first of two equal keys in one batch is the stored one; the second compares against it.
    const seen = new Set<string>();
    return rows.map((row) => {
      const k = key(row.series, row.t);
      if (stored.has(k) && !seen.has(k)) {
        seen.add(k);
        return 'stored';
      }
      const value = existing.get(k) ?? rows.find((r) => key(r.series, r.t) === k)?.v;
      return value === row.v ? 'duplicate' : 'conflict';
    });
  }

  async mergeRollups(table: RollupTable, aggregates: Aggregate[]): Promise<void> {
    const t = sql.table(table);
    await sql`insert into ${t} (${ROLLUP_COLUMNS}) ${unnestRollups(aggregates)}
      on conflict (series, bucket) do update set
        count = ${t}.count + excluded.count, sum = ${t}.sum + excluded.sum,
        min = least(${t}.min, excluded.min), max = greatest(${t}.max, excluded.max),
        last_t = excluded.last_t, last_v = excluded.last_v, delta = ${t}.delta + excluded.delta`.execute(
      this.trx,
    );
  }

  async replaceRollups(table: RollupTable, aggregates: Aggregate[]): Promise<void> {
    if (aggregates.length === 0) return;
    const t = sql.table(table);
    await sql`insert into ${t} (${ROLLUP_COLUMNS}) ${unnestRollups(aggregates)}
      on conflict (series, bucket) do update set
        count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        first_t = excluded.first_t, first_v = excluded.first_v,
        last_t = excluded.last_t, last_v = excluded.last_v, delta = excluded.delta`.execute(this.trx);
  }

  async successor(series: number, t: number): Promise<number | undefined> {
    const { rows } = await sql<{ t: number }>`
      select t from readings where series = ${series} and t > ${t} order by t limit 1`.execute(this.trx);
    return rows[0] ? Number(rows[0].t) : undefined;
  }

  async readingsFrom(series: number, from: number, to: number) {
    const before = await sql<{ value: number }>`
      select value from readings where series = ${series} and t < ${from} order by t desc limit 1`.execute(
      this.trx,
    );
    const { rows } = await sql<{ t: number; v: number }>`
      select t, value as v from readings where series = ${series} and t >= ${from} and t < ${to} order by t`.execute(
      this.trx,
    );
    return { before: before.rows[0]?.value, rows: rows.map((r) => ({ t: Number(r.t), v: r.v })) };
  }

  async hourRollups(series: number, from: number, to: number): Promise<Aggregate[]> {
    return this.trx
      .selectFrom('rollups_hour')
      .selectAll()
      .where('series', '=', series)
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      .orderBy('bucket')
      .execute();
  }

  async saveSeriesState(series: number, state: SeriesState): Promise<void> {
    await this.trx.updateTable('telemetry_series').set(state).where('no', '=', series).execute();
  }

  async neighbours(series: number, times: number[]): Promise<Neighbours[]> {
    const { rows } = await sql<{
      at: number | null;
      bt: number | null;
      bv: number | null;
      nt: number | null;
      nv: number | null;
    }>`
      select x.t as at, b.t as bt, b.value as bv, a.t as nt, a.value as nv
      from unnest(${times}::int8[]) with ordinality as k(t, i)
      left join lateral (select t, value from readings
        where series = ${series} and t < k.t order by t desc limit 1) b on true
      left join lateral (select t, value from readings
        where series = ${series} and t > k.t order by t limit 1) a on true
      left join readings x on x.series = ${series} and x.t = k.t
      order by k.i`.execute(this.trx);
    return rows.map(toNeighbours);
  }

  async exclusions(nos: number[]): Promise<Map<number, Interval[]>> {
    const result = new Map<number, Interval[]>();
    if (nos.length === 0) return result;
    const { rows } = await sql<{ series: number; from: number | string; to: number | string }>`
      select series, from_t as "from", to_t as "to" from telemetry_exclusions
      where series = any(${nos}::int4[])`.execute(this.trx);
    const bySeries = new Map<number, Interval[]>();
    for (const r of rows) {
      const list = bySeries.get(r.series) ?? [];
      list.push({ from: Number(r.from), to: Number(r.to) });
      bySeries.set(r.series, list);
    }
    for (const [no, list] of bySeries) result.set(no, mergeIntervals(list));
    return result;
  }

  async lastBefore(series: number, t: number): Promise<Sample | undefined> {
    const { rows } = await sql<{ t: number | string; v: number }>`
      select t, value as v from readings where series = ${series} and t < ${t} order by t desc limit 1`.execute(
      this.trx,
    );
    return rows[0] ? { t: Number(rows[0].t), v: rows[0].v } : undefined;
  }

  async firstFrom(series: number, t: number): Promise<Sample | undefined> {
    const { rows } = await sql<{ t: number | string; v: number }>`
      select t, value as v from readings where series = ${series} and t >= ${t} order by t limit 1`.execute(
      this.trx,
    );
    return rows[0] ? { t: Number(rows[0].t), v: rows[0].v } : undefined;
  }

  async between(series: number, from: number, to: number): Promise<Sample[]> {
    const { rows } = await sql<{ t: number | string; v: number }>`
      select t, value as v from readings where series = ${series} and t >= ${from} and t < ${to} order by t`.execute(
      this.trx,
    );
    return rows.map((r) => ({ t: Number(r.t), v: r.v }));
  }

  async clearRollups(table: RollupTable, series: number, from: number, to: number): Promise<void> {
    await this.trx
      .deleteFrom(table)
      .where('series', '=', series)
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      .execute();
  }
}

const MONTH_PARTITION = /^readings_y\d{4}m\d{2}$/;

/**
 * Monthly partitions of `readings` (UTC months), created before a batch that needs them. Creation
 * races between workers are harmless: IF NOT EXISTS, and an already-created error is ignored.
 */
export class Partitions {
  private readonly known = new Set<string>();

  constructor(private readonly db: Kysely<DB>) {}

  async ensure(times: Iterable<number>): Promise<void> {
    const months = new Map<string, [number, number]>();
    // Most readings of a batch fall in a month just seen: a range check, no Date per reading.
    let seenFrom = 0;
    let seenTo = 0;
    for (const t of times) {
      if (t >= seenFrom && t < seenTo) continue;
      const d = new Date(t);
      seenFrom = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      seenTo = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      const name = `readings_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
      if (this.known.has(name) || months.has(name)) continue;
      const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      const to = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      months.set(name, [from, to]);
    }
    for (const [name, [from, to]] of months) {
      if (!MONTH_PARTITION.test(name)) throw new Error(`bad partition name ${name}`);
      try {
        await sql`create table if not exists ${sql.table(name)} partition of readings
          for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(this.db);
      } catch (err) {
        const code = (err as { code?: string }).code;
        // 42P07 duplicate_table, 23505 unique_violation (catalog race): another worker made it.
        if (code !== '42P07' && code !== '23505') throw err;
      }
      this.known.add(name);
    }
  }
}
