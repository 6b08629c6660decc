import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AgentsService } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTime, isoTimeOrNull } from '../db/time.js';
import type { Events } from '../events.js';
import type { HomeGroupsService } from '../home-groups/index.js';
import { ApiError, type FieldProblem } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import {
  installationProblems,
  meterProblems,
  normalisePostcode,
  propertyProblems,
  resolveChannels,
} from './completeness.js';
import type { HomeDescription, Installation, MeterSpec, Property } from './description.js';
import type { MeterCollection, MeterForStatus, MeterStatus, PollHealth } from './meter-status.js';
import type {
  ChannelRow,
  HomeFilter,
  HomeIdsQuery,
  HomeRow,
  HomesRepository,
  MeterRow,
} from './repository.js';
import type { HomeSummary, HomeView, MeterView, RegionInUse, UpdateHomeInput } from './schemas.js';

/** What homes asks of provisioning: the definitions shown with a home, the amr interval, suspension. */
export interface HomeProvisioning {
  summaries(homeId: string, trx?: Kysely<DB>): Promise<{ id: string; service: string; status: string }[]>;
  amrInterval(homeId: string, trx?: Kysely<DB>): Promise<number>;
  amrIntervalSetting(homeId: string, trx?: Kysely<DB>): Promise<number | undefined>;
  suspendAll(homeId: string, now: number, trx: Kysely<DB>): Promise<void>;
}

export interface HomesDeps {
  db: Kysely<DB>;
  audit: AuditService;
  /** the agent's default region (agents owns it) */
  agents: Pick<AgentsService, 'defaultRegionOf'>;
  /** the home's service definitions, shown in its view and suspended with it */
  provisioning: HomeProvisioning;
  /** tells the features above that an occupant was erased ('home.occupant_erased': orders keep a copy) */
  events: Events;
  /** the home's groups (home-groups owns them): shown in its view, checked and set on an edit */
  groups: Pick<HomeGroupsService, 'allExist' | 'groupsOfHome' | 'setHomeGroups'>;
  /** Each meter's collection status (telemetry/query.ts), shown with the meters. */
  meterStatuses: (
    homeId: string,
    agentId: string,
    meters: MeterForStatus[],
    collection: MeterCollection,
    trx?: Kysely<DB>,
  ) => Promise<Map<string, MeterStatus>>;
  /** The poll health of polled meters (amr keeps it), for their status. */
  pollHealth: (meterIds: string[], trx?: Kysely<DB>) => Promise<Map<string, PollHealth>>;
  /** The ids of homes with an active alarm (faults owns alarms), for the list's hasActiveAlarms. */
  alarmedHomes: HomeIdsQuery;
  /** The region of a home that names none (HEARTH_DEFAULT_REGION). */
  defaultRegion: string;
}

const DEFAULT_INTERVAL = 60;

/**
 * A home as the features above homes see it: its stored documents parsed here, where they are
 * stored, and no occupant (personal data stays in the home's own view).
 */
export interface Home {
  id: string;
  agentId: string;
  orderId: string;
  reference: string;
  status: HomeRow['status'];
  technology: string | null;
  /** the property's address (lines, town, postcode, country, UPRN, coordinates) */
  address: Property;
  installation: Installation;
  /** the region the home names; null: its agent's default or the platform's (regionOf) */
  region: string | null;
  createdAt: number;
}

/** What a league table across homes reads of each. */
export type HomeBasics = Pick<Home, 'id' | 'agentId' | 'reference' | 'technology' | 'installation'>;

export function homeOf(row: HomeRow): Home {
  return {
    id: row.id,
    agentId: row.agent_id,
    orderId: row.order_id,
    reference: row.reference,
    status: row.status,
    technology: row.technology,
    address: JSON.parse(row.address) as Property,
    installation: JSON.parse(row.installation) as Installation,
    region: row.region,
    createdAt: Number(row.created_at),
  };
}

/** A home as the fleet table reads it: what a row shows and `q` searches, and its meters. */
export interface FleetHome {
  id: string;
  agentId: string;
  reference: string;
  status: HomeRow['status'];
  postcode: string | null;
  town: string | null;
  /** the address lines joined by spaces */
  street: string;
  technology: string | null;
  manufacturer: string | null;
  model: string | null;
  meters: MeterForStatus[];
}

