import type SqliteDatabase from 'better-sqlite3';
import { type Interval, mergeIntervals } from './excluded.js';
import type { Sample } from './plausibility.js';
import type {
  Aggregate,
  Neighbours,
  RollupTable,
  RowOutcome,
  SeriesState,
  StoreRow,
  WriteSession,
} from './store.js';

type Statement = SqliteDatabase.Statement;

/** Rows per multi-row INSERT (3 parameters each, well under SQLite's limit of 32,766). */
const ROWS_PER_INSERT = 64;

const ROLLUP_COLUMNS = 'series, bucket, count, sum, min, max, first_t, first_v, last_t, last_v, delta';
const ROLLUP_VALUES = '?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?';
const rollupArgs = (a: Aggregate) => [
  a.series,
  a.bucket,
  a.count,
  a.sum,
  a.min,
  a.max,
  a.first_t,
  a.first_v,
  a.last_t,
  a.last_v,
  a.delta,
];

/**
 * The write session on SQLite: better-sqlite3's synchronous statements, prepared once. The caller
 * holds the connection (Kysely's mutex) and the write lock (BEGIN IMMEDIATE) around a batch.
 */
export class SqliteWriteSession implements WriteSession {
  private readonly statements: Record<string, Statement>;

  constructor(private readonly sqlite: SqliteDatabase.Database) {
    const prepare = (text: string) => sqlite.prepare(text);
    const merge = (table: RollupTable) =>
      prepare(`insert into ${table} (${ROLLUP_COLUMNS}) values (${ROLLUP_VALUES})
        on conflict (series, bucket) do update set
          count = count + excluded.count, sum = sum + excluded.sum,
          min = min(${table}.min, excluded.min), max = max(${table}.max, excluded.max),
          last_t = excluded.last_t, last_v = excluded.last_v, delta = delta + excluded.delta`);
    const replace = (table: RollupTable) =>
      prepare(`insert or replace into ${table} (${ROLLUP_COLUMNS}) values (${ROLLUP_VALUES})`);
    this.statements = {
      state: prepare('select first_t, last_t, last_v from telemetry_series where no = ?'),
      insert: prepare('insert into readings (series, t, value) values (?, ?, ?) on conflict do nothing'),
      insertMany: prepare(
        `insert into readings (series, t, value) values ${Array(ROWS_PER_INSERT).fill('(?, ?, ?)').join(', ')}
         on conflict do nothing returning series, t`,
      ).raw(true),
      insertManyQuiet: prepare(
        `insert into readings (series, t, value) values ${Array(ROWS_PER_INSERT).fill('(?, ?, ?)').join(', ')}
         on conflict do nothing`,
      ),
      optimistic: prepare('savepoint optimistic'),
      keep: prepare('release optimistic'),
      undo: prepare('rollback to optimistic'),
      existing: prepare('select value from readings where series = ? and t = ?'),
      mergeHour: merge('rollups_hour'),
      mergeDay: merge('rollups_day'),
      replaceHour: replace('rollups_hour'),
      replaceDay: replace('rollups_day'),
      successor: prepare('select t from readings where series = ? and t > ? order by t limit 1'),
      before: prepare('select value from readings where series = ? and t < ? order by t desc limit 1'),
      between: prepare('select t, value as v from readings where series = ? and t >= ? and t < ? order by t'),
      hours: prepare(
        `select ${ROLLUP_COLUMNS} from rollups_hour where series = ? and bucket >= ? and bucket < ? order by bucket`,
      ),
      // Each subquery is one seek of the primary key; json_each carries the batch's times.
      neighbours: prepare(`select
          (select 1 from readings r where r.series = @series and r.t = k.value) as at,
          (select t from readings r where r.series = @series and r.t < k.value order by r.t desc limit 1) as bt,
          (select value from readings r where r.series = @series and r.t < k.value order by r.t desc limit 1) as bv,
          (select t from readings r where r.series = @series and r.t > k.value order by r.t limit 1) as nt,
          (select value from readings r where r.series = @series and r.t > k.value order by r.t limit 1) as nv
        from json_each(@times) k order by k.key`),
      save: prepare('update telemetry_series set first_t = ?, last_t = ?, last_v = ? where no = ?'),
      exclusions: prepare('select from_t as "from", to_t as "to" from telemetry_exclusions where series = ?'),
      lastBefore: prepare(
        'select t, value as v from readings where series = ? and t < ? order by t desc limit 1',
      ),
      firstFrom: prepare('select t, value as v from readings where series = ? and t >= ? order by t limit 1'),
      clearHour: prepare('delete from rollups_hour where series = ? and bucket >= ? and bucket < ?'),
      clearDay: prepare('delete from rollups_day where series = ? and bucket >= ? and bucket < ?'),
      begin: prepare('begin immediate'),
      commit: prepare('commit'),
      rollback: prepare('rollback'),
    };
  }

