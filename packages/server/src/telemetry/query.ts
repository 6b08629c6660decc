import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import type { AgentsService } from '../agents/index.js';
import { type Calendar, calendarFor, HOUR, type HourRollup, hourOf, MINUTE } from '../analytics/buckets.js';
import type { Scope } from '../auth/index.js';
import { isPostgres } from '../db/dialect.js';
import type { DB } from '../db/schema.js';
import { isoTime } from '../db/time.js';
import type { HomeRecords, MeterCollection, MeterForStatus, MeterStatus } from '../homes/index.js';
import { ApiError } from '../http/errors.js';
import type { ProvisioningService } from '../provisioning/index.js';
import { covering, type Interval, notExcludedBySeriesSql, notExcludedSql, within } from './excluded.js';
import { exclusionsOf } from './exclusions-repository.js';
import { type HourHistory, type HourHistoryRequest, readHourHistory } from './hour-history.js';
import { STORED_LIMIT, USABLE_ROLLUP_SQL, usableRollup, usableRollupSql } from './plausibility.js';
import { bucketsTouched, mergeInto, type ReducedBucket, widthFor, withPredecessor } from './reduce.js';
import type {
  Aggregation,
  LatestAnswer,
  Resolution,
  TelemetryAnswer,
  TelemetryQueryInput,
} from './schemas.js';
import { type Aggregate, fold } from './store.js';

const DAY = 24 * HOUR;
/** Bucket sizes used to estimate how many points a query can return before running it. */
const BUCKET_ESTIMATE: Record<Exclude<Resolution, 'raw'>, number> = {
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  hour: HOUR,
  day: 23 * HOUR,
  month: 28 * DAY,
};
const MAX_RANGE = 20 * 366 * DAY;
/** Channels per grouped totals query: a bounded IN list on both databases. */
const TOTALS_CHUNK = 500;

interface ChannelRow {
  id: string;
  meter_id: string;
  key: string;
  quantity: string;
  unit: string;
  kind: 'register' | 'instantaneous';
  no: number | null;
}

export type { HourRollup };

/** Per register channel id, the consumption of one hour attributed to each value of a 0/1 flag. */
export type FlagSplit = Map<string, { off: number; on: number }>;

/** A bucket as the queries handle it: start (epoch ms), readings in it, the aggregated value. */
type Bucket = [number, number, number];
type RollupColumn = 'sum' | 'min' | 'max' | 'last_v' | 'delta';
/** The rollup column each aggregation reads (avg: the sum, divided by the count). */
const COLUMN_OF: Record<Aggregation, RollupColumn> = {
  avg: 'sum',
  sum: 'sum',
  min: 'min',
  max: 'max',
  last: 'last_v',
  delta: 'delta',
};

export interface TelemetryQueryDeps {
  db: Kysely<DB>;
  /** SQLite only: the raw handle, for reading rollups as arrays. */
  sqlite?: SqliteDatabase.Database;
  homes: HomeRecords;
  /** the agent's time zone, which its days are counted in */
  agents: Pick<AgentsService, 'timeZoneOf'>;
  /** the AMR interval polled meters are read at (their homes' amr definitions) */
  provisioning: Pick<ProvisioningService, 'amrIntervalSettings'>;
  maxPoints: number;
  now?: () => number;
}

/** Reads of the telemetry store: series at a resolution, latest values, meter status. */
export class TelemetryQueries {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();