/** Occupant details are personal data: only the roles that contact occupants see them. */
// A read_write integration client works as an editor does (a partner's system sends and corrects the
// orders it places), so it sees what it writes; a read client, like a viewer, does not.
export const seesOccupant = (scope: Scope) =>
  scope.role === 'admin' || scope.role === 'editor' || scope.role === 'integration_read_write';

/** The URL of a meter read by poll, or undefined for any other meter. */
function pollUrl(settings: string): string | undefined {
  try {
    const reading = (JSON.parse(settings) as { reading?: { method?: unknown; url?: unknown } }).reading;
    return reading?.method === 'poll' && typeof reading.url === 'string' && reading.url !== ''
      ? reading.url
      : undefined;
  } catch {
    return undefined;
  }
}

function meterView(meter: MeterRow, channels: ChannelRow[], status?: MeterStatus): MeterView {
  const settings = JSON.parse(meter.settings) as {
    reading: MeterView['reading'];
    location?: string;
    measures?: string;
  };
  return {
    id: meter.id,
    serial: meter.serial,
    kind: meter.kind,
    reading: settings.reading.url
      ? { ...settings.reading, url: withoutPassword(settings.reading.url) }
      : settings.reading,
    ...(settings.location ? { location: settings.location } : {}),
    ...(settings.measures ? { measures: settings.measures } : {}),
    channels: channels
      .filter((c) => c.meter_id === meter.id)
      .map((c) => ({ id: c.id, key: c.key, quantity: c.quantity, unit: c.unit, kind: c.kind })),
    ...(status ? { status } : {}),
  };
}

/** A meter URL as users see it: a password in it (sent to the meter as Basic auth) is masked. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * The homes as other features read them: a visible home with its meters, the homes of an agent or
 * of the caller's fleet, a home's region. Needs nothing of the features above homes, so they are
 * given it (HomesService, which adds creating, editing and the home's full view, extends it).
 */
export class HomeRecords {
  constructor(
    protected readonly repo: HomesRepository,
    protected readonly options: {
      defaultRegion: string;
      /** the agent's default region (agents owns it) */
      agents: Pick<AgentsService, 'defaultRegionOf'>;
    },
  ) {}

  /** A home the caller may see, or 404 — the same for a home of another agent as for none. */
  async requireVisible(scope: Scope, id: string, trx?: Kysely<DB>): Promise<Home> {
    return homeOf(await this.findRow(scope, id, trx));
  }

  /** requireVisible's stored row, for homes' own changes. */
  protected async findRow(scope: Scope, id: string, trx?: Kysely<DB>): Promise<HomeRow> {
    const home = await this.repo.find(scope, id, trx);
    if (!home) throw new ApiError('not_found', `No home ${id}`);
    return home;
  }

  countForAgent(agentId: string, trx: Kysely<DB>): Promise<number> {
    return this.repo.countForAgent(agentId, trx);
  }

  /** Every meter of an active home read by poll, with the URL it is read from (the AMR poller's targets). */
  async polledMeters(): Promise<{ meterId: string; homeId: string; url: string }[]> {
    const meters: { meterId: string; homeId: string; url: string }[] = [];
    for (const row of await this.repo.pollCandidates()) {
      const url = pollUrl(row.settings);
      if (url !== undefined) meters.push({ meterId: row.id, homeId: row.home_id, url });
    }
    return meters;
  }

  /** A meter's channels by key (the poller maps a meter's answer onto them). */
  meterChannels(meterId: string): Promise<{ id: string; key: string }[]> {
    return this.repo.meterChannels(meterId);
  }

  /** The region whose series the home uses: its own, else its agent's default, else the platform's. */
  async regionOf(home: Pick<Home, 'region' | 'agentId'>, trx?: Kysely<DB>): Promise<RegionInUse> {
    if (home.region) return { name: home.region, source: 'home' };
    const agentRegion = await this.options.agents.defaultRegionOf(home.agentId, trx);
    return agentRegion
      ? { name: agentRegion, source: 'agent_default' }
      : { name: this.options.defaultRegion, source: 'platform_default' };
  }

