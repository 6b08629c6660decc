import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { type Calendar, calendarFor } from '../analytics/buckets.js';
import type { Scope } from '../auth/index.js';
import type { Database } from '../db/database.js';
import { isPostgres } from '../db/dialect.js';
import type { DB } from '../db/schema.js';
import type { Events } from '../events.js';
import { type HomeRecords, meterMeasures, monitoredFromRow, ratedCapacityKw } from '../homes/index.js';
import { ApiError } from '../http/errors.js';
import { checkValue, type Limits, limitsFor } from './plausibility.js';
import { type RowOutcome, type StoreRow, type WriteSession, writeBatch } from './store.js';
import { Partitions, PostgresWriteSession } from './store-postgres.js';
import { SqliteWriteSession } from './store-sqlite.js';
import {
  FUTURE_TOLERANCE_MS,
  type IncomingReading,
  type IngestResult,
  type Refusal,
  type Writer,
} from './types.js';

/** What a write needs to know about a channel: whose it is, since when it may hold readings. */
interface ChannelFacts {
  id: string;
  homeId: string;
  agentId: string;
  homeActive: boolean;
  amrCollecting: boolean;
  /** Readings before this (the installation's commissioning day, or the channel's creation) are refused. */
  since: number;
  calendar: Calendar;
  series: number | null;
  /** The channel's quantity (orders/schemas.ts QUANTITY_UNITS): a `state` is a 0/1 flag. */
  quantity: string;
  /** What its readings can physically be (plausibility.ts). */
  limits: Limits;
}

interface Queued {
  rows: StoreRow[];
  resolve: (outcomes: RowOutcome[]) => void;
  reject: (err: unknown) => void;
}

/** Rows per transaction at most: requests queue while one commits, and share the next commit. */
const MAX_BATCH_ROWS = 50_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TelemetryDeps {
  database: Database;
  homes: HomeRecords;
  now?: () => number;
  /** told after a commit which homes gained readings ('readings.stored': fault evaluation) */
  events?: Events | undefined;
}

/**
 * The telemetry store's front door: every reading — pushed, published over MQTT or polled —
 * passes `accept`, which checks it against the writer and the channel, then commits it with other
 * requests' readings in one transaction (group commit). A promise resolves only once the commit is
 * durable: acknowledged means stored.
 */
export class TelemetryService {
  private readonly queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private readonly partitions: Partitions | undefined;
  private readonly sqliteSession: SqliteWriteSession | undefined;
  private readonly seriesOfChannel = new Map<string, number>();

  constructor(private readonly deps: TelemetryDeps) {
    const { database } = deps;
    if (isPostgres(database.db)) this.partitions = new Partitions(database.db);
    else this.sqliteSession = new SqliteWriteSession(database.sqlite as SqliteDatabase.Database);
  }