  constructor(private readonly deps: TelemetryQueryDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private async calendarOfAgent(agentId: string, db: Kysely<DB> = this.deps.db): Promise<Calendar> {
    return calendarFor(await this.deps.agents.timeZoneOf(agentId, db));
  }

  private channelsOf(homeId: string): Promise<ChannelRow[]> {
    return this.deps.db
      .selectFrom('channels as c')
      .leftJoin('telemetry_series as s', 's.channel_id', 'c.id')
      .select(['c.id', 'c.meter_id', 'c.key', 'c.quantity', 'c.unit', 'c.kind', 's.no'])
      .where('c.home_id', '=', homeId)
      .orderBy('c.meter_id')
      .orderBy('c.key')
      .execute();
  }

  async series(scope: Scope, homeId: string, query: TelemetryQueryInput): Promise<TelemetryAnswer> {
    const home = await this.deps.homes.requireVisible(scope, homeId);
    const calendar = await this.calendarOfAgent(home.agentId);
    const all = await this.channelsOf(homeId);
    let channels = all;
    if (query.points !== undefined && (query.resolution !== undefined || query.agg !== undefined)) {
      const other = query.resolution !== undefined ? 'resolution' : 'agg';
      throw new ApiError(
        'validation_failed',
        `points and ${other} cannot be combined: with points the server chooses the buckets and their figures`,
        { errors: [{ field: `/query/${other}`, message: 'cannot be combined with points' }] },
      );
    }
    if (query.channels !== undefined) {
      const wanted = [
        ...new Set(
          query.channels
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
      const unknown = wanted.filter((id) => !all.some((c) => c.id === id));
      if (wanted.length === 0 || unknown.length > 0) {
        throw new ApiError(
          'validation_failed',
          wanted.length === 0
            ? 'channels is empty: give channel ids, or leave it out for all channels'
            : `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a channel' : 'are not channels'} of this home`,
          {
            errors: [{ field: '/query/channels', message: 'names a channel this home does not have' }],
          },
        );
      }
      channels = wanted.map((id) => all.find((c) => c.id === id) as ChannelRow);
    }
    const to = query.to ? Date.parse(query.to) : this.now();
    const from = query.from ? Date.parse(query.from) : to - DAY;
    if (!(from < to)) {
      throw new ApiError('validation_failed', 'from must be before to', {
        errors: [{ field: '/query/from', message: 'must be before to' }],
      });
    }
    if (to - from > MAX_RANGE) {
      throw new ApiError('validation_failed', 'The range from–to may span at most 20 years', {
        errors: [{ field: '/query/from', message: 'more than 20 years before to' }],
      });
    }
    // Each series' exclusions (merged): raw reads leave their readings out, unless asked to include
    // them; the rollups already do (the store recomputes them when exclusions change).
    const exclusions = await exclusionsOf(
      this.deps.db,
      channels.flatMap((c) => (c.no === null ? [] : [c.no])),
    );
    const includeExcluded = query.includeExcluded === true;
    if (query.points !== undefined) {
      return this.reduced(home.id, channels, from, to, query.points, calendar, exclusions, includeExcluded);
    }
    const resolution: Resolution = query.resolution ?? 'raw';
    if (resolution === 'raw' && query.agg !== undefined) {
      throw new ApiError('validation_failed', 'agg applies to buckets: choose a resolution other than raw', {
        errors: [{ field: '/query/agg', message: 'needs a resolution other than raw' }],
      });
    }
    if (query.agg === 'delta') {
      const notRegisters = channels.filter((c) => c.kind !== 'register');
      if (notRegisters.length > 0) {
        throw new ApiError(
          'validation_failed',
          `agg=delta is the consumption of a register; ${notRegisters.map((c) => c.key).join(', ')} ${notRegisters.length === 1 ? 'is' : 'are'} not`,
          { errors: [{ field: '/query/agg', message: 'delta needs register channels' }] },
        );
      }
    }
    const start =
      resolution === 'day'
        ? calendar.dayOf(from)
        : resolution === 'month'
          ? calendar.monthOf(from)
          : resolution === 'hour'
            ? hourOf(from)
            : resolution === 'raw'
              ? from
              : Math.floor(from / BUCKET_ESTIMATE[resolution]) * BUCKET_ESTIMATE[resolution];
    const cap = this.deps.maxPoints;
    if (resolution !== 'raw') {
      const estimate = Math.ceil((to - start) / BUCKET_ESTIMATE[resolution]) * channels.length;
      if (estimate > cap) throw tooMany(estimate, cap);
    }
    let budget = cap;
    const out: TelemetryAnswer['channels'] = [];
    for (const channel of channels) {
      const agg: Aggregation | null =
        resolution === 'raw' ? null : (query.agg ?? (channel.kind === 'register' ? 'delta' : 'avg'));
      let points: TelemetryAnswer['channels'][number]['points'] = [];
      if (channel.no !== null) {
        const intervals = exclusions.get(channel.no) ?? [];
        if (resolution === 'raw') {
          const rows = await this.raw(channel.no, start, to, budget + 1, includeExcluded ? [] : intervals);
          if (rows.length > budget) throw tooMany(undefined, cap);
          points = rows.map((r) =>
            includeExcluded && covering(intervals, r.t)
              ? { time: isoTime(r.t), value: r.v, excluded: true }
              : { time: isoTime(r.t), value: r.v },
          );
        } else {
          const buckets = await this.buckets(
            channel.no,
            resolution,
            start,
            to,
            calendar,
            agg as Aggregation,
            intervals,
            includeExcluded,
          );
          points = buckets.map(([bucket, count, value]) => ({ time: isoTime(bucket), value, count }));
        }
      }
      budget -= points.length;
      out.push({
        channelId: channel.id,
        key: channel.key,
        quantity: channel.quantity,
        unit: channel.unit,
        kind: channel.kind,
        agg,
        points,
      });
    }
    return {
      homeId,
      from: isoTime(start),
      to: isoTime(to),
      resolution,
      timeZone: calendar.zone,
      channels: out,
    };
  }

  /**
   * `?points=`: one point per non-empty bucket of a round width chosen so that at most `points`
   * buckets cover the range. Widths of an hour or more merge the hourly rollups; shorter ones
   * group the raw readings in SQL (one query per channel).
   */
  private async reduced(
    homeId: string,
    channels: ChannelRow[],
    from: number,
    to: number,
    points: number,
    calendar: Calendar,
    exclusions: Map<number, Interval[]>,
    includeExcluded: boolean,
  ): Promise<TelemetryAnswer> {
    const w = widthFor(from, to, points);
    const start = Math.floor(from / w) * w;
    const estimate = bucketsTouched(from, to, w) * channels.length;
    if (estimate > this.deps.maxPoints) throw tooMany(estimate, this.deps.maxPoints);
    const out: TelemetryAnswer['channels'] = [];
    for (const channel of channels) {
      const register = channel.kind === 'register';
      let buckets: ReducedBucket[] = [];
      if (channel.no !== null) {
        const intervals = exclusions.get(channel.no) ?? [];
        // The hourly rollups hold no excluded reading: with them included, buckets come from raw.
        const fromRollups = w >= HOUR && !(includeExcluded && within(intervals, start, to).length > 0);
        buckets = fromRollups
          ? mergeInto(await this.hourBuckets(channel.no, start, to), w)
          : await this.rawBuckets(channel.no, start, to, w, includeExcluded ? [] : intervals);
      }
      out.push({
        channelId: channel.id,
        key: channel.key,
        quantity: channel.quantity,
        unit: channel.unit,
        kind: channel.kind,
        agg: register ? 'delta' : 'avg',
        points: buckets.map((b) => ({
          time: isoTime(b.bucket),
          value: register ? b.delta : b.sum / b.count,
          min: b.min,
          max: b.max,
          first: b.first,
          last: b.last,
          count: b.count,
        })),
      });
    }
    return {
      homeId,
      from: isoTime(start),
      to: isoTime(to),
      resolution: 'auto',
      bucketSeconds: w / 1000,
      timeZone: calendar.zone,
      channels: out,
    };
  }

  /** The hourly rollups of one series in [from, to), every figure `?points=` needs. */
  private async hourBuckets(series: number, from: number, to: number): Promise<ReducedBucket[]> {
    const rows = await this.deps.db
      .selectFrom('rollups_hour as r')
      .select(['bucket', 'count', 'sum', 'min', 'max', 'first_v', 'last_v', 'delta'])
      .where('series', '=', series)
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      // An hour holding an impossible figure (stored before ingest checked plausibility) is no data.
      .where(sql<boolean>`${sql.raw(USABLE_ROLLUP_SQL)}`)
      .orderBy('bucket')
      .execute();
    return rows.map((r) => ({
      bucket: Number(r.bucket),
      count: Number(r.count),
      sum: Number(r.sum),
      min: Number(r.min),
      max: Number(r.max),
      first: Number(r.first_v),
      last: Number(r.last_v),
      delta: Number(r.delta ?? 0),
    }));
  }

  /**
   * Buckets of width w of one series' raw readings in [from, to), grouped in SQL: one ordered
   * pass (the primary key's order) with each reading's neighbours, so a bucket's first and last
   * readings and its register rises need no second query. The first reading's rise is measured
   * from the reading before the range, as `fold` does.
   */
  private async rawBuckets(
    series: number,
    from: number,
    to: number,
    w: number,
    excluded: readonly Interval[],
  ): Promise<ReducedBucket[]> {
    const { db } = this.deps;
    const [before, result] = await Promise.all([
      db
        .selectFrom('readings')
        .select('value')
        .where('series', '=', series)
        .where('t', '<', from)
        .where('value', '>=', -STORED_LIMIT)
        .where('value', '<=', STORED_LIMIT)
        .where(sql<boolean>`1 = 1${notExcludedSql(within(excluded, Number.NEGATIVE_INFINITY, from))}`)
        .orderBy('t', 'desc')
        .limit(1)
        .executeTakeFirst(),
      sql<{
        b: number | string;
        n: number | string;
        s: number | string;
        lo: number | string;
        hi: number | string;
        fv: number | string;
        lv: number | string;
        d: number | string | null;
      }>`
        select b, count(*) as n, sum(v) as s, min(v) as lo, max(v) as hi,
          max(case when pt is null or pt < b then v end) as fv,
          max(case when nt is null or nt >= b + ${w} then v end) as lv,
          sum(case when pv is not null and v > pv then v - pv else 0 end) as d
        from (
          select t - (t % ${w}) as b, value as v,
            lag(value) over (order by t) as pv,
            lag(t) over (order by t) as pt,
            lead(t) over (order by t) as nt
          from readings where series = ${series} and t >= ${from} and t < ${to}
            and value between ${-STORED_LIMIT} and ${STORED_LIMIT}${notExcludedSql(within(excluded, from, to))}
        ) x
        group by b
        order by b`.execute(db),
    ]);
    const buckets = result.rows.map((r) => ({
      bucket: Number(r.b),
      count: Number(r.n),
      sum: Number(r.s),
      min: Number(r.lo),
      max: Number(r.hi),
      first: Number(r.fv),
      last: Number(r.lv),
      delta: Number(r.d ?? 0),
    }));
    return withPredecessor(buckets, before?.value);
  }

  /** Raw readings of one series in [from, to), leaving out those `excluded` covers. */
  private async raw(series: number, from: number, to: number, limit: number, excluded: readonly Interval[]) {
    const rows = await this.deps.db
      .selectFrom('readings')
      .select(['t', 'value as v'])
      .where('series', '=', series)
      .where('t', '>=', from)
      .where('t', '<', to)
      .where(sql<boolean>`1 = 1${notExcludedSql(within(excluded, from, to))}`)
      .orderBy('t')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ t: Number(r.t), v: r.v }));
  }

