import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { HOUR } from '../analytics/buckets.js';
import type { DB } from '../db/schema.js';
import { notExcludedSql } from './excluded.js';
import { exclusionsOf } from './exclusions-repository.js';
import { STORED_LIMIT, usableRollup } from './plausibility.js';

/** One UTC hour of one channel, as `rollups_hour` keeps it, with compressor starts where asked. */
export interface HourStats {
  /** start of the UTC hour, epoch ms */
  hour: number;
  /** readings in the hour */
  count: number;
  /** Σ values (instantaneous channels: mean = sum / count) */
  sum: number;
  min: number;
  max: number;
  /** time and value of the first and last reading in the hour */
  firstT: number;
  firstV: number;
  lastT: number;
  lastV: number;
  /** registers: the increase over the hour (from the previous reading), never negative */
  delta: number;
  /**
   * `starts.channelIds` only (electricity power): readings above the start threshold, and off→on
   * transitions (a reading above the threshold whose previous reading was at or below it), from
   * raw readings.
   */
  above?: number;
  starts?: number;
}

/** What to read of a home's history (the fault rules' window); every time is epoch ms. */
export interface HourHistoryRequest {
  /** the home's channels to read */
  channelIds: readonly string[];
  from: number;
  to: number;
  /** these channels are also read from further back (low_performance's baseline: weeks of hours) */
  long?: { from: number; channelIds: readonly string[] };
  /** these channels' readings above `thresholdW` and starts per hour, counted in [from, to) */
  starts?: { channelIds: readonly string[]; from: number; thresholdW: number };
}

/** A home's channels' history: every usable hour loaded, oldest first, and each channel's reading span. */
export interface HourHistory {
  /** per channel id: every hour loaded, oldest first (hours holding impossible stored values left out) */
  hours: Map<string, HourStats[]>;
  /** per channel id with readings: its first and newest reading times */
  span: Map<string, { firstT: number; lastT: number }>;
}

/** A rollup row as read, in ROLLUP_COLUMNS order (PostgreSQL gives bigints as strings). */
type RollupRow = (number | string)[];
const ROLLUP_COLUMNS = [
  'series',
  'bucket',
  'count',
  'sum',
  'min',
  'max',
  'first_t',
  'first_v',
  'last_t',
  'last_v',
  'delta',
] as const;
/** Prepared rollup reads per SQLite handle, by how many series they ask for. */
const rollupStatements = new WeakMap<SqliteDatabase.Database, Map<number, SqliteDatabase.Statement>>();

/**
 * Reads the hourly rollups of a home's channels over a window (and a longer one for some), and for
 * the channels asked the readings above a threshold and the starts per hour (one LAG pass over raw
 * readings, excluded readings left out as the rollups leave them out).
 */