  private get db(): Kysely<DB> {
    return this.deps.database.db;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async accept(writer: Writer, readings: IncomingReading[]): Promise<IngestResult> {
    const refused: Refusal[] = [];
    const refuse = (index: number, channelId: string, reason: Refusal['reason'], detail: string) =>
      refused.push({ index, channelId: String(channelId), reason, detail });
    const ids = [...new Set(readings.map((r) => r.channelId).filter((id) => UUID.test(id)))];
    const facts = await this.channelFacts(ids);
    const writable = await this.writableHomes(writer, facts);
    const now = this.now();
    const rows: StoreRow[] = [];
    const indexes: number[] = [];
    readings.forEach((reading, index) => {
      const channel = facts.get(reading.channelId);
      if (!channel || writable.get(channel.homeId) === 'invisible') {
        refuse(index, reading.channelId, 'unknown_channel', 'No such channel');
        return;
      }
      if (writable.get(channel.homeId) === 'other-home') {
        refuse(
          index,
          reading.channelId,
          'channel_not_writable',
          "The channel is not one of this gateway's home",
        );
        return;
      }
      if (writer.kind !== 'user' && !(channel.homeActive && channel.amrCollecting)) {
        refuse(
          index,
          reading.channelId,
          'not_collecting',
          channel.homeActive
            ? "The home's amr service is suspended or not provisioned"
            : 'The home is decommissioned',
        );
        return;
      }
      const t = typeof reading.time === 'number' ? reading.time : parseTime(reading.time);
      if (t === undefined || !Number.isSafeInteger(t)) {
        refuse(
          index,
          reading.channelId,
          'time_invalid',
          'time must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T12:00:00Z',
        );
        return;
      }
      if (t > now + FUTURE_TOLERANCE_MS) {
        refuse(
          index,
          reading.channelId,
          'time_in_future',
          'time is more than 5 minutes ahead of the server clock',
        );
        return;
      }
      if (t < channel.since) {
        refuse(
          index,
          reading.channelId,
          'before_channel',
          `time is before the channel existed (${new Date(channel.since).toISOString()})`,
        );
        return;
      }
      if (typeof reading.value !== 'number' || !Number.isFinite(reading.value)) {
        refuse(index, reading.channelId, 'value_not_finite', 'value must be a finite number');
        return;
      }
      if (channel.quantity === 'state' && reading.value !== 0 && reading.value !== 1) {
        refuse(
          index,
          reading.channelId,
          'value_out_of_range',
          'value must be 0 or 1: the channel is a state flag (quantity state)',
        );
        return;
      }
      const implausible = checkValue(channel.limits, reading.value);
      if (implausible) {
        refuse(index, reading.channelId, implausible.reason, implausible.detail);
        return;
      }
      rows.push({
        series: 0,
        t,
        v: reading.value,
        calendar: channel.calendar,
        register: channel.limits.register,
      });
      indexes.push(index);
    });
    if (rows.length > 0) {
      const series = await this.ensureSeries(
        facts,
        indexes.map((i) => (readings[i] as IncomingReading).channelId),
      );
      rows.forEach((row, k) => {
        row.series = series[k] as number;
      });
    }
    const outcomes = rows.length > 0 ? await this.enqueue(rows) : [];
    let stored = 0;
    let duplicates = 0;
    const homesStored = new Set<string>();
    outcomes.forEach((outcome, k) => {
      if (typeof outcome === 'object') {
        const index = indexes[k] as number;
        refuse(index, (readings[index] as IncomingReading).channelId, outcome.reason, outcome.detail);
      } else if (outcome === 'stored') {
        stored++;
        const channelId = (readings[indexes[k] as number] as IncomingReading).channelId;
        homesStored.add((facts.get(channelId) as ChannelFacts).homeId);
      } else if (outcome === 'duplicate') duplicates++;
      else {
        const index = indexes[k] as number;
        refuse(
          index,
          (readings[index] as IncomingReading).channelId,
          'conflicting_value',
          'A different value is already stored for this channel and time; stored readings are not overwritten',
        );
      }
    });
    refused.sort((a, b) => a.index - b.index);
    if (homesStored.size > 0) await this.deps.events?.emit('readings.stored', { homeIds: [...homesStored] });
    return { received: readings.length, stored, duplicates, refused };
  }

  /** The channels named, with what a write must check; unknown ids are absent. */
  private async channelFacts(ids: string[]): Promise<Map<string, ChannelFacts>> {
    const facts = new Map<string, ChannelFacts>();
    if (ids.length === 0) return facts;
    const rows = await this.db
      .selectFrom('channels as c')
      .innerJoin('homes as h', 'h.id', 'c.home_id')
      .innerJoin('agents as a', 'a.id', 'h.agent_id')
      .leftJoin('provisioning as p', (join) =>
        join.onRef('p.home_id', '=', 'c.home_id').on('p.service', '=', 'amr'),
      )
      .innerJoin('meters as m', 'm.id', 'c.meter_id')
      .leftJoin('telemetry_series as s', 's.channel_id', 'c.id')
      .select([
        'c.id',
        'c.home_id',
        'c.created_at',
        'c.quantity',
        'c.kind',
        'm.kind as meter_kind',
        'm.settings as meter_settings',
        'h.agent_id',
        'h.status as home_status',
        'h.installation',
        'p.status as amr_status',
        'a.time_zone',
        's.no',
      ])
      .where('c.id', 'in', ids)
      .execute();
    for (const row of rows) {
      const calendar = calendarFor(row.time_zone);
      facts.set(row.id, {
        id: row.id,
        homeId: row.home_id,
        agentId: row.agent_id,
        homeActive: row.home_status === 'active',
        amrCollecting: row.amr_status === 'active' || row.amr_status === 'pending',
        since: monitoredFromRow(row, calendar),
        calendar,
        series: row.no,
        quantity: row.quantity,
        limits: limitsFor({
          quantity: row.quantity,
          kind: row.kind,
          meterKind: row.meter_kind,
          measures: meterMeasures(row.meter_settings),
          ratedCapacityKw: ratedCapacityKw(row),
        }),
      });
    }
    return facts;
  }

  /** For each home the channels belong to: may this writer write there? */
  private async writableHomes(
    writer: Writer,
    facts: Map<string, ChannelFacts>,
  ): Promise<Map<string, 'yes' | 'other-home' | 'invisible'>> {
    const homes = new Map<string, { agentId: string }>();
    for (const f of facts.values()) homes.set(f.homeId, { agentId: f.agentId });
    const result = new Map<string, 'yes' | 'other-home' | 'invisible'>();
    for (const [homeId, { agentId }] of homes) {
      if (writer.kind === 'gateway' || writer.kind === 'poller') {
        const sameAgent = writer.kind === 'poller' || writer.agentId === agentId;
        result.set(homeId, homeId === writer.homeId ? 'yes' : sameAgent ? 'other-home' : 'invisible');
      } else {
        result.set(homeId, (await this.visible(writer.scope, homeId)) ? 'yes' : 'invisible');
      }
    }
    return result;
  }

  private async visible(scope: Scope, homeId: string): Promise<boolean> {
    try {
      await this.deps.homes.requireVisible(scope, homeId);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'not_found') return false;
      throw err;
    }
  }

