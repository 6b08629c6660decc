import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { v7 as uuidv7 } from 'uuid';
import { type AgentsService, agentFor } from '../agents/index.js';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { DB, Fuel } from '../db/schema.js';
import { isoTime } from '../db/time.js';
import type { Home, HomeRecords } from '../homes/index.js';
import { ApiError, type FieldProblem } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import { type Band, bandProblems, canonicalBands } from './bands.js';
import { type CarbonSource, DEFAULT_CARBON_FACTORS } from './carbon.js';
import { parseIntensityCsv } from './carbon-intensity.js';
import type { TariffFilter, TariffRow, TariffsRepository } from './repository.js';
import {
  type CreateTariffInput,
  FUELS,
  type HomeTariffsView,
  type SetHomeTariffsInput,
  type TariffView,
  type UpdateTariffInput,
} from './schemas.js';

export interface TariffsDeps {
  db: Kysely<DB>;
  audit: AuditService;
  agents: AgentsService;
  homes: HomeRecords;
}

export const toTariffView = (row: TariffRow): TariffView => ({
  id: row.id,
  agentId: row.agent_id,
  name: row.name,
  fuel: row.fuel,
  currency: row.currency,
  standingCharge: row.standing_charge,
  unitRate: row.unit_rate,
  bands: row.bands === null ? null : (JSON.parse(row.bands) as Band[]),
  carbonFactor: row.carbon_factor,
  validFrom: row.valid_from,
  validTo: row.valid_to,
  isDefault: row.is_default === 1,
  createdAt: isoTime(row.created_at),
  updatedAt: isoTime(row.updated_at),
});

/** Whether a tariff applies on a local date: validFrom inclusive, validTo exclusive, null open. */
export const validOn = (t: Pick<TariffView, 'validFrom' | 'validTo'>, date: string): boolean =>
  (t.validFrom === null || t.validFrom <= date) && (t.validTo === null || date < t.validTo);

/** Whether two validity periods share a day. */
const overlaps = (
  a: Pick<TariffView, 'validFrom' | 'validTo'>,
  b: Pick<TariffView, 'validFrom' | 'validTo'>,
) =>
  (a.validFrom === null || b.validTo === null || a.validFrom < b.validTo) &&
  (b.validFrom === null || a.validTo === null || b.validFrom < a.validTo);

const period = (t: Pick<TariffView, 'validFrom' | 'validTo'>) =>
  `${t.validFrom ?? 'always'} to ${t.validTo ?? 'open-ended'}`;

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const isRealDate = (date: string) => DateTime.fromISO(date, { zone: 'utc' }).isValid;

/** The stored form of a tariff's settings, after the rules below. */
interface Settings {
  name: string;
  currency: string;
  standingCharge: number;
  unitRate: number | null;
  bands: Band[] | null;
  carbonFactor: number;
  validFrom: string | null;
  validTo: string | null;
  isDefault: boolean;
}

/** Every problem with a tariff's settings, by field; none means they can be stored. */
function settingsProblems(fuel: Fuel, s: Omit<Settings, 'carbonFactor'> & { carbonFactor?: number }) {
  const problems: FieldProblem[] = [];
  if (s.unitRate === null && s.bands === null) {
    problems.push({ field: '/body/unitRate', message: 'give unitRate (flat) or bands (time-of-use)' });
  } else if (s.unitRate !== null && s.bands !== null) {
    for (const field of ['unitRate', 'bands']) {
      problems.push({
        field: `/body/${field}`,
        message: 'give unitRate (flat) or bands (time-of-use), not both',
      });
    }
  }
  if (s.bands) problems.push(...bandProblems(s.bands));
  if (!CURRENCIES.has(s.currency)) {
    problems.push({ field: '/body/currency', message: `${s.currency} is not an ISO 4217 currency code` });
  }
  for (const field of ['validFrom', 'validTo'] as const) {
    const date = s[field];
    if (date !== null && !isRealDate(date)) {
      problems.push({ field: `/body/${field}`, message: `${date} is not a calendar date` });
    }
  }
  if (s.validFrom !== null && s.validTo !== null && s.validTo <= s.validFrom) {
    problems.push({ field: '/body/validTo', message: 'must be after validFrom' });
  }
  if (s.carbonFactor === undefined) {
    problems.push({
      field: '/body/carbonFactor',
      message: `is required for ${fuel}: there is no default factor for it (docs/tariffs.md)`,
    });
  }
  if (problems.length > 0) {
    throw new ApiError(
      'validation_failed',
      problems.map((p) => `${p.field.slice(6)} ${p.message}`).join('; '),
      {
        errors: problems,
      },
    );
  }
}