  /**
   * Buckets of one series as [start, count, value] for one aggregation. Hours and days come from
   * the rollups, reading only the column the aggregation needs (on SQLite as arrays straight from
   * better-sqlite3: a year of hours is 8,760 rows); months combine days; 5 and 15 minutes fold raw.
   */
  private async buckets(
    series: number,
    resolution: Exclude<Resolution, 'raw'>,
    start: number,
    to: number,
    calendar: Calendar,
    agg: Aggregation,
    intervals: readonly Interval[],
    includeExcluded: boolean,
  ): Promise<Bucket[]> {
    const { db } = this.deps;
    // The rollups hold no excluded reading: buckets that should include them fold the raw readings.
    const fromRaw =
      resolution === '5m' ||
      resolution === '15m' ||
      (includeExcluded && within(intervals, start, to).length > 0);
    if (fromRaw) {
      const excluded = includeExcluded ? [] : intervals;
      const size = resolution === '5m' || resolution === '15m' ? BUCKET_ESTIMATE[resolution] : 0;
      const bucketOf =
        resolution === 'hour'
          ? hourOf
          : resolution === 'day'
            ? (t: number) => calendar.dayOf(t)
            : resolution === 'month'
              ? (t: number) => calendar.monthOf(t)
              : (t: number) => Math.floor(t / size) * size;
      const before = await db
        .selectFrom('readings')
        .select('value')
        .where('series', '=', series)
        .where('t', '<', start)
        .where(sql<boolean>`1 = 1${notExcludedSql(within(excluded, Number.NEGATIVE_INFINITY, start))}`)
        .orderBy('t', 'desc')
        .limit(1)
        .executeTakeFirst();
      const rows = await this.raw(series, start, to, Number.MAX_SAFE_INTEGER, excluded);
      return fold(series, rows, before?.value, bucketOf)
        .filter(usableRollup)
        .map((b) => [b.bucket, b.count, pointValue(b, agg)]);
    }
    const column = COLUMN_OF[agg];
    // A bucket whose figure is impossible (stored before ingest refused such values) is left out,
    // like a bucket without readings: never a NaN, an Infinity or a sum that overflows.
    const rows = (
      await this.rollupRows(resolution === 'hour' ? 'rollups_hour' : 'rollups_day', column, series, start, to)
    ).filter(([, , value]) => value >= -STORED_LIMIT && value <= STORED_LIMIT);
    if (resolution === 'month') {
      const months: Bucket[] = [];
      for (const [bucket, count, value] of rows) {
        const month = calendar.monthOf(bucket);
        const last = months.at(-1);
        if (last?.[0] !== month) months.push([month, count, value]);
        else {
          last[1] += count;
          last[2] =
            column === 'min'
              ? Math.min(last[2], value)
              : column === 'max'
                ? Math.max(last[2], value)
                : column === 'last_v'
                  ? value
                  : last[2] + value;
        }
      }
      if (agg === 'avg') for (const m of months) m[2] /= m[1];
      return months;
    }
    if (agg === 'avg') for (const r of rows) r[2] /= r[1];
    return rows;
  }