  /** A home's channels: each with its key and the meter it belongs to (the caller checked the home). */
  async channelsOf(homeId: string): Promise<{ id: string; key: string; meterId: string }[]> {
    return (await this.repo.channels(homeId)).map((c) => ({ id: c.id, key: c.key, meterId: c.meter_id }));
  }

  /**
   * A home the caller may see (404 otherwise, as requireVisible) with its meters and channels as
   * defined by the order, without the collection status: for analytics (performance).
   */
  async withMeters(scope: Scope, id: string): Promise<{ home: Home; meters: MeterView[] }> {
    const home = await this.requireVisible(scope, id);
    const [meters, channels] = await Promise.all([this.repo.meters(home.id), this.repo.channels(home.id)]);
    return { home, meters: meters.map((m) => meterView(m, channels)) };
  }

  /**
   * Every home of one agent the caller may see (its analytics columns), with its meters and their
   * register channels as withMeters gives them (and the channels of `alsoKeys`, e.g.
   * flow_temperature): for totals across homes (portfolio), in a few set-based queries.
   */
  async listWithRegisters(
    scope: Scope,
    agentId: string,
    filter: { technology?: string | undefined; groupId?: string | undefined },
    alsoKeys: string[] = [],
  ): Promise<{ home: HomeBasics; meters: MeterView[] }[]> {
    const homes = await this.repo.listOfAgent(scope, agentId, filter);
    const { meters, channels } = await this.repo.metersOfHomes(
      homes.map((h) => h.id),
      { registersOnly: true, alsoKeys },
    );
    const metersOf = new Map<string, MeterRow[]>();
    for (const m of meters) {
      const list = metersOf.get(m.home_id);
      if (list) list.push(m);
      else metersOf.set(m.home_id, [m]);
    }
    const channelsOf = new Map<string, ChannelRow[]>();
    for (const c of channels) {
      const list = channelsOf.get(c.home_id);
      if (list) list.push(c);
      else channelsOf.set(c.home_id, [c]);
    }
    return homes.map((row) => {
      const own = channelsOf.get(row.id) ?? [];
      const home: HomeBasics = {
        id: row.id,
        agentId: row.agent_id,
        reference: row.reference,
        technology: row.technology,
        installation: JSON.parse(row.installation) as Installation,
      };
      return { home, meters: (metersOf.get(row.id) ?? []).map((m) => meterView(m, own)) };
    });
  }

  /**
   * Every home the caller may see, as the fleet table shows and searches it (address and
   * installation parsed here, where they are stored), with its meters as meter status needs them.
   * `groupId`: also says which of them are in that group.
   */
  async fleetHomes(scope: Scope, groupId?: string): Promise<{ homes: FleetHome[]; inGroup?: Set<string> }> {
    const [rows, inGroup] = await Promise.all([
      this.repo.listVisible(scope),
      groupId ? this.repo.idsInGroup(scope, groupId) : Promise.resolve(undefined),
    ]);
    const meters = await this.repo.metersOnly(rows.map((r) => r.id));
    const metersOf = new Map<string, MeterForStatus[]>();
    for (const m of meters) {
      const meter: MeterForStatus = {
        id: m.id,
        createdAt: Number(m.created_at),
        reading: (JSON.parse(m.settings) as { reading: MeterForStatus['reading'] }).reading,
      };
      const list = metersOf.get(m.home_id);
      if (list) list.push(meter);
      else metersOf.set(m.home_id, [meter]);
    }
    const homes = rows.map((row): FleetHome => {
      const address = JSON.parse(row.address) as { town?: string; addressLines?: string[] };
      const installation = JSON.parse(row.installation) as {
        manufacturer?: string;
        model?: string;
        designSpf?: number;
        designScop?: number;
      };
      return {
        id: row.id,
        agentId: row.agent_id,
        reference: row.reference,
        status: row.status,
        postcode: row.postcode,
        town: address.town ?? null,
        street: (address.addressLines ?? []).join(' '),
        technology: row.technology,
        manufacturer: installation.manufacturer ?? null,
        model: installation.model ?? null,
        meters: metersOf.get(row.id) ?? [],
      };
    });
    return inGroup ? { homes, inGroup } : { homes };
  }
}

