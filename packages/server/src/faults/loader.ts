import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { SYSTEM_SCOPE } from '../auth/scope.js';
import type { DB } from '../db/schema.js';
import type { HomeRow } from '../homes/repository.js';
import type { HomesService } from '../homes/service.js';
import type { OrderDocument } from '../orders/schemas.js';
import { compressorStartThresholdW } from '../performance/formulas.js';
import { HOUR } from '../telemetry/buckets.js';
import { notExcludedSql } from '../telemetry/excluded.js';
import { exclusionsOf } from '../telemetry/exclusions-repository.js';
import { STORED_LIMIT, usableRollup } from '../telemetry/plausibility.js';
import type { ChannelData, HomeFacts, HourBucket } from './rules/types.js';

type Installation = NonNullable<OrderDocument['installation']>;

/** A home's data over a span, loaded once, from which the facts at any instant in it are cut. */
export interface HomeData {
  home: HomeRow;
  /** the home's facts without hours (channels with lastT null and no hours) */
  base: HomeFacts;
  /** per channel id: every hour loaded, oldest first */
  hours: Map<string, HourBucket[]>;
  /** the newest reading time of any channel, or null */
  newestT: number | null;
  /** per channel id: its first and newest reading times (telemetry_series) */
  span: Map<string, { firstT: number; lastT: number }>;
}

/** Where a home's data is read from. */
export interface HomeDataSource {
  db: Kysely<DB>;
  homes: HomesService;
  /** SQLite only: the raw handle, to read the rollups as arrays (the bulk of an evaluation's reads). */
  sqlite?: SqliteDatabase.Database | undefined;
}

/**
 * Reads what the rules need about one home: its meters and design (through HomesService), the
 * hourly rollups of every channel in [from, to), and for electricity power channels the readings
 * above the compressor start threshold and the starts per hour (one LAG pass over raw readings).
 */