  private async rollupRows(
    table: 'rollups_hour' | 'rollups_day',
    column: RollupColumn,
    series: number,
    from: number,
    to: number,
  ): Promise<Bucket[]> {
    const { sqlite } = this.deps;
    if (sqlite) {
      const key = `${table}.${column}`;
      let statement = this.statements.get(key);
      if (!statement) {
        statement = sqlite
          .prepare(
            `select bucket, count, ${column} from ${table} where series = ? and bucket >= ? and bucket < ? order by bucket`,
          )
          .raw(true);
        this.statements.set(key, statement);
      }
      return statement.all(series, from, to) as Bucket[];
    }
    const rows = await this.deps.db
      .selectFrom(table)
      .select(['bucket', 'count', column])
      .where('series', '=', series)
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      .orderBy('bucket')
      .execute();
    return rows.map((r) => [
      Number(r.bucket),
      r.count,
      (r as unknown as Record<string, number>)[column] as number,
    ]);
  }

  /** The calendar of an agent's time zone (`agents.time_zone`), for analytics that bucket by local time. */
  calendarOf(agentId: string): Promise<Calendar> {
    return this.calendarOfAgent(agentId);
  }

  /**
   * A home's channels' hourly rollups over a window and their reading spans, with compressor starts
   * where asked: what the fault rules judge (faults/loader.ts). The caller knows the home exists.
   */
  hourHistory(homeId: string, request: HourHistoryRequest): Promise<HourHistory> {
    return readHourHistory(this.deps.db, this.deps.sqlite, homeId, request);
  }