/** Homes: created by submitting an order, seen only within the agent and the caller's groups. */
export class HomesService extends HomeRecords {
  constructor(
    repo: HomesRepository,
    private readonly deps: HomesDeps,
  ) {
    super(repo, { defaultRegion: deps.defaultRegion, agents: deps.agents });
  }

  /** Creates the home, its meters and channels from a complete order, inside the submission's transaction. */
  async createFromOrder(
    trx: Kysely<DB>,
    order: {
      id: string;
      agentId: string;
      document: HomeDescription;
      amrIntervalSeconds?: number | undefined;
    },
  ): Promise<string> {
    const now = Date.now();
    const doc = order.document;
    const property = { ...doc.property };
    if (property.postcode) property.postcode = normalisePostcode(property.postcode, property.country);
    property.country ??= 'GB';
    const home: HomeRow = {
      id: uuidv7(),
      agent_id: order.agentId,
      order_id: order.id,
      reference: doc.reference,
      status: 'active',
      postcode: property.postcode ?? null,
      technology: doc.installation?.technology ?? null,
      address: JSON.stringify(property),
      occupant: doc.occupant ? JSON.stringify(doc.occupant) : null,
      installation: JSON.stringify(doc.installation ?? {}),
      created_at: now,
      updated_at: now,
      decommissioned_at: null,
      occupant_erased_at: null,
      region: property.region ?? null,
      revision: 1,
    };
    await this.repo.insertHome(home, trx);
    const amrInterval = order.amrIntervalSeconds ?? DEFAULT_INTERVAL;
    for (const spec of doc.meters ?? []) await this.insertMeter(home.id, spec, amrInterval, now, trx);
    return home.id;
  }

  private async insertMeter(
    homeId: string,
    spec: MeterSpec,
    defaultInterval: number,
    now: number,
    trx: Kysely<DB>,
  ): Promise<string> {
    const meterId = uuidv7();
    const channels = resolveChannels(spec, '/body', []);
    const reading = {
      method: spec.reading?.method ?? 'push',
      ...(spec.reading?.url ? { url: spec.reading.url } : {}),
      intervalSeconds: spec.reading?.intervalSeconds ?? defaultInterval,
    };
    await this.repo.insertMeter(
      {
        id: meterId,
        home_id: homeId,
        serial: spec.serial,
        kind: spec.kind,
        settings: JSON.stringify({
          reading,
          ...(spec.location ? { location: spec.location } : {}),
          ...(spec.measures ? { measures: spec.measures } : {}),
        }),
        created_at: now,
      },
      channels.map((c) => ({
        id: uuidv7(),
        meter_id: meterId,
        home_id: homeId,
        key: c.key,
        quantity: c.quantity,
        unit: c.unit,
        kind: c.kind,
        created_at: now,
      })),
      trx,
    );
    return meterId;
  }

  /**
   * Adds a meter to an installed home (a meter fitted later, or a replacement under a new serial):
   * checked like a meter of an order, 422 listing its problems; serials are unique within a home.
   */
  async addMeter(actor: Actor, homeId: string, spec: MeterSpec): Promise<MeterView> {
    const problems = meterProblems(spec, '/body');
    if (problems.length > 0) {
      throw new ApiError('unprocessable', `The meter cannot be added: ${problems.length} problem(s) to fix`, {
        errors: problems,
      });
    }
    return this.deps.db.transaction().execute(async (trx) => {
      const home = await this.findRow(actor.scope, homeId, trx);
      if (home.status === 'decommissioned') throw new ApiError('conflict', 'The home is decommissioned');
      const existing = await this.repo.meters(home.id, trx);
      if (existing.some((m) => m.serial === spec.serial)) {
        throw new ApiError('conflict', `The home already has a meter with serial ${spec.serial}`, {
          errors: [{ field: '/body/serial', message: 'is already used in this home' }],
        });
      }
      const interval = await this.deps.provisioning.amrInterval(home.id, trx);
      const meterId = await this.insertMeter(home.id, spec, interval, Date.now(), trx);
      await this.deps.audit.record(trx, actor, {
        agentId: home.agent_id,
        action: 'meter.added',
        targetType: 'meter',
        targetId: meterId,
        details: { homeId: home.id, serial: spec.serial, kind: spec.kind },
      });
      const meters = await this.repo.meters(home.id, trx);
      const channels = await this.repo.channels(home.id, trx);
      return meterView(meters.find((m) => m.id === meterId) as MeterRow, channels);
    });
  }

