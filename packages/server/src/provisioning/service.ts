import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { isoTime } from '../db/time.js';
import type { Events } from '../events.js';
import type { GatewaysService } from '../gateways/index.js';
import type { HomeRecords } from '../homes/index.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { ProvisioningRepository, ProvisioningRow } from './repository.js';
import type { ProvisioningSettingsInput, ProvisioningView, ServicesSpec } from './schemas.js';

type Service = ProvisioningRow['service'];

export interface ProvisioningDeps {
  db: Kysely<DB>;
  audit: AuditService;
  homes: HomeRecords;
  /** amr means telemetry: the home gets its gateway client with the definition. */
  gateways: Pick<GatewaysService, 'createForHome'>;
  /** checks fault_management's thresholds (faults knows its rules); a 400 naming every wrong key */
  checkFaultThresholds: (thresholds: Record<string, number>, pointer: string) => void;
  /** tells the features above (fault evaluation) that a home was given a service */
  events: Events;
}

function toView(row: ProvisioningRow): ProvisioningView {
  return {
    id: row.id,
    homeId: row.home_id,
    service: row.service,
    status: row.status,
    revision: row.revision,
    settings: JSON.parse(row.settings) as ProvisioningSettingsInput,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

/** The reading interval an amr definition sets, in seconds (undefined when absent or unusable). */
function intervalSetting(settings: string): number | undefined {
  try {
    const value = (JSON.parse(settings) as { intervalSeconds?: unknown }).intervalSeconds;
    return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An amr definition's reading interval in seconds (60 when absent or unusable). */
const readInterval = (settings: string): number => intervalSetting(settings) ?? DEFAULT_AMR_INTERVAL;

const DEFAULT_AMR_INTERVAL = 60;

/** Which settings belong to which service: anything else is refused rather than stored unused. */
function checkSettings(
  service: Service,
  settings: ProvisioningSettingsInput,
  checkThresholds: ProvisioningDeps['checkFaultThresholds'],
): void {
  const allowed: Record<Service, string[]> = {
    amr: ['intervalSeconds'],
    insight: [],
    performance: [],
    fault_management: ['recipients', 'thresholds'],
  };
  const wrong = Object.keys(settings).filter((key) => !allowed[service].includes(key));
  if (wrong.length > 0) {
    throw new ApiError('validation_failed', `${wrong.join(', ')} is not a setting of ${service}`, {
      errors: wrong.map((key) => ({
        field: `/body/settings/${key}`,
        message: `is not a setting of ${service}`,
      })),
    });
  }
  if (service === 'fault_management' && settings.thresholds) {
    checkThresholds(settings.thresholds, '/body/settings/thresholds');
  }
}

/**
 * Service provisioning definitions: one per service a home has. They direct the AMR service and
 * the analytics; every change bumps the revision and is audited.
 */
export class ProvisioningService {
  constructor(
    private readonly repo: ProvisioningRepository,
    private readonly deps: ProvisioningDeps,
  ) {}

  /** One definition per service the order asked for, created with the home (and its gateway, for amr). */
  async createFromOrder(
    trx: Kysely<DB>,
    home: { id: string; agentId: string },
    services: ServicesSpec,
  ): Promise<void> {
    const homeId = home.id;
    const now = Date.now();
    const rows: ProvisioningRow[] = (Object.keys(services) as Service[]).map((service) => {
      const settings =
        service === 'amr'
          ? { intervalSeconds: services.amr?.intervalSeconds ?? 60 }
          : service === 'fault_management'
            ? { recipients: services.fault_management?.recipients ?? [] }
            : {};
      return {
        id: uuidv7(),
        home_id: homeId,
        service,
        status: 'pending',
        settings: JSON.stringify(settings),
        created_at: now,
        updated_at: now,
        revision: 1,
      };
    });
    await this.repo.insert(rows, trx);
    if (services.amr) await this.deps.gateways.createForHome(trx, homeId, home.agentId);
    for (const row of rows)
      await this.deps.events.emit('provisioning.started', {
        trx,
        homeId,
        agentId: home.agentId,
        service: row.service,
      });
  }

  async summaries(
    homeId: string,
    trx?: Kysely<DB>,
  ): Promise<{ id: string; service: string; status: string }[]> {
    return (await this.repo.listForHome(homeId, trx)).map((r) => ({
      id: r.id,
      service: r.service,
      status: r.status,
    }));
  }

  /** The home's AMR reading interval (s), the default for a meter added later. */
  async amrInterval(homeId: string, trx?: Kysely<DB>): Promise<number> {
    return (await this.amrIntervalSetting(homeId, trx)) ?? DEFAULT_AMR_INTERVAL;
  }

  /** The interval (s) the home's AMR definition sets, if it has one that sets it (polled meters use it). */
  async amrIntervalSetting(homeId: string, trx?: Kysely<DB>): Promise<number | undefined> {
    const amr = (await this.repo.listForHome(homeId, trx)).find((r) => r.service === 'amr');
    return amr ? intervalSetting(amr.settings) : undefined;
  }

  /** amrIntervalSetting of many homes: those whose amr definition sets an interval, by home. */
  async amrIntervalSettings(homeIds: string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (homeIds.length === 0) return result;
    for (const row of await this.repo.amrOfHomes(homeIds)) {
      const interval = intervalSetting(row.settings);
      if (interval) result.set(row.home_id, interval);
    }
    return result;
  }

  /** The recipients a home's fault_management definition names (none without one, or suspended). */
  async faultRecipients(homeId: string, trx?: Kysely<DB>): Promise<string[]> {
    const row = await this.repo.findForService(homeId, 'fault_management', trx);
    if (!row || row.status === 'suspended') return [];
    return (JSON.parse(row.settings) as { recipients?: string[] }).recipients ?? [];
  }

  /** The home's own fault thresholds (`<rule>.<parameter>`: value) from its fault_management definition. */
  async faultThresholds(homeId: string): Promise<Record<string, number>> {
    const row = await this.repo.findForService(homeId, 'fault_management');
    return row
      ? ((JSON.parse(row.settings) as { thresholds?: Record<string, number> }).thresholds ?? {})
      : {};
  }

  /**
   * Every home whose amr definition is active, with its reading interval in seconds (60 when absent
   * or unusable): the homes the AMR poller reads.
   */
  async activeAmrIntervals(): Promise<Map<string, number>> {
    const intervals = new Map<string, number>();
    for (const row of await this.repo.activeOf('amr')) intervals.set(row.home_id, readInterval(row.settings));
    return intervals;
  }

  /** The service has taken its pending definitions up: they become active. */
  activatePending(service: Service): Promise<number> {
    return this.repo.activatePending(service, Date.now());
  }

  suspendAll(homeId: string, now: number, trx: Kysely<DB>): Promise<void> {
    return this.repo.suspendAll(homeId, now, trx);
  }

  async list(scope: Scope, homeId: string): Promise<ProvisioningView[]> {
    await this.deps.homes.requireVisible(scope, homeId);
    return (await this.repo.listForHome(homeId)).map(toView);
  }

  async get(scope: Scope, homeId: string, id: string): Promise<Versioned<ProvisioningView>> {
    await this.deps.homes.requireVisible(scope, homeId);
    const row = await this.repo.find(homeId, id);
    if (!row) throw new ApiError('not_found', `No provisioning definition ${id} on this home`);
    return { view: toView(row), revision: row.revision };
  }

  async add(
    actor: Actor,
    homeId: string,
    service: Service,
    settings: ProvisioningSettingsInput = {},
  ): Promise<ProvisioningView> {
    checkSettings(service, settings, this.deps.checkFaultThresholds);
    return this.deps.db.transaction().execute(async (trx) => {
      const home = await this.deps.homes.requireVisible(actor.scope, homeId, trx);
      if (home.status === 'decommissioned') throw new ApiError('conflict', 'The home is decommissioned');
      const existing = await this.repo.listForHome(homeId, trx);
      const present = () =>
        new ApiError('conflict', `The home already has ${service}; change it with PUT instead`);
      if (existing.some((r) => r.service === service)) throw present();
      if (service !== 'amr' && !existing.some((r) => r.service === 'amr')) {
        throw new ApiError('unprocessable', `${service} needs telemetry: provision amr first`);
      }
      const now = Date.now();
      const row: ProvisioningRow = {
        id: uuidv7(),
        home_id: homeId,
        service,
        status: 'pending',
        settings: JSON.stringify(service === 'amr' ? { intervalSeconds: 60, ...settings } : settings),
        created_at: now,
        updated_at: now,
        revision: 1,
      };
      // Checked above for the common case; the unique index settles two adds at the same moment.
      if (!(await this.repo.insertIfNew(row, trx))) throw present();
      if (service === 'amr') await this.deps.gateways.createForHome(trx, homeId, home.agentId);
      await this.deps.events.emit('provisioning.started', { trx, homeId, agentId: home.agentId, service });
      await this.deps.audit.record(trx, actor, {
        agentId: home.agentId,
        action: 'provisioning.created',
        targetType: 'provisioning',
        targetId: row.id,
        details: { homeId, service },
      });
      return toView(row);
    });
  }

  async update(
    actor: Actor,
    homeId: string,
    id: string,
    input: { status?: 'active' | 'suspended'; settings?: ProvisioningSettingsInput },
    ifMatch?: string,
  ): Promise<Versioned<ProvisioningView>> {
    return this.deps.db.transaction().execute(async (trx) => {
      const home = await this.deps.homes.requireVisible(actor.scope, homeId, trx);
      const row = await this.repo.find(homeId, id, trx);
      if (!row) throw new ApiError('not_found', `No provisioning definition ${id} on this home`);
      checkIfMatch(ifMatch, row.revision);
      if (input.settings) checkSettings(row.service, input.settings, this.deps.checkFaultThresholds);
      if (input.status === 'active' && home.status === 'decommissioned') {
        throw new ApiError('conflict', 'The home is decommissioned: its services cannot be resumed');
      }
      const settings = input.settings
        ? { ...JSON.parse(row.settings), ...input.settings }
        : JSON.parse(row.settings);
      const now = Date.now();
      // Resuming puts the definition back to pending until its service takes it up again.
      const status =
        input.status === 'active'
          ? row.status === 'suspended'
            ? 'pending'
            : row.status
          : (input.status ?? row.status);
      const patch = { status, settings: JSON.stringify(settings), updated_at: now };
      if (!(await this.repo.update(row.id, row.revision, patch, trx))) {
        throw new ApiError('precondition_failed', 'The definition changed meanwhile; read it again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: home.agentId,
        action: 'provisioning.updated',
        targetType: 'provisioning',
        targetId: row.id,
        details: {
          homeId,
          service: row.service,
          ...(input.status ? { status: input.status } : {}),
          ...(input.settings ? { settings: input.settings } : {}),
        },
      });
      const updated = { ...row, ...patch, revision: row.revision + 1 };
      return { view: toView(updated), revision: updated.revision };
    });
  }

  async remove(actor: Actor, homeId: string, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const home = await this.deps.homes.requireVisible(actor.scope, homeId, trx);
      const row = await this.repo.find(homeId, id, trx);
      if (!row) throw new ApiError('not_found', `No provisioning definition ${id} on this home`);
      checkIfMatch(ifMatch, row.revision);
      const others = (await this.repo.listForHome(homeId, trx)).filter((r) => r.id !== id);
      if (row.service === 'amr' && others.length > 0) {
        throw new ApiError(
          'conflict',
          `Remove ${others.map((r) => r.service).join(', ')} first: they need amr's telemetry`,
        );
      }
      if (!(await this.repo.delete(row.id, row.revision, trx))) {
        throw new ApiError('precondition_failed', 'The definition changed meanwhile; read it again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: home.agentId,
        action: 'provisioning.deleted',
        targetType: 'provisioning',
        targetId: row.id,
        details: { homeId, service: row.service },
      });
    });
  }
}
