import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AgentsService } from '../agents/index.js';
import { calendarFor } from '../analytics/buckets.js';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTime } from '../db/time.js';
import type { Home, HomeRecords } from '../homes/index.js';
import { ApiError, type FieldProblem } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { ExclusionRow, ExclusionsRepository } from './exclusions-repository.js';
import type { CreateExclusionInput, ExclusionView } from './schemas.js';
import { parseTime, type TelemetryService } from './service.js';
import { recomputeSpan } from './store.js';

const DAY = 24 * 3_600_000;
/** How far ahead an exclusion may reach: readings still to come, e.g. of a sensor awaiting repair. */
export const MAX_AHEAD_MS = 366 * DAY;
/** Exclusions per channel at most: each is a range every read of the channel's raw readings checks. */
export const MAX_EXCLUSIONS_PER_CHANNEL = 200;

export interface ExclusionsDeps {
  db: Kysely<DB>;
  homes: HomeRecords;
  /** the agent's time zone, which an exclusion's local dates are read in */
  agents: Pick<AgentsService, 'timeZoneOf'>;
  telemetry: TelemetryService;
  audit: AuditService;
  now?: () => number;
}

/**
 * Exclusions of readings (docs/telemetry.md, "Excluding readings"): a channel's readings over
 * [from, to) stay stored but leave the rollups, queries, analytics and fault rules while an
 * exclusion covers them. Making or removing one recomputes the buckets it touches from raw, in the
 * store's write transaction (serialised with ingest), with its audit record.
 */