  /** The series number of each channel (in order), creating series on a channel's first reading. */
  private async ensureSeries(facts: Map<string, ChannelFacts>, channelIds: string[]): Promise<number[]> {
    const missing = [...new Set(channelIds)].filter((id) => {
      const known = this.seriesOfChannel.get(id) ?? facts.get(id)?.series ?? null;
      if (known !== null) this.seriesOfChannel.set(id, known);
      return known === null;
    });
    if (missing.length > 0) {
      await this.db
        .insertInto('telemetry_series')
        .values(missing.map((id) => ({ channel_id: id, home_id: (facts.get(id) as ChannelFacts).homeId })))
        .onConflict((oc) => oc.column('channel_id').doNothing())
        .execute();
      const rows = await this.db
        .selectFrom('telemetry_series')
        .select(['no', 'channel_id'])
        .where('channel_id', 'in', missing)
        .execute();
      for (const row of rows) this.seriesOfChannel.set(row.channel_id, row.no);
    }
    return channelIds.map((id) => this.seriesOfChannel.get(id) as number);
  }

  /** Queues rows for the next commit; resolves once they are durably stored. */
  private enqueue(rows: StoreRow[]): Promise<RowOutcome[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      if (!this.flushing) {
        this.flushing = this.flush().finally(() => {
          this.flushing = undefined;
        });
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch: Queued[] = [];
      let size = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 || size + (this.queue[0] as Queued).rows.length <= MAX_BATCH_ROWS)
      ) {
        const next = this.queue.shift() as Queued;
        batch.push(next);
        size += next.rows.length;
      }
      const rows = batch.flatMap((q) => q.rows);
      try {
        const outcomes = await this.write(rows);
        let offset = 0;
        for (const q of batch) {
          q.resolve(outcomes.slice(offset, offset + q.rows.length));
          offset += q.rows.length;
        }
      } catch (err) {
        for (const q of batch) q.reject(err);
      }
    }
  }

  private async write(rows: StoreRow[]): Promise<RowOutcome[]> {
    const session = this.sqliteSession;
    if (session) {
      // Holding Kysely's connection keeps every other statement off it while the batch runs.
      return this.db.connection().execute(async () => {
        session.begin();
        try {
          const outcomes = await writeBatch(session, rows);
          session.commit();
          return outcomes;
        } catch (err) {
          session.rollback();
          throw err;
        }
      });
    }
    await this.partitions?.ensure(rows.map((r) => r.t));
    return this.db.transaction().execute((trx) => writeBatch(new PostgresWriteSession(trx), rows));
  }

  /**
   * Runs `work` in one write transaction of the store, serialised with ingest's batches (SQLite:
   * the connection and BEGIN IMMEDIATE; PostgreSQL: the series row locks `work` takes with
   * lockSeries). `db` runs Kysely queries in the same transaction (an audit record, say).
   */
  async inWriteTransaction<T>(work: (session: WriteSession, db: Kysely<DB>) => Promise<T>): Promise<T> {
    const session = this.sqliteSession;
    if (session) {
      return this.db.connection().execute(async (connection) => {
        session.begin();
        try {
          const result = await work(session, connection);
          session.commit();
          return result;
        } catch (err) {
          session.rollback();
          throw err;
        }
      });
    }
    return this.db.transaction().execute((trx) => work(new PostgresWriteSession(trx), trx));
  }

  /** The series number of a channel of a home, made if the channel has no readings yet. */
  async seriesOf(channelId: string, homeId: string): Promise<number> {
    const known = this.seriesOfChannel.get(channelId);
    if (known !== undefined) return known;
    await this.db
      .insertInto('telemetry_series')
      .values({ channel_id: channelId, home_id: homeId })
      .onConflict((oc) => oc.column('channel_id').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('telemetry_series')
      .select('no')
      .where('channel_id', '=', channelId)
      .executeTakeFirstOrThrow();
    this.seriesOfChannel.set(channelId, row.no);
    return row.no;
  }

  /** Tells whoever listens that a home's data changed (fault evaluation: judge it again soon). */
  async dataChanged(homeId: string): Promise<void> {
    await this.deps.events?.emit('readings.stored', { homeIds: [homeId] });
  }

  /** Waits for queued readings to be committed (shutdown). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}

/** Epoch ms of an RFC 3339 date-time (offset required), or undefined. */
export function parseTime(text: string): number | undefined {
  // Hand-parsed: this runs for every reading, and Date.parse plus a regex cost more than the insert.
  const n = text.length;
  if (n < 20 || n > 40) return undefined;
  const sep = text[10];
  if (text[4] !== '-' || text[7] !== '-' || (sep !== 'T' && sep !== 't' && sep !== ' ')) return undefined;
  if (text[13] !== ':' || text[16] !== ':') return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  // A date that does not exist (2026-02-30) is refused, not rolled over into March.
  if (day > (DAYS_IN_MONTH[month] as number) || (month === 2 && day === 29 && !leap(year))) {
    return undefined;
  }
  let i = 19;
  let ms = 0;
  if (text[i] === '.') {
    const start = ++i;
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    const count = i - start;
    if (count === 0 || count > 9) return undefined;
    ms = digitsAt(text, start, Math.min(count, 3)) * 10 ** (3 - Math.min(count, 3));
  }
  let offset = 0;
  const zone = text[i];
  if (zone === 'Z' || zone === 'z') {
    if (i + 1 !== n) return undefined;
  } else if (zone === '+' || zone === '-') {
    if (i + 6 !== n || text[i + 3] !== ':') return undefined;
    const oh = digitsAt(text, i + 1, 2);
    const om = digitsAt(text, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = (zone === '+' ? 1 : -1) * (oh * 60 + om) * 60_000;
  } else return undefined;
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  return date.getTime() - offset;
}

/** The decimal number in text[from, from + count), or -1 if a character is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/** Days of each month (index 1–12), February as in a leap year; `leap` settles the 29th. */
const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const leap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