  /**
   * Hourly rollups (UTC hours in [from, to)) of some channels of one home, for analytics: per
   * channel id, rows in time order. Channels of another home, or without readings, give none.
   * The caller checks the home is visible (HomesService.requireVisible) before asking.
   */
  async hourlyRollups(
    homeId: string,
    channelIds: string[],
    from: number,
    to: number,
  ): Promise<Map<string, HourRollup[]>> {
    const result = new Map<string, HourRollup[]>(channelIds.map((id) => [id, []]));
    if (channelIds.length === 0) return result;
    const series = await this.seriesOf(homeId, channelIds);
    if (series.size === 0) return result;
    const rows = await this.deps.db
      .selectFrom('rollups_hour')
      .select(['series', 'bucket', 'count', 'sum', 'min', 'max', 'delta'])
      .where('series', 'in', [...series.keys()])
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      .orderBy('series')
      .orderBy('bucket')
      .execute();
    for (const r of rows) {
      // An hour holding an impossible stored value (before ingest refused them) is an hour without data.
      if (!usableRollup(r)) continue;
      const channelId = series.get(Number(r.series)) as string;
      result.get(channelId)?.push({
        hour: Number(r.bucket),
        count: Number(r.count),
        sum: Number(r.sum),
        min: Number(r.min),
        max: Number(r.max),
        delta: Number(r.delta ?? 0),
      });
    }
    return result;
  }

  /**
   * Totals of many channels' rollups over [from, to): per channel id, Σ delta (registers'
   * consumption) and Σ count (readings), in one grouped query per chunk of channels. `day` reads
   * `rollups_day` (agent-local days: from and to should be local midnights), `hour` `rollups_hour`.
   * Channels without readings are absent. The caller checks the homes are visible.
   */
  async registerTotals(
    channelIds: string[],
    from: number,
    to: number,
    resolution: 'hour' | 'day',
  ): Promise<Map<string, { delta: number; count: number }>> {
    const table = resolution === 'day' ? 'rollups_day' : 'rollups_hour';
    const result = new Map<string, { delta: number; count: number }>();
    for (let i = 0; i < channelIds.length; i += TOTALS_CHUNK) {
      const chunk = channelIds.slice(i, i + TOTALS_CHUNK);
      const rows = await this.deps.db
        .selectFrom(`${table} as r`)
        .innerJoin('telemetry_series as s', 's.no', 'r.series')
        .select((eb) => [
          's.channel_id as channelId',
          eb.fn.sum<number | string | null>('r.delta').as('delta'),
          eb.fn.sum<number | string | null>('r.count').as('count'),
        ])
        .where('s.channel_id', 'in', chunk)
        .where('r.bucket', '>=', from)
        .where('r.bucket', '<', to)
        .where(sql<boolean>`${sql.raw(USABLE_ROLLUP_SQL)}`)
        .groupBy('s.channel_id')
        .execute();
      for (const r of rows)
        result.set(r.channelId, { delta: Number(r.delta ?? 0), count: Number(r.count ?? 0) });
    }
    return result;
  }

  /**
   * Heat-weighted means of instantaneous channels over [from, to), for many pairs at once: per pair
   * (an instantaneous channel, e.g. a heat meter's flow_temperature, and a register, e.g. its
   * heat_energy), over the buckets in which both have a usable rollup, the channel's mean (sum /
   * count) and the register's delta: `heatKwh` = Σ delta and `weighted` = Σ delta × mean, so
   * weighted / heatKwh is the mean weighted by the register. Buckets without consumption weigh
   * nothing and are left out. `day` reads `rollups_day` (agent-local days: from and to should be
   * local midnights; a day's mean includes its idle hours), `hour` `rollups_hour`. One grouped
   * query per chunk of pairs; pairs without such a bucket are absent. The caller checks the homes
   * are visible.
   */
  async heatWeightedMeans(
    pairs: { channelId: string; registerId: string }[],
    from: number,
    to: number,
    resolution: 'hour' | 'day',
  ): Promise<{ channelId: string; registerId: string; heatKwh: number; weighted: number }[]> {
    const table = sql.table(resolution === 'day' ? 'rollups_day' : 'rollups_hour');
    const result: { channelId: string; registerId: string; heatKwh: number; weighted: number }[] = [];
    // Two ids a pair: half as many pairs a chunk as channels in registerTotals.
    for (let i = 0; i < pairs.length; i += TOTALS_CHUNK / 2) {
      const chunk = pairs.slice(i, i + TOTALS_CHUNK / 2);
      const values = sql.join(chunk.map((p) => sql`(${p.channelId}, ${p.registerId})`));
      const rows = await sql<{
        channel: string;
        reg: string;
        kwh: number | string | null;
        weighted: number | string | null;
      }>`
        with p (cid, rid) as (values ${values})
        select p.cid as channel, p.rid as reg,
          sum(h.delta) as kwh, sum(h.delta * m.sum / m.count) as weighted
        from p
        join telemetry_series sm on sm.channel_id = p.cid
        join telemetry_series sh on sh.channel_id = p.rid
        join ${table} m on m.series = sm.no
        join ${table} h on h.series = sh.no and h.bucket = m.bucket
        where m.bucket >= ${from} and m.bucket < ${to} and m.count > 0 and h.delta > 0
          and ${sql.raw(usableRollupSql('m'))} and ${sql.raw(usableRollupSql('h'))}
        group by p.cid, p.rid`.execute(this.deps.db);
      for (const r of rows.rows)
        result.push({
          channelId: r.channel,
          registerId: r.reg,
          heatKwh: Number(r.kwh ?? 0),
          weighted: Number(r.weighted ?? 0),
        });
    }
    return result;
  }