export class ExclusionsService {
  constructor(
    private readonly repo: ExclusionsRepository,
    private readonly deps: ExclusionsDeps,
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async list(
    scope: Scope,
    homeId: string,
    filter: { channelId?: string; after?: string; limit: number },
  ): Promise<ExclusionView[]> {
    const home = await this.deps.homes.requireVisible(scope, homeId);
    const channels = await this.channelsOf(home.id);
    return (await this.repo.list(home.id, filter)).map((row) => toView(row, channels));
  }

  async get(scope: Scope, homeId: string, id: string): Promise<Versioned<ExclusionView>> {
    const home = await this.deps.homes.requireVisible(scope, homeId);
    const row = await this.repo.find(home.id, id);
    if (!row) throw new ApiError('not_found', `No exclusion ${id} on home ${home.id}`);
    return { view: toView(row, await this.channelsOf(home.id)), revision: row.revision };
  }

  /**
   * Excludes a channel's readings over [from, to). The same channel and range again is the same
   * exclusion (a retried request): `created` false, nothing changes; with another reason, 409.
   */
  async create(
    actor: Actor,
    homeId: string,
    input: CreateExclusionInput,
  ): Promise<Versioned<ExclusionView> & { created: boolean }> {
    const home = await this.deps.homes.requireVisible(actor.scope, homeId);
    const { from, to, reason } = this.validate(input);
    const channels = await this.channelsOf(home.id);
    const channel = channels.get(input.channelId);
    if (!channel) {
      throw new ApiError('validation_failed', `${input.channelId} is not a channel of this home`, {
        errors: [{ field: '/body/channelId', message: 'is not a channel of this home' }],
      });
    }
    const calendar = await this.calendarOf(home);
    const { telemetry } = this.deps;
    const series = await telemetry.seriesOf(channel.id, home.id);
    const id = uuidv7();
    const result = await telemetry.inWriteTransaction(async (session, db) => {
      await session.lockSeries([series]);
      const same = await this.repo.same(channel.id, from, to, db);
      if (same) {
        if (same.reason !== reason) {
          throw new ApiError(
            'conflict',
            `Exclusion ${same.id} already covers this channel from ${isoTime(from)} to ${isoTime(to)}, ` +
              'with another reason: remove it first to give a new one',
            { existingId: same.id },
          );
        }
        return { row: same, created: false };
      }
      if ((await this.repo.countForChannel(channel.id, db)) >= MAX_EXCLUSIONS_PER_CHANNEL) {
        throw new ApiError(
          'unprocessable',
          `The channel has ${MAX_EXCLUSIONS_PER_CHANNEL} exclusions, the most it may have: remove some, or replace several with one over their whole range`,
        );
      }
      const row = {
        id,
        home_id: home.id,
        channel_id: channel.id,
        series,
        from_t: from,
        to_t: to,
        reason,
        created_by: actor.scope.userId,
        created_by_username: actor.scope.username,
        created_at: this.now(),
        revision: 1,
      };
      await this.repo.insert(row, db);
      const intervals = (await session.exclusions([series])).get(series) ?? [];
      await recomputeSpan(session, series, calendar, from, to, intervals);
      await this.deps.audit.record(db, actor, {
        agentId: home.agentId,
        action: 'telemetry_exclusion.created',
        targetType: 'telemetry_exclusion',
        targetId: id,
        details: {
          homeId: home.id,
          channelId: channel.id,
          key: channel.key,
          from: isoTime(from),
          to: isoTime(to),
          reason,
        },
      });
      return { row, created: true };
    });
    if (result.created) await telemetry.dataChanged(home.id);
    return { view: toView(result.row, channels), revision: result.row.revision, created: result.created };
  }

  /** Removes an exclusion: its readings count again, the buckets it touched are recomputed. */
  async delete(actor: Actor, homeId: string, id: string, ifMatch?: string): Promise<void> {
    const home = await this.deps.homes.requireVisible(actor.scope, homeId);
    const found = await this.repo.find(home.id, id);
    if (!found) throw new ApiError('not_found', `No exclusion ${id} on home ${home.id}`);
    checkIfMatch(ifMatch, found.revision);
    const channel = (await this.channelsOf(home.id)).get(found.channel_id);
    const calendar = await this.calendarOf(home);
    const { telemetry } = this.deps;
    const series = Number(found.series);
    await telemetry.inWriteTransaction(async (session, db) => {
      await session.lockSeries([series]);
      // Removed meanwhile by another request: the same answer as if it had gone before.
      if (!(await this.repo.delete(found.id, db))) {
        throw new ApiError('not_found', `No exclusion ${id} on home ${home.id}`);
      }
      const intervals = (await session.exclusions([series])).get(series) ?? [];
      await recomputeSpan(session, series, calendar, Number(found.from_t), Number(found.to_t), intervals);
      await this.deps.audit.record(db, actor, {
        agentId: home.agentId,
        action: 'telemetry_exclusion.deleted',
        targetType: 'telemetry_exclusion',
        targetId: found.id,
        details: {
          homeId: home.id,
          channelId: found.channel_id,
          key: channel?.key ?? null,
          from: isoTime(Number(found.from_t)),
          to: isoTime(Number(found.to_t)),
          reason: found.reason,
        },
      });
    });
    await telemetry.dataChanged(home.id);
  }

  /** The range and reason, or a 400 naming every field that is wrong. */
  private validate(input: CreateExclusionInput): { from: number; to: number; reason: string } {
    const problems: FieldProblem[] = [];
    const from = parseTime(input.from);
    const to = parseTime(input.to);
    const rfc = 'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T12:00:00Z';
    if (from === undefined) problems.push({ field: '/body/from', message: rfc });
    if (to === undefined) problems.push({ field: '/body/to', message: rfc });
    if (from !== undefined && to !== undefined) {
      if (!(from < to)) problems.push({ field: '/body/to', message: 'must be after from' });
      else if (to > this.now() + MAX_AHEAD_MS) {
        problems.push({ field: '/body/to', message: 'may be at most one year ahead of the server clock' });
      }
    }
    if (from !== undefined && from < 0)
      problems.push({ field: '/body/from', message: 'must be 1970 or later' });
    const reason = input.reason.trim();
    if (reason.length === 0)
      problems.push({ field: '/body/reason', message: 'must say why, not only spaces' });
    if (problems.length > 0) {
      throw new ApiError(
        'validation_failed',
        problems.map((p) => `${p.field.slice(6)} ${p.message}`).join('; '),
        {
          errors: problems,
        },
      );
    }
    return { from: from as number, to: to as number, reason };
  }

  /** The home's channels by id: an exclusion names one, and its view shows its key and meter. */
  private async channelsOf(homeId: string): Promise<ChannelsById> {
    const channels = await this.deps.homes.channelsOf(homeId);
    return new Map(channels.map((c) => [c.id, c]));
  }

  private async calendarOf(home: Home) {
    return calendarFor(await this.deps.agents.timeZoneOf(home.agentId));
  }
}

type ChannelsById = Map<string, { id: string; key: string; meterId: string }>;

function toView(row: ExclusionRow, channels: ChannelsById): ExclusionView {
  // Channels are never deleted, and an exclusion would go with its channel (ON DELETE CASCADE).
  const channel = channels.get(row.channel_id) as { key: string; meterId: string };
  return {
    id: row.id,
    homeId: row.home_id,
    channelId: row.channel_id,
    meterId: channel.meterId,
    key: channel.key,
    from: isoTime(Number(row.from_t)),
    to: isoTime(Number(row.to_t)),
    reason: row.reason,
    createdAt: isoTime(Number(row.created_at)),
    createdBy:
      row.created_by && row.created_by_username
        ? { id: row.created_by, username: row.created_by_username }
        : null,
  };
}