  private summary(row: HomeRow): HomeSummary {
    const address = JSON.parse(row.address) as { town?: string };
    return {
      id: row.id,
      reference: row.reference,
      status: row.status,
      postcode: row.postcode,
      technology: row.technology,
      town: address.town ?? null,
      createdAt: isoTime(row.created_at),
    };
  }

  async list(scope: Scope, filter: HomeFilter): Promise<HomeSummary[]> {
    return (await this.repo.list(scope, filter, this.deps.alarmedHomes)).map((row) => this.summary(row));
  }

  private async view(scope: Scope, row: HomeRow, trx?: Kysely<DB>): Promise<HomeView> {
    const [meters, channels, groups, provisioning] = await Promise.all([
      this.repo.meters(row.id, trx),
      this.repo.channels(row.id, trx),
      this.deps.groups.groupsOfHome(row.id, trx),
      this.deps.provisioning.summaries(row.id, trx),
    ]);
    return {
      id: row.id,
      agentId: row.agent_id,
      orderId: row.order_id,
      reference: row.reference,
      status: row.status,
      property: JSON.parse(row.address),
      ...(seesOccupant(scope) ? { occupant: row.occupant ? JSON.parse(row.occupant) : null } : {}),
      installation: JSON.parse(row.installation),
      region: await this.regionOf({ region: row.region, agentId: row.agent_id }, trx),
      groups,
      // Completeness moves by the minute: the meters route has it, the home (with its ETag) does not.
      meters: (await this.meterViews(row, meters, channels, trx)).map((m) => {
        if (!m.status) return m;
        const { completeness: _c, ...status } = m.status;
        return { ...m, status };
      }),
      provisioning,
      createdAt: isoTime(row.created_at),
      updatedAt: isoTime(row.updated_at),
      decommissionedAt: isoTimeOrNull(row.decommissioned_at),
    };
  }

  async get(scope: Scope, id: string): Promise<Versioned<HomeView>> {
    const row = await this.findRow(scope, id);
    return { view: await this.view(scope, row), revision: row.revision };
  }

  async meters(scope: Scope, id: string): Promise<MeterView[]> {
    const row = await this.findRow(scope, id);
    const [meters, channels] = await Promise.all([this.repo.meters(row.id), this.repo.channels(row.id)]);
    return this.meterViews(row, meters, channels);
  }

  private async meterViews(
    home: HomeRow,
    meters: MeterRow[],
    channels: ChannelRow[],
    trx?: Kysely<DB>,
  ): Promise<MeterView[]> {
    const forStatus: MeterForStatus[] = meters.map((m) => ({
      id: m.id,
      createdAt: Number(m.created_at),
      reading: (JSON.parse(m.settings) as { reading: MeterForStatus['reading'] }).reading,
    }));
    const polled = forStatus.filter((m) => m.reading.method === 'poll').map((m) => m.id);
    const [amrIntervalSeconds, polls] = await Promise.all([
      this.deps.provisioning.amrIntervalSetting(home.id, trx),
      polled.length > 0 ? this.deps.pollHealth(polled, trx) : new Map<string, PollHealth>(),
    ]);
    const statuses = await this.deps.meterStatuses(
      home.id,
      home.agent_id,
      forStatus,
      { amrIntervalSeconds, polls },
      trx,
    );
    return meters.map((m) => meterView(m, channels, statuses.get(m.id)));
  }