/**
 * Tariffs: what an agent's homes pay per kWh and per day for each fuel, and the carbon factor of
 * that energy. The agent marks one default per fuel (per period of validity); a home may have its
 * own instead. The calculators that use them are in cost.ts and carbon.ts.
 */
export class TariffsService {
  constructor(
    private readonly repo: TariffsRepository,
    private readonly deps: TariffsDeps,
  ) {}

  /** Refuses a default whose validity overlaps another default of the agent's for the fuel. */
  private async ensureOneDefault(
    agentId: string,
    fuel: Fuel,
    s: Settings,
    exceptId: string | null,
    trx: Kysely<DB>,
  ) {
    if (!s.isDefault) return;
    // Serialises the changes of an agent's defaults (inserts that reference the agent go on).
    await this.deps.agents.lock(agentId, trx, 'no_key_update');
    const clash = (await this.repo.defaultsOf(agentId, fuel, trx))
      .map(toTariffView)
      .find((t) => t.id !== exceptId && overlaps(t, s));
    if (clash) throw defaultTaken(fuel, clash);
  }

  async list(scope: Scope, filter: TariffFilter): Promise<TariffView[]> {
    return (await this.repo.list(scope, filter)).map(toTariffView);
  }

  async get(scope: Scope, id: string): Promise<Versioned<TariffView>> {
    const row = await this.repo.find(scope, id);
    if (!row) throw new ApiError('not_found', `No tariff ${id}`);
    return { view: toTariffView(row), revision: row.revision };
  }