  private s(name: string): Statement {
    return this.statements[name] as Statement;
  }

  begin(): void {
    this.s('begin').run();
  }

  commit(): void {
    this.s('commit').run();
  }

  rollback(): void {
    if (this.sqlite.inTransaction) this.s('rollback').run();
  }

  async lockSeries(nos: number[]): Promise<Map<number, SeriesState>> {
    const states = new Map<number, SeriesState>();
    for (const no of nos) {
      const row = this.s('state').get(no) as SeriesState | undefined;
      if (row) states.set(no, row);
    }
    return states;
  }

  /**
   * Nearly always every row of a batch is new: insert them all without RETURNING (nothing to read
   * back, one native call per 64 rows). Should any row not go in (a re-send, a repeated key),
   * everything is undone to the savepoint and the careful path below decides row by row.
   */
  private insertAllNew(rows: StoreRow[]): boolean {
    const many = this.s('insertManyQuiet');
    const one = this.s('insert');
    const args: number[] = new Array(ROWS_PER_INSERT * 3);
    this.s('optimistic').run();
    let ok = true;
    let start = 0;
    for (; ok && start + ROWS_PER_INSERT <= rows.length; start += ROWS_PER_INSERT) {
      for (let k = 0; k < ROWS_PER_INSERT; k++) {
        const row = rows[start + k] as StoreRow;
        args[3 * k] = row.series;
        args[3 * k + 1] = row.t;
        args[3 * k + 2] = row.v;
      }
      ok = many.run(args).changes === ROWS_PER_INSERT;
    }
    for (let k = start; ok && k < rows.length; k++) {
      const row = rows[k] as StoreRow;
      ok = one.run(row.series, row.t, row.v).changes === 1;
    }
    if (!ok) this.s('undo').run();
    this.s('keep').run();
    return ok;
  }

  async insert(rows: StoreRow[]): Promise<RowOutcome[]> {
    if (this.insertAllNew(rows)) return new Array<RowOutcome>(rows.length).fill('stored');
    const insert = this.s('insert');
    const insertMany = this.s('insertMany');
    const existing = this.s('existing');
    const outcomes: RowOutcome[] = new Array(rows.length);
    const settle = (row: StoreRow): RowOutcome => {
      const stored = existing.get(row.series, row.t) as { value: number };
      return stored.value === row.v ? 'duplicate' : 'conflict';
    };
    const args: number[] = new Array(ROWS_PER_INSERT * 3);
    let start = 0;
    // Many rows per statement: the per-statement cost, not the row, dominates a bulk insert.
    for (; start + ROWS_PER_INSERT <= rows.length; start += ROWS_PER_INSERT) {
      for (let k = 0; k < ROWS_PER_INSERT; k++) {
        const row = rows[start + k] as StoreRow;
        args[3 * k] = row.series;
        args[3 * k + 1] = row.t;
        args[3 * k + 2] = row.v;
      }
      const inserted = insertMany.all(...args) as [number, number][];
      if (inserted.length === ROWS_PER_INSERT) {
        outcomes.fill('stored', start, start + ROWS_PER_INSERT);
        continue;
      }
      const keys = new Set(inserted.map(([series, t]) => `${series}:${t}`));
      for (let k = start; k < start + ROWS_PER_INSERT; k++) {
        const row = rows[k] as StoreRow;
        const key = `${row.series}:${row.t}`;
        // The first of two equal keys in one statement is the stored one.
        if (keys.delete(key)) outcomes[k] = 'stored';
        else outcomes[k] = settle(row);
      }
    }
    for (let k = start; k < rows.length; k++) {
      const row = rows[k] as StoreRow;
      outcomes[k] = insert.run(row.series, row.t, row.v).changes === 1 ? 'stored' : settle(row);
    }
    return outcomes;
  }