export async function loadHomeData(
  { db, homes, sqlite }: HomeDataSource,
  homeId: string,
  from: number,
  to: number,
  /** starts are counted from here (raw readings are many; only short cycling reads them) */
  startsFrom: number = from,
  /** some channels are read from further back (low_performance's baseline: weeks of hours) */
  long?: { from: number; keys: readonly string[] },
): Promise<HomeData> {
  const { home, meters } = await homes.withMeters(SYSTEM_SCOPE, homeId);
  const installation = JSON.parse(home.installation) as Installation;
  const agent = await db
    .selectFrom('agents')
    .select('time_zone')
    .where('id', '=', home.agent_id)
    .executeTakeFirst();
  const timeZone = agent?.time_zone ?? 'Europe/London';
  const channels: ChannelData[] = meters.flatMap((meter) =>
    meter.channels.map((c) => ({
      channelId: c.id,
      key: c.key,
      kind: c.kind,
      unit: c.unit,
      meterId: meter.id,
      meterSerial: meter.serial,
      meterKind: meter.kind,
      ...(meter.location ? { location: meter.location } : {}),
      ...(meter.measures ? { measures: meter.measures } : {}),
      intervalSeconds: meter.reading.intervalSeconds,
      lastT: null,
      expectedFrom: Number(home.created_at),
      hours: [],
    })),
  );
  const base: HomeFacts = {
    homeId: home.id,
    technology: home.technology,
    design: {
      ...(installation.designFlowTemperatureC !== undefined
        ? { flowTemperatureC: installation.designFlowTemperatureC }
        : {}),
      ...(installation.heatingControl !== undefined ? { heatingControl: installation.heatingControl } : {}),
      ...(installation.designSpf !== undefined ? { spf: installation.designSpf } : {}),
      ...(installation.designScop !== undefined ? { scop: installation.designScop } : {}),
      ...(installation.designHeatLossWPerK !== undefined
        ? { heatLossWPerK: installation.designHeatLossWPerK }
        : {}),
      ...(installation.annualHeatDemandKwh !== undefined
        ? { annualHeatDemandKwh: installation.annualHeatDemandKwh }
        : {}),
    },
    timeZone,
    channels,
  };

  const hours = new Map<string, HourBucket[]>(channels.map((c) => [c.channelId, []]));
  const seriesRows =
    channels.length === 0
      ? []
      : await db
          .selectFrom('telemetry_series')
          .select(['no', 'channel_id', 'first_t', 'last_t'])
          .where('home_id', '=', home.id)
          .execute();
  const channelOfSeries = new Map(seriesRows.map((r) => [Number(r.no), r.channel_id]));
  let newestT: number | null = null;
  const span = new Map<string, { firstT: number; lastT: number }>();
  for (const r of seriesRows) {
    if (r.last_t === null || r.first_t === null) continue;
    span.set(r.channel_id, { firstT: Number(r.first_t), lastT: Number(r.last_t) });
    if (newestT === null || Number(r.last_t) > newestT) newestT = Number(r.last_t);
  }
  // Readings are expected from the home's creation, or from its first reading if that is earlier
  // (a backfilled history): not from its commissioning day, whose hours before the meters were
  // connected are no one's fault.
  const firstData = Math.min(...[...span.values()].map((v) => v.firstT));
  for (const channel of channels) channel.expectedFrom = Math.min(Number(home.created_at), firstData);
  if (channelOfSeries.size > 0) {
    const keyOf = new Map(channels.map((c) => [c.channelId, c.key]));
    const longSeries =
      long && long.from < from
        ? [...channelOfSeries].filter(([, id]) => long.keys.includes(keyOf.get(id) ?? '')).map(([no]) => no)
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
  }

  // Compressor running and starts per hour, from the electricity meters' power channels.
  const thresholdW = compressorStartThresholdW(installation.ratedCapacityKw);
  for (const [series, channelId] of channelOfSeries) {
    const channel = channels.find((c) => c.channelId === channelId);
    if (channel?.key !== 'electricity_power') continue;
    const byHour = new Map((hours.get(channelId) ?? []).map((b) => [b.hour, b]));
    const startsFromT = Math.max(from, startsFrom);
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
  return { home, base, hours, newestT, span };
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

/**
 * The facts at `at`: each channel's hours in [at − lookback, at) — plus, for a live `at` inside an
 * hour, that hour so far — and its newest reading at or before `at`.
 */
export function factsAt(data: HomeData, at: number, lookbackHours: number): HomeFacts {
  const from = at - lookbackHours * HOUR;
  return {
    ...data.base,
    channels: data.base.channels.map((channel) => {
      const all = data.hours.get(channel.channelId) ?? [];
      const hours = sliceHours(all, from, at);
      const last = hours[hours.length - 1];
      return {
        ...channel,
        hours,
        lastT: last ? Math.min(last.lastT, at) : silentSince(data, channel.channelId, all, from, at),
      };
    }),
  };
}

/** The buckets with hour in [from − 1 h, at): binary search on the sorted hours. */
function sliceHours(all: HourBucket[], from: number, at: number): HourBucket[] {
  const start = lowerBound(all, Math.floor(from / HOUR) * HOUR);
  const end = lowerBound(all, at);
  return all.slice(start, end);
}

/**
 * The newest reading at or before `at` of a channel with none in the window: from the hours loaded
 * before the window, else from the series' span when all its readings are that old, else none.
 */
function silentSince(
  data: HomeData,
  channelId: string,
  all: HourBucket[],
  from: number,
  at: number,
): number | null {
  const i = lowerBound(all, Math.floor(from / HOUR) * HOUR) - 1;
  if (i >= 0) return (all[i] as HourBucket).lastT;
  const span = data.span.get(channelId);
  if (!span || span.firstT > at) return null;
  return span.lastT <= at ? span.lastT : null;
}

function lowerBound(all: HourBucket[], hour: number): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((all[mid] as HourBucket).hour < hour) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