  /**
   * Off→on transitions of a power channel in [from, to): one pass over its raw readings with LAG
   * (the primary key (series, t) makes it a range scan). `readings` counted, `above` those above the
   * threshold, `starts` readings above it whose previous reading in the range was at or below it.
   */
  async powerTransitions(
    homeId: string,
    channelId: string,
    from: number,
    to: number,
    thresholdW: number,
  ): Promise<{ readings: number; above: number; starts: number }> {
    const series = [...(await this.seriesOf(homeId, [channelId])).keys()][0];
    if (series === undefined) return { readings: 0, above: 0, starts: 0 };
    const excluded = (await exclusionsOf(this.deps.db, [series], from, to)).get(series) ?? [];
    const result = await sql<{
      readings: number | string | null;
      above: number | string | null;
      starts: number | string | null;
    }>`
      select count(*) as readings,
        sum(case when v > ${thresholdW} then 1 else 0 end) as above,
        sum(case when v > ${thresholdW} and p <= ${thresholdW} then 1 else 0 end) as starts
      from (
        select value as v, lag(value) over (order by t) as p
        from readings where series = ${series} and t >= ${from} and t < ${to}${notExcludedSql(excluded)}
      ) w`.execute(this.deps.db);
    const row = result.rows[0];
    return {
      readings: Number(row?.readings ?? 0),
      above: Number(row?.above ?? 0),
      starts: Number(row?.starts ?? 0),
    };
  }

  /**
   * Registers' consumption split by a 0/1 flag (e.g. hot_water_mode), in the flag's **mixed** hours
   * of [from, to) only: hours with flag readings that do not read one value throughout them and the
   * hour before (the caller attributes those pure hours whole, from the rollups). One SQL pass: the
   * mixed hours from the flag's hourly rollups, then the raw readings of the registers and the flag
   * in those hours and the hour before each (so every reading has its predecessor), each register
   * rise over its previous reading (a fall counts 0) going to the flag's value in force at that
   * previous reading (the latest flag reading at or before it: a running count of flag readings
   * groups each with the register readings after it, window functions only, no self-join). A rise whose previous reading is
   * more than an hour before its own hour, or with no flag reading before it in the hours read, is
   * left out: it is attributed to neither value. Flag values ≥ 0.5 count as on.
   */
  async flagSplit(
    homeId: string,
    flagChannel: string,
    registerChannels: string[],
    from: number,
    to: number,
  ): Promise<Map<number, FlagSplit>> {
    const result = new Map<number, FlagSplit>();
    const series = await this.seriesOf(homeId, [flagChannel, ...registerChannels]);
    const flag = [...series].find(([, id]) => id === flagChannel)?.[0];
    const registers = [...series].filter(([, id]) => id !== flagChannel).map(([no]) => no);
    if (flag === undefined || registers.length === 0) return result;
    const all = sql.join([flag, ...registers].map((no) => sql`${no}`));
    // The hour before `from` is read too: the exclusions that meet it count.
    const excluded = await exclusionsOf(this.deps.db, [flag, ...registers], from - HOUR, to);
    // The hours drive the read (a primary key range per hour); SQLite's CROSS JOIN keeps that order,
    // where its planner would otherwise scan the readings and the hours within them.
    const outerFirst = sql.raw(isPostgres(this.deps.db) ? 'join' : 'cross join');
    const rows = await sql<{
      hour: number | string;
      series: number | string;
      mode: number | string | null;
      kwh: number | string | null;
    }>`
      with f as (
        select bucket, min, max,
          lag(bucket) over (order by bucket) as pb,
          lag(min) over (order by bucket) as pmin,
          lag(max) over (order by bucket) as pmax
        from rollups_hour where series = ${flag} and bucket >= ${from - HOUR} and bucket < ${to}
      ),
      mixed as materialized (
        select bucket from f
        where bucket >= ${from}
          and not (pb is not null and pb = bucket - ${HOUR} and min = max and pmin = min and pmax = min)
      ),
      need as materialized (
        select bucket as b from mixed union select bucket - ${HOUR} as b from mixed
      ),
      raw as (
        select r.series, r.t, r.value from need
        ${outerFirst} readings r on r.series in (${all}) and r.t >= need.b and r.t < need.b + ${HOUR}
        where 1 = 1${notExcludedBySeriesSql(excluded, 'r.series', 'r.t')}
      ),
      ordered as (
        select series, t, value,
          sum(case when series = ${flag} then 1 else 0 end) over (
            order by t, case when series = ${flag} then 0 else 1 end, series
            rows between unbounded preceding and current row) as g,
          lag(t) over (partition by series order by t) as pt,
          lag(value) over (partition by series order by t) as pv
        from raw
      ),
      carried as (
        select series, t, value, pt, pv,
          max(case when series = ${flag} then value end) over (partition by g) as fv
        from ordered
      ),
      rises as (
        select series, t, value, pt, pv, lag(fv) over (partition by series order by t) as pf
        from carried
      )
      select (t - t % ${HOUR}) as hour, series,
        case when pf >= 0.5 then 1 when pf is not null then 0 end as mode,
        sum(case when value > pv then value - pv else 0 end) as kwh
      from rises
      where series <> ${flag}
        and value between ${-STORED_LIMIT} and ${STORED_LIMIT} and pv between ${-STORED_LIMIT} and ${STORED_LIMIT}
        and pt >= (t - t % ${HOUR}) - ${HOUR}
        and (t - t % ${HOUR}) in (select bucket from mixed)
      group by 1, 2, 3`.execute(this.deps.db);
    for (const r of rows.rows) {
      if (r.mode === null) continue;
      const hour = Number(r.hour);
      const channelId = series.get(Number(r.series)) as string;
      const split: FlagSplit = result.get(hour) ?? new Map();
      result.set(hour, split);
      const entry = split.get(channelId) ?? { off: 0, on: 0 };
      split.set(channelId, entry);
      entry[Number(r.mode) === 1 ? 'on' : 'off'] += Number(r.kwh ?? 0);
    }
    return result;
  }