  async mergeRollups(table: RollupTable, aggregates: Aggregate[]): Promise<void> {
    const statement = this.s(table === 'rollups_hour' ? 'mergeHour' : 'mergeDay');
    for (const a of aggregates) statement.run(...rollupArgs(a));
  }

  async replaceRollups(table: RollupTable, aggregates: Aggregate[]): Promise<void> {
    const statement = this.s(table === 'rollups_hour' ? 'replaceHour' : 'replaceDay');
    for (const a of aggregates) statement.run(...rollupArgs(a));
  }

  async successor(series: number, t: number): Promise<number | undefined> {
    return (this.s('successor').get(series, t) as { t: number } | undefined)?.t;
  }

  async readingsFrom(series: number, from: number, to: number) {
    const before = (this.s('before').get(series, from) as { value: number } | undefined)?.value;
    const rows = this.s('between').all(series, from, to) as { t: number; v: number }[];
    return { before, rows };
  }

  async hourRollups(series: number, from: number, to: number): Promise<Aggregate[]> {
    return this.s('hours').all(series, from, to) as Aggregate[];
  }

  async saveSeriesState(series: number, state: SeriesState): Promise<void> {
    this.s('save').run(state.first_t, state.last_t, state.last_v, series);
  }

  async neighbours(series: number, times: number[]): Promise<Neighbours[]> {
    const rows = this.s('neighbours').all({ series, times: JSON.stringify(times) }) as NeighbourRow[];
    return rows.map(toNeighbours);
  }

  async exclusions(nos: number[]): Promise<Map<number, Interval[]>> {
    const result = new Map<number, Interval[]>();
    const statement = this.s('exclusions');
    for (const no of nos) {
      const rows = statement.all(no) as Interval[];
      if (rows.length > 0) result.set(no, mergeIntervals(rows));
    }
    return result;
  }

  async lastBefore(series: number, t: number): Promise<Sample | undefined> {
    return this.s('lastBefore').get(series, t) as Sample | undefined;
  }

  async firstFrom(series: number, t: number): Promise<Sample | undefined> {
    return this.s('firstFrom').get(series, t) as Sample | undefined;
  }

  async between(series: number, from: number, to: number): Promise<Sample[]> {
    return this.s('between').all(series, from, to) as Sample[];
  }

  async clearRollups(table: RollupTable, series: number, from: number, to: number): Promise<void> {
    this.s(table === 'rollups_hour' ? 'clearHour' : 'clearDay').run(series, from, to);
  }
}

interface NeighbourRow {
  at: number | null;
  bt: number | null;
  bv: number | null;
  nt: number | null;
  nv: number | null;
}

export const toNeighbours = (r: NeighbourRow): Neighbours => ({
  at: r.at !== null,
  before: r.bt !== null && r.bv !== null ? { t: Number(r.bt), v: r.bv } : undefined,
  after: r.nt !== null && r.nv !== null ? { t: Number(r.nt), v: r.nv } : undefined,
});