  /** Edits what may change after installation: reference, occupant, design figures, groups, address corrections. */
  async update(
    actor: Actor,
    id: string,
    input: UpdateHomeInput,
    ifMatch?: string,
  ): Promise<Versioned<HomeView>> {
    const { scope } = actor;
    if (input.occupant !== undefined && !seesOccupant(scope)) {
      throw new ApiError('forbidden', 'Your role may not see or change occupant details');
    }
    if (input.groupIds !== undefined && scope.role !== 'admin') {
      throw new ApiError('forbidden', 'Only an admin decides which groups a home is in');
    }
    // A home's address and installation replace the old ones as a whole: they must stay complete.
    const problems: FieldProblem[] = [];
    if (input.property) propertyProblems(input.property, problems);
    if (input.installation) installationProblems(input.installation, problems);
    if (problems.length > 0) {
      throw new ApiError('validation_failed', problems.map((p) => `${p.field} ${p.message}`).join('; '), {
        errors: problems,
      });
    }
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.findRow(scope, id, trx);
      checkIfMatch(ifMatch, row.revision);
      const patch: Partial<HomeRow> = { updated_at: Date.now() };
      const changed: string[] = [];
      if (input.reference !== undefined) {
        patch.reference = input.reference;
        changed.push('reference');
      }
      if (input.property !== undefined) {
        const property = { ...input.property };
        if (property.postcode) property.postcode = normalisePostcode(property.postcode, property.country);
        property.country ??= 'GB';
        patch.address = JSON.stringify(property);
        patch.postcode = property.postcode ?? null;
        patch.region = property.region ?? null;
        changed.push('property');
      }
      if (input.occupant !== undefined) {
        patch.occupant = JSON.stringify(input.occupant);
        changed.push('occupant');
      }
      if (input.installation !== undefined) {
        patch.installation = JSON.stringify(input.installation);
        patch.technology = input.installation.technology ?? null;
        changed.push('installation');
      }
      if (input.groupIds !== undefined) {
        if (!(await this.deps.groups.allExist(row.agent_id, input.groupIds, trx))) {
          throw new ApiError('validation_failed', 'A group in groupIds does not exist', {
            errors: [{ field: '/body/groupIds', message: 'names a group that does not exist' }],
          });
        }
        changed.push('groups');
      }
      if (!(await this.repo.update(row.id, row.revision, patch, trx))) {
        throw new ApiError(
          'precondition_failed',
          'The home changed while you were updating it; read it again',
        );
      }
      // Only after the revision-guarded update, which holds the home's row: two changes of its groups
      // at the same moment then take turns (the second gets 412) instead of colliding in the join table.
      if (input.groupIds !== undefined) await this.deps.groups.setHomeGroups(row.id, input.groupIds, trx);
      // The audit trail names what changed, never the personal data itself.
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'home.updated',
        targetType: 'home',
        targetId: row.id,
        details: { changed },
      });
      const updated = { ...row, ...patch, revision: row.revision + 1 };
      return { view: await this.view(scope, updated, trx), revision: updated.revision };
    });
    return result;
  }

  /** Decommissions a home: collection stops (provisioning suspended), history stays readable. */
  async decommission(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.findRow(actor.scope, id, trx);
      checkIfMatch(ifMatch, row.revision);
      if (row.status === 'decommissioned') return;
      const now = Date.now();
      if (
        !(await this.repo.update(
          row.id,
          row.revision,
          { status: 'decommissioned', decommissioned_at: now, updated_at: now },
          trx,
        ))
      ) {
        throw new ApiError('precondition_failed', 'The home changed meanwhile; read it again');
      }
      await this.deps.provisioning.suspendAll(row.id, now, trx);
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'home.decommissioned',
        targetType: 'home',
        targetId: row.id,
      });
    });
  }

  /** Erases the occupant's personal data for good; the home and its telemetry stay. */
  async eraseOccupant(actor: Actor, id: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.findRow(actor.scope, id, trx);
      const now = Date.now();
      if (
        !(await this.repo.update(
          row.id,
          row.revision,
          { occupant: null, occupant_erased_at: now, updated_at: now },
          trx,
        ))
      ) {
        throw new ApiError('precondition_failed', 'The home changed meanwhile; try again');
      }
      await this.deps.events.emit('home.occupant_erased', { trx, homeId: row.id, orderId: row.order_id });
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'home.occupant_erased',
        targetType: 'home',
        targetId: row.id,
      });
    });
  }
}