  async create(actor: Actor, input: CreateTariffInput): Promise<Versioned<TariffView>> {
    const agentId = await agentFor(actor.scope, input.agentId, this.deps.agents, 'tariff');
    const s = {
      name: input.name.trim(),
      currency: input.currency ?? 'GBP',
      standingCharge: input.standingCharge,
      unitRate: input.unitRate ?? null,
      bands: input.bands ?? null,
      carbonFactor: input.carbonFactor ?? DEFAULT_CARBON_FACTORS[input.fuel] ?? undefined,
      validFrom: input.validFrom ?? null,
      validTo: input.validTo ?? null,
      isDefault: input.isDefault ?? false,
    };
    settingsProblems(input.fuel, s);
    const settings = s as Settings;
    const now = Date.now();
    const row: TariffRow = {
      id: uuidv7(),
      agent_id: agentId,
      fuel: input.fuel,
      ...columnsOf(settings),
      created_at: now,
      updated_at: now,
      revision: 1,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await this.ensureOneDefault(agentId, input.fuel, settings, null, trx);
      if (!(await this.repo.insert(row, trx))) throw defaultTaken(input.fuel);
      await this.deps.audit.record(trx, actor, {
        agentId,
        action: 'tariff.created',
        targetType: 'tariff',
        targetId: row.id,
        details: { name: row.name, fuel: row.fuel, isDefault: settings.isDefault },
      });
    });
    return { view: toTariffView(row), revision: 1 };
  }

  /** Applies the fields given; giving unitRate makes it flat, giving bands makes it time-of-use. */
  async update(
    actor: Actor,
    id: string,
    input: UpdateTariffInput,
    ifMatch?: string,
  ): Promise<Versioned<TariffView>> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No tariff ${id}`);
      checkIfMatch(ifMatch, row.revision);
      const old = toTariffView(row);
      const s: Settings = {
        name: input.name?.trim() ?? old.name,
        currency: input.currency ?? old.currency,
        standingCharge: input.standingCharge ?? old.standingCharge,
        unitRate: input.unitRate ?? (input.bands ? null : old.unitRate),
        bands: input.bands ?? (input.unitRate !== undefined ? null : old.bands),
        carbonFactor: input.carbonFactor ?? old.carbonFactor,
        validFrom: input.validFrom !== undefined ? input.validFrom : old.validFrom,
        validTo: input.validTo !== undefined ? input.validTo : old.validTo,
        isDefault: input.isDefault ?? old.isDefault,
      };
      settingsProblems(row.fuel, s);
      await this.ensureOneDefault(row.agent_id, row.fuel, s, row.id, trx);
      const now = Date.now();
      const columns = columnsOf(s);
      const result = await this.repo.update(row.id, row.revision, { ...columns, updated_at: now }, trx);
      if (result === 'taken') throw defaultTaken(row.fuel);
      if (result === 'stale')
        throw new ApiError('precondition_failed', 'The tariff changed meanwhile; read it again');
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'tariff.updated',
        targetType: 'tariff',
        targetId: row.id,
        details: { changed: Object.keys(input) },
      });
      const updated = { ...row, ...columns, updated_at: now, revision: row.revision + 1 };
      return { view: toTariffView(updated), revision: updated.revision };
    });
  }

  /** Deletes a tariff no home uses as its own (409 naming how many do). */
  async delete(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No tariff ${id}`);
      checkIfMatch(ifMatch, row.revision);
      const homes = await this.repo.homesUsing(row.id, trx);
      if (homes > 0) {
        throw new ApiError(
          'conflict',
          `${homes} home${homes === 1 ? ' uses' : 's use'} this tariff as their own: give ${homes === 1 ? 'it' : 'them'} another with PUT /homes/{id}/tariffs first`,
        );
      }
      if (!(await this.repo.delete(row.id, row.revision, trx))) {
        throw new ApiError('precondition_failed', 'The tariff changed meanwhile; read it again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'tariff.deleted',
        targetType: 'tariff',
        targetId: row.id,
        details: { name: row.name, fuel: row.fuel },
      });
    });
  }

  /**
   * The tariff of each fuel a home uses on a local date (default: today in its agent's zone): its
   * own while that is valid, else the agent's default valid that day, else none.
   */
  async homeTariffs(
    scope: Scope,
    homeId: string,
    date?: string,
    trx?: Kysely<DB>,
  ): Promise<Versioned<HomeTariffsView>> {
    const home = await this.deps.homes.requireVisible(scope, homeId, trx);
    if (date !== undefined && !isRealDate(date)) {
      throw new ApiError('validation_failed', `${date} is not a calendar date`, {
        errors: [{ field: '/query/date', message: 'is not a calendar date' }],
      });
    }
    const agent = await this.deps.agents.findById(home.agentId, trx);
    const day =
      date ??
      (DateTime.now()
        .setZone(agent?.timeZone ?? 'Europe/London')
        .toISODate() as string);
    const own = await this.repo.homeTariffs(home.id, trx);
    const items = [];
    for (const fuel of FUELS) {
      const mine = own.find((t) => t.for_fuel === fuel);
      const ownView = mine ? toTariffView(mine) : null;
      if (ownView && validOn(ownView, day)) {
        items.push({ fuel, source: 'home' as const, tariff: ownView, homeTariffId: ownView.id });
        continue;
      }
      const fallback = (await this.repo.defaultsOf(home.agentId, fuel, trx))
        .map(toTariffView)
        .find((t) => validOn(t, day));
      items.push({
        fuel,
        source: fallback ? ('agent_default' as const) : ('none' as const),
        tariff: fallback ?? null,
        homeTariffId: ownView?.id ?? null,
      });
    }
    const revision = await this.repo.homeTariffsRevision(home.id, trx);
    return { view: { homeId: home.id, date: day, items }, revision };
  }

  /**
   * Imports a half-hourly carbon intensity CSV for a region (parseIntensityCsv's format), all or
   * nothing; answers how many half hours were stored. For operators: `scripts/import-carbon-intensity.ts`.
   */
  async importCarbonIntensity(region: string, csv: string): Promise<number> {
    const stored = await this.deps.db
      .transaction()
      .execute((trx) => this.storeCarbonIntensity(region, csv, trx));
    return stored.stored;
  }

  /**
   * importCarbonIntensity inside the caller's transaction (PUT /regions/{region}/carbon-intensity),
   * answering the first and last half hour stored too (epoch ms; null for a file of no lines).
   */
  async storeCarbonIntensity(
    region: string,
    csv: string,
    trx: Kysely<DB>,
  ): Promise<{ stored: number; first: number | null; last: number | null }> {
    if (!/^[\w.-]{1,64}$/.test(region)) {
      throw new ApiError(
        'validation_failed',
        `The region ${JSON.stringify(region)} is not 1-64 letters, digits, . _ -`,
      );
    }
    const { points, problems } = await parseIntensityCsv(csv);
    if (problems.count > 0) throw problems.error();
    await this.repo.upsertIntensity(region, points, trx);
    let first: number | null = null;
    let last: number | null = null;
    for (const { t } of points) {
      if (first === null || t < first) first = t;
      if (last === null || t > last) last = t;
    }
    return { stored: points.length, first, last };
  }

  /** A region's half-hourly intensities (gCO2e/kWh) in [from, to), by the start of each half hour. */
  carbonIntensity(region: string, from: number, to: number): Promise<Map<number, number>> {
    return this.repo.intensity(region, from, to);
  }

  /** Per region with a carbon intensity series: its first and last half hour and how many it has. */
  carbonIntensitySpans(): Promise<Map<string, { first: number; last: number; count: number }>> {
    return this.repo.intensitySpans();
  }

  /**
   * Where a tariff's carbon comes from over [from, to): the region's half-hourly series where one
   * is loaded (the tariff's factor for half hours it lacks), else the tariff's fixed factor.
   */
  async carbonSource(
    tariff: Pick<TariffView, 'carbonFactor' | 'fuel'>,
    region: string | undefined,
    from: number,
    to: number,
  ): Promise<CarbonSource> {
    // A grid series describes grid electricity only; gas, heat and export keep their factor.
    if (region !== undefined && tariff.fuel === 'electricity') {
      const series = await this.repo.intensity(region, from, to);
      if (series.size > 0) return { kind: 'series', gPerKwh: series, fallbackKgPerKwh: tariff.carbonFactor };
    }
    return { kind: 'factor', kgPerKwh: tariff.carbonFactor };
  }

  /**
   * The tariff of one fuel on each of some local dates, by the rule of homeTariffs (the home's own
   * while valid, else the agent's default valid that day, else null), in two queries. For insight;
   * the caller has already checked the home is visible.
   */
  async tariffsByDay(
    home: Pick<Home, 'id' | 'agentId'>,
    fuel: Fuel,
    dates: readonly string[],
  ): Promise<Map<string, TariffView | null>> {
    const [own, defaults] = await Promise.all([
      this.repo.homeTariffs(home.id),
      this.repo.defaultsOf(home.agentId, fuel),
    ]);
    const mine = own.filter((t) => t.for_fuel === fuel).map(toTariffView)[0] ?? null;
    const fallbacks = defaults.map(toTariffView);
    const result = new Map<string, TariffView | null>();
    for (const date of dates) {
      result.set(
        date,
        mine && validOn(mine, date) ? mine : (fallbacks.find((t) => validOn(t, date)) ?? null),
      );
    }
    return result;
  }

  /** Replaces the home's own tariffs (one per fuel at most; fuels not listed use the agent default). */
  async setHomeTariffs(
    actor: Actor,
    homeId: string,
    input: SetHomeTariffsInput,
    ifMatch?: string,
  ): Promise<Versioned<HomeTariffsView>> {
    await this.deps.db.transaction().execute(async (trx) => {
      const home = await this.deps.homes.requireVisible(actor.scope, homeId, trx);
      const revision = await this.repo.homeTariffsRevision(home.id, trx);
      checkIfMatch(ifMatch, revision);
      const problems: FieldProblem[] = [];
      const found = await this.repo.inAgent(
        home.agentId,
        input.overrides.map((o) => o.tariffId),
        trx,
      );
      input.overrides.forEach((o, i) => {
        if (input.overrides.findIndex((other) => other.fuel === o.fuel) !== i) {
          problems.push({ field: `/body/overrides/${i}/fuel`, message: `${o.fuel} is given more than once` });
        }
        const tariff = found.find((t) => t.id === o.tariffId);
        if (!tariff) {
          problems.push({
            field: `/body/overrides/${i}/tariffId`,
            message: `no tariff ${o.tariffId} in this home's agent`,
          });
        } else if (tariff.fuel !== o.fuel) {
          problems.push({
            field: `/body/overrides/${i}/tariffId`,
            message: `is a ${tariff.fuel} tariff, not ${o.fuel}`,
          });
        }
      });
      if (problems.length > 0) {
        throw new ApiError(
          'validation_failed',
          problems.map((p) => `${p.field.slice(6)} ${p.message}`).join('; '),
          {
            errors: problems,
          },
        );
      }
      if (!(await this.repo.bumpHomeTariffs(home.id, revision, Date.now(), trx))) {
        throw new ApiError('precondition_failed', "The home's tariffs changed meanwhile; read them again");
      }
      await this.repo.setHomeTariffs(home.id, input.overrides, trx);
      await this.deps.audit.record(trx, actor, {
        agentId: home.agentId,
        action: 'home.tariffs_updated',
        targetType: 'home',
        targetId: home.id,
        details: { overrides: input.overrides },
      });
    });
    return this.homeTariffs(actor.scope, homeId);
  }
}

const columnsOf = (s: Settings) => ({
  name: s.name,
  currency: s.currency,
  standing_charge: s.standingCharge,
  unit_rate: s.unitRate,
  bands: s.bands === null ? null : JSON.stringify(canonicalBands(s.bands)),
  carbon_factor: s.carbonFactor,
  valid_from: s.validFrom,
  valid_to: s.validTo,
  is_default: s.isDefault ? 1 : 0,
});

function defaultTaken(fuel: Fuel, clash?: TariffView): ApiError {
  const which = clash ? `"${clash.name}" (${clash.id}, ${period(clash)})` : 'another tariff';
  return new ApiError(
    'conflict',
    `${which} is already the default ${fuel} tariff for that period: end its validity (validTo) or unset its isDefault first`,
    {
      errors: [
        {
          field: '/body/isDefault',
          message: `overlaps the default ${fuel} tariff ${clash?.id ?? ''}`.trim(),
        },
      ],
    },
  );
}