export async function readHourHistory(
  db: Kysely<DB>,
  sqlite: SqliteDatabase.Database | undefined,
  homeId: string,
  request: HourHistoryRequest,
): Promise<HourHistory> {
  const { from, to, long, starts } = request;
  const hours = new Map<string, HourStats[]>(request.channelIds.map((id) => [id, []]));
  const span = new Map<string, { firstT: number; lastT: number }>();
  if (request.channelIds.length === 0) return { hours, span };
  const seriesRows = await db
    .selectFrom('telemetry_series')
    .select(['no', 'channel_id', 'first_t', 'last_t'])
    .where('home_id', '=', homeId)
    .execute();
  const channelOfSeries = new Map(
    seriesRows.filter((r) => hours.has(r.channel_id)).map((r) => [Number(r.no), r.channel_id]),
  );
  for (const r of seriesRows) {
    if (r.last_t === null || r.first_t === null || !hours.has(r.channel_id)) continue;
    span.set(r.channel_id, { firstT: Number(r.first_t), lastT: Number(r.last_t) });
  }
  if (channelOfSeries.size === 0) return { hours, span };
  const longSeries =
    long && long.from < from
      ? [...channelOfSeries].filter(([, id]) => long.channelIds.includes(id)).map(([no]) => no)
      : [];
  // Oldest first per channel: the long history's hours before the common window's.
  const rows = [
    ...(longSeries.length > 0 && long ? await hourRollups(db, sqlite, longSeries, long.from, from) : []),
    ...(await hourRollups(db, sqlite, [...channelOfSeries.keys()], from, to)),
  ];
  for (const r of rows) {
    const hour = {
      hour: Number(r[1]),
      count: Number(r[2]),
      sum: Number(r[3]),
      min: Number(r[4]),
      max: Number(r[5]),
      firstT: Number(r[6]),
      firstV: Number(r[7]),
      lastT: Number(r[8]),
      lastV: Number(r[9]),
      delta: Number(r[10]),
    };
    // An hour holding an impossible stored value (from before ingest refused them) is no data.
    if (usableRollup(hour) && Math.abs(hour.firstV) <= STORED_LIMIT && Math.abs(hour.lastV) <= STORED_LIMIT)
      hours.get(channelOfSeries.get(Number(r[0])) as string)?.push(hour);
  }
  if (starts) {
    for (const [series, channelId] of channelOfSeries) {
      if (!starts.channelIds.includes(channelId)) continue;
      const byHour = new Map((hours.get(channelId) ?? []).map((b) => [b.hour, b]));
      const startsFromT = Math.max(from, starts.from);
      const thresholdW = starts.thresholdW;
      // Excluded readings are no starts either: the rules see what the rollups hold.
      const excluded = (await exclusionsOf(db, [series], startsFromT, to)).get(series) ?? [];
      const result = await sql<{ hour: number | string; above: number | string; starts: number | string }>`
        select (t / ${sql.lit(HOUR)}) * ${sql.lit(HOUR)} as hour,
          sum(case when v > ${thresholdW} then 1 else 0 end) as above,
          sum(case when v > ${thresholdW} and p <= ${thresholdW} then 1 else 0 end) as starts
        from (
          select t, value as v, lag(value) over (order by t) as p
          from readings where series = ${series} and t >= ${startsFromT} and t < ${to}${notExcludedSql(excluded)}
        ) w
        group by (t / ${sql.lit(HOUR)})`.execute(db);
      for (const row of result.rows) {
        const bucket = byHour.get(Number(row.hour));
        if (bucket) {
          bucket.above = Number(row.above);
          bucket.starts = Number(row.starts);
        }
      }
    }
  }
  return { hours, span };
}

/**
 * The hourly rollups of some series in [from, to), by series then hour. On SQLite as arrays from a
 * prepared statement: better-sqlite3 builds an object per row at several times the cost, and these
 * rows (channels × 73 hours) were most of a steady-state evaluation's time.
 */
async function hourRollups(
  db: Kysely<DB>,
  sqlite: SqliteDatabase.Database | undefined,
  series: number[],
  from: number,
  to: number,
): Promise<RollupRow[]> {
  if (sqlite) {
    const statements = rollupStatements.get(sqlite) ?? new Map<number, SqliteDatabase.Statement>();
    rollupStatements.set(sqlite, statements);
    const statement =
      statements.get(series.length) ??
      sqlite
        .prepare(
          `select ${ROLLUP_COLUMNS.join(', ')} from rollups_hour where series in (${series.map(() => '?').join(', ')}) ` +
            'and bucket >= ? and bucket < ? order by series, bucket',
        )
        .raw(true);
    statements.set(series.length, statement);
    // Through Kysely's connection, as the telemetry writer does: a transaction open on the handle
    // (a batch of readings, an evaluation's write) finishes before this reads, never mid-way.
    return db.connection().execute(async () => statement.all(...series, from, to) as RollupRow[]);
  }
  const rows = await db
    .selectFrom('rollups_hour')
    .select(ROLLUP_COLUMNS)
    .where('series', 'in', series)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .orderBy('series')
    .orderBy('bucket')
    .execute();
  return rows.map((r) => ROLLUP_COLUMNS.map((c) => r[c]) as RollupRow);
}