  /** Series numbers of a home's channels (those with readings), mapped to their channel ids. */
  private async seriesOf(homeId: string, channelIds: string[]): Promise<Map<number, string>> {
    const rows = await this.deps.db
      .selectFrom('channels as c')
      .innerJoin('telemetry_series as s', 's.channel_id', 'c.id')
      .select(['c.id', 's.no'])
      .where('c.home_id', '=', homeId)
      .where('c.id', 'in', channelIds)
      .execute();
    return new Map(rows.map((r) => [Number(r.no), r.id]));
  }

  /**
   * Each channel's newest reading that no exclusion covers, or with `includeExcluded` its newest
   * stored reading, marked `excluded` when one covers it.
   */
  async latest(scope: Scope, homeId: string, includeExcluded = false): Promise<LatestAnswer> {
    await this.deps.homes.requireVisible(scope, homeId);
    const rows = await this.deps.db
      .selectFrom('channels as c')
      .leftJoin('telemetry_series as s', 's.channel_id', 'c.id')
      .select(['c.id', 'c.meter_id', 'c.key', 'c.quantity', 'c.unit', 's.no', 's.last_t', 's.last_v'])
      .where('c.home_id', '=', homeId)
      .orderBy('c.meter_id')
      .orderBy('c.key')
      .execute();
    const exclusions = await exclusionsOf(
      this.deps.db,
      rows.flatMap((r) => (r.no === null ? [] : [r.no])),
    );
    const channels: LatestAnswer['channels'] = [];
    for (const r of rows) {
      let last = r.last_t === null ? null : { t: Number(r.last_t), v: r.last_v as number };
      const intervals = r.no === null ? [] : (exclusions.get(r.no) ?? []);
      const covered = last !== null && covering(intervals, last.t) !== undefined;
      if (covered && !includeExcluded) {
        const found = await this.deps.db
          .selectFrom('readings')
          .select(['t', 'value'])
          .where('series', '=', r.no as number)
          .where(sql<boolean>`1 = 1${notExcludedSql(intervals)}`)
          .orderBy('t', 'desc')
          .limit(1)
          .executeTakeFirst();
        last = found ? { t: Number(found.t), v: found.value } : null;
      }
      channels.push({
        channelId: r.id,
        meterId: r.meter_id,
        key: r.key,
        quantity: r.quantity,
        unit: r.unit,
        time: last === null ? null : isoTime(last.t),
        value: last === null ? null : last.v,
        ...(covered && includeExcluded ? { excluded: true } : {}),
      });
    }
    return { homeId, channels };
  }

  /**
   * The state and newest reading of the meters of many homes (already checked visible), by the
   * same rule as meterStatuses, in grouped queries per chunk of homes (no completeness): for the
   * fleet table.
   */
  async meterStates(
    homes: { homeId: string; meters: MeterForStatus[] }[],
  ): Promise<Map<string, { state: MeterStatus['state']; lastT: number | null }>> {
    const now = this.now();
    const { db } = this.deps;
    const lastOf = new Map<string, number>();
    const amrIntervalOf = new Map<string, number>();
    for (let i = 0; i < homes.length; i += TOTALS_CHUNK) {
      const chunk = homes.slice(i, i + TOTALS_CHUNK);
      const ids = chunk.map((h) => h.homeId);
      const polled = chunk
        .filter((h) => h.meters.some((m) => m.reading.method === 'poll'))
        .map((h) => h.homeId);
      const [rows, amrIntervals] = await Promise.all([
        db
          .selectFrom('channels as c')
          .innerJoin('telemetry_series as s', 's.channel_id', 'c.id')
          .select((eb) => ['c.meter_id', eb.fn.max('s.last_t').as('last_t')])
          .where('c.home_id', 'in', ids)
          .groupBy('c.meter_id')
          .execute(),
        this.deps.provisioning.amrIntervalSettings(polled),
      ]);
      for (const r of rows) if (r.last_t !== null) lastOf.set(r.meter_id, Number(r.last_t));
      for (const [homeId, interval] of amrIntervals) amrIntervalOf.set(homeId, interval);
    }
    const result = new Map<string, { state: MeterStatus['state']; lastT: number | null }>();
    for (const { homeId, meters } of homes) {
      for (const meter of meters) {
        const amrInterval = amrIntervalOf.get(homeId);
        const interval =
          meter.reading.method === 'poll' && amrInterval ? amrInterval : meter.reading.intervalSeconds;
        const lastT = lastOf.get(meter.id);
        result.set(meter.id, { state: meterState(lastT ?? -Infinity, interval, now), lastT: lastT ?? null });
      }
    }
    return result;
  }

  /**
   * Each meter's state from its newest reading and expected interval, and its completeness over
   * the last 7 local days (readings received per channel against the interval's expectation).
   */
  async meterStatuses(
    homeId: string,
    agentId: string,
    meters: MeterForStatus[],
    collection: MeterCollection,
    db: Kysely<DB> = this.deps.db,
  ): Promise<Map<string, MeterStatus>> {
    const now = this.now();
    const calendar = await this.calendarOfAgent(agentId, db);
    const series = await db
      .selectFrom('channels as c')
      .innerJoin('telemetry_series as s', 's.channel_id', 'c.id')
      .select(['c.meter_id', 's.no', 's.first_t', 's.last_t'])
      .where('c.home_id', '=', homeId)
      .execute();
    const { polls, amrIntervalSeconds: amrInterval } = collection;
    const days: number[] = [];
    let day = calendar.dayOf(now);
    for (let k = 0; k < 7; k++) {
      days.unshift(day);
      day = hourOf(
        DateTime.fromMillis(day, { zone: calendar.zone }).minus({ days: 1 }).startOf('day').toMillis(),
      );
    }
    const nos = series.map((s) => s.no);
    const counts =
      nos.length === 0
        ? []
        : await db
            .selectFrom('rollups_day')
            .select(['series', 'bucket', 'count'])
            .where('series', 'in', nos)
            .where('bucket', '>=', days[0] as number)
            .execute();
    const result = new Map<string, MeterStatus>();
    for (const meter of meters) {
      const interval =
        meter.reading.method === 'poll' && amrInterval ? amrInterval : meter.reading.intervalSeconds;
      const mine = series.filter((s) => s.meter_id === meter.id);
      const lastT = Math.max(...mine.map((s) => (s.last_t === null ? -Infinity : Number(s.last_t))));
      const firstT = Math.min(...mine.map((s) => (s.first_t === null ? Infinity : Number(s.first_t))));
      const since = Math.min(meter.createdAt, firstT);
      const state = meterState(lastT, interval, now);
      const completeness = days.map((dayStart) => {
        // Readings expected on the interval grid: [start, next day), or [start, now] for today (a
        // reading stamped this very minute counts, so today's count may include its last slot).
        const step = interval * 1000;
        const from = Math.max(dayStart, since);
        const nextDay = calendar.nextDay(dayStart);
        const slots =
          nextDay <= now
            ? Math.ceil(nextDay / step) - Math.ceil(from / step)
            : Math.floor(now / step) - Math.ceil(from / step) + 1;
        const expected = Math.max(0, slots);
        const received = Math.max(
          0,
          ...counts
            .filter((c) => c.bucket === dayStart && mine.some((s) => s.no === c.series))
            .map((c) => c.count),
        );
        const percent =
          expected === 0 ? (received > 0 ? 100 : 0) : Math.min(100, (received / expected) * 100);
        return { date: calendar.date(dayStart), expected, received, percent: Math.round(percent * 10) / 10 };
      });
      const poll = polls.get(meter.id);
      result.set(meter.id, {
        state,
        lastReadingAt: Number.isFinite(lastT) ? isoTime(lastT) : null,
        expectedIntervalSeconds: interval,
        completeness,
        ...(meter.reading.method === 'poll'
          ? { poll: poll ?? { lastAttemptAt: null, lastSuccessAt: null, failures: 0, lastError: null } }
          : {}),
      });
    }
    return result;
  }
}

/** A meter's state from its newest reading (-Infinity: none) and expected interval in seconds. */
export function meterState(lastT: number, intervalSeconds: number, now: number): MeterStatus['state'] {
  const age = now - lastT;
  return !Number.isFinite(lastT)
    ? 'never_seen'
    : age <= 3 * intervalSeconds * 1000
      ? 'online'
      : age <= 12 * intervalSeconds * 1000
        ? 'late'
        : 'offline';
}

function pointValue(b: Aggregate, agg: Aggregation): number {
  switch (agg) {
    case 'avg':
      return b.sum / b.count;
    case 'min':
      return b.min;
    case 'max':
      return b.max;
    case 'sum':
      return b.sum;
    case 'last':
      return b.last_v;
    case 'delta':
      return b.delta;
  }
}

/** `points`: the estimate for bucketed queries; raw queries only know they passed the limit. */
function tooMany(points: number | undefined, cap: number): ApiError {
  return new ApiError(
    'too_many_points',
    `${points === undefined ? 'This query has more readings than' : `This query would answer up to ${points} points, more than`} ` +
      `the limit of ${cap} points: choose a coarser resolution, fewer channels or a shorter range (split an export into shorter ranges)`,
  );
}
