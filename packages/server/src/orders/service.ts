import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AuditService } from '../audit/index.js';
import type { Actor, Scope } from '../auth/index.js';
import type { DB } from '../db/schema.js';
import { unlessTaken } from '../db/sql.js';
import { isoTime, isoTimeOrNull } from '../db/time.js';
import { type HomesService, normalisePostcode, seesOccupant } from '../homes/index.js';
import { ApiError } from '../http/errors.js';
import { checkIfMatch, type Versioned } from '../http/etag.js';
import type { ProvisioningService } from '../provisioning/index.js';
import { completenessProblems } from './completeness.js';
import type { OrderFilter, OrderRow, OrdersRepository } from './repository.js';
import type { OrderDocument, OrderView } from './schemas.js';

export interface OrdersDeps {
  db: Kysely<DB>;
  audit: AuditService;
  homes: HomesService;
  provisioning: ProvisioningService;
}

function toView(scope: Scope, row: OrderRow): OrderView {
  const document = JSON.parse(row.document) as OrderDocument;
  if (!seesOccupant(scope)) delete document.occupant;
  return {
    ...document,
    id: row.id,
    agentId: row.agent_id,
    status: row.status,
    homeId: row.home_id,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
    submittedAt: isoTimeOrNull(row.submitted_at),
    reference: row.reference,
  };
}

/** The document as stored: a valid UK postcode in its normal form ("ll554ur" → "LL55 4UR"). */
function normalised(document: OrderDocument): OrderDocument {
  const postcode = document.property?.postcode;
  if (!document.property || postcode === undefined) return document;
  return {
    ...document,
    property: { ...document.property, postcode: normalisePostcode(postcode, document.property.country) },
  };
}

const referenceTaken = (reference: string) =>
  new ApiError('conflict', `The reference "${reference}" is already used by another order of your agent`, {
    errors: [{ field: '/body/reference', message: 'is already used' }],
  });

/** New Installation monitoring orders: drafts that, once submitted, become a home. */
export class OrdersService {
  constructor(
    private readonly repo: OrdersRepository,
    private readonly deps: OrdersDeps,
  ) {}

  private agentOf(scope: Scope): string {
    if (!scope.agentId)
      throw new ApiError('forbidden', 'Orders belong to an agent: log in as one of its users');
    return scope.agentId;
  }

  private async ensureReferenceFree(
    agentId: string,
    reference: string,
    exceptId: string | null,
    trx: Kysely<DB>,
  ) {
    if (await this.repo.referenceTaken(agentId, reference, exceptId, trx)) throw referenceTaken(reference);
  }

  async create(actor: Actor, input: OrderDocument): Promise<Versioned<OrderView>> {
    const document = normalised(input);
    const agentId = this.agentOf(actor.scope);
    const now = Date.now();
    const row: OrderRow = {
      id: uuidv7(),
      agent_id: agentId,
      reference: document.reference,
      status: 'draft',
      postcode: document.property?.postcode ?? null,
      document: JSON.stringify(document),
      home_id: null,
      created_by: actor.scope.userId,
      created_at: now,
      updated_at: now,
      submitted_at: null,
      revision: 1,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await this.ensureReferenceFree(agentId, document.reference, null, trx);
      // Checked above for the common case; the unique index settles two creates at the same moment.
      if (!(await this.repo.insert(row, trx))) throw referenceTaken(document.reference);
      await this.deps.audit.record(trx, actor, {
        agentId,
        action: 'order.created',
        targetType: 'order',
        targetId: row.id,
        details: { reference: row.reference },
      });
    });
    return { view: toView(actor.scope, row), revision: 1 };
  }

  async list(scope: Scope, filter: OrderFilter): Promise<OrderView[]> {
    return (await this.repo.list(scope, filter)).map((row) => toView(scope, row));
  }

  async get(scope: Scope, id: string): Promise<Versioned<OrderView>> {
    const row = await this.repo.find(scope, id);
    if (!row) throw new ApiError('not_found', `No order ${id}`);
    return { view: toView(scope, row), revision: row.revision };
  }

  /** Replaces a draft's document; a submitted or cancelled order cannot change (409). */
  async update(
    actor: Actor,
    id: string,
    input: OrderDocument,
    ifMatch?: string,
  ): Promise<Versioned<OrderView>> {
    const document = normalised(input);
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No order ${id}`);
      checkIfMatch(ifMatch, row.revision);
      if (row.status !== 'draft')
        throw new ApiError('conflict', `The order is ${row.status}: only a draft can change`);
      if (!seesOccupant(actor.scope) && document.occupant !== undefined) {
        throw new ApiError('forbidden', 'Your role may not see or change occupant details');
      }
      await this.ensureReferenceFree(row.agent_id, document.reference, row.id, trx);
      const patch = {
        reference: document.reference,
        postcode: document.property?.postcode ?? null,
        document: JSON.stringify(document),
        updated_at: Date.now(),
      };
      const updated = await unlessTaken(this.repo.update(row.id, row.revision, 'draft', patch, trx));
      // Another order took the reference at the same moment: the unique index says so.
      if (updated === 'taken') throw referenceTaken(document.reference);
      if (!updated) {
        throw new ApiError(
          'precondition_failed',
          'The order changed while you were updating it; read it again',
        );
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'order.updated',
        targetType: 'order',
        targetId: row.id,
        details: { reference: document.reference },
      });
      const next = { ...row, ...patch, revision: row.revision + 1 };
      return { view: toView(actor.scope, next), revision: next.revision };
    });
  }

  /** Cancels a draft (DELETE); its reference becomes free again. */
  async cancel(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.find(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No order ${id}`);
      checkIfMatch(ifMatch, row.revision);
      if (row.status === 'cancelled') return;
      if (row.status !== 'draft')
        throw new ApiError('conflict', 'The order was submitted: decommission its home instead');
      if (
        !(await this.repo.update(
          row.id,
          row.revision,
          'draft',
          { status: 'cancelled', updated_at: Date.now() },
          trx,
        ))
      ) {
        throw new ApiError('precondition_failed', 'The order changed meanwhile; read it again');
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'order.cancelled',
        targetType: 'order',
        targetId: row.id,
        details: { reference: row.reference },
      });
    });
  }

  /**
   * Submits a draft: checks it is complete and consistent (422 listing every problem), then in one
   * transaction creates the home, its meters and channels and a provisioning definition per service,
   * and marks the order provisioned. Submitting again returns the same home; a failure part-way
   * leaves nothing behind.
   */
  async submit(actor: Actor, id: string): Promise<{ order: OrderView; homeId: string; created: boolean }> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.repo.findForUpdate(actor.scope, id, trx);
      if (!row) throw new ApiError('not_found', `No order ${id}`);
      if (row.status === 'provisioned' && row.home_id) {
        return { order: toView(actor.scope, row), homeId: row.home_id, created: false };
      }
      if (row.status === 'cancelled') throw new ApiError('conflict', 'The order was cancelled');
      const document = JSON.parse(row.document) as OrderDocument;
      const problems = completenessProblems(document);
      if (problems.length > 0) {
        throw new ApiError(
          'unprocessable',
          `The order cannot be submitted: ${problems.length} problem(s) to fix`,
          {
            errors: problems,
          },
        );
      }
      const homeId = await this.deps.homes.createFromOrder(trx, {
        id: row.id,
        agentId: row.agent_id,
        document,
        amrIntervalSeconds: document.services?.amr?.intervalSeconds,
      });
      await this.deps.provisioning.createFromOrder(
        trx,
        { id: homeId, agentId: row.agent_id },
        document.services ?? {},
      );
      const now = Date.now();
      const patch = { status: 'provisioned' as const, home_id: homeId, submitted_at: now, updated_at: now };
      // The status guard makes a concurrent second submission fail here and roll its home back.
      if (!(await this.repo.update(row.id, row.revision, 'draft', patch, trx))) {
        throw new ApiError(
          'conflict',
          'The order was submitted or changed at the same moment; read it again',
        );
      }
      await this.deps.audit.record(trx, actor, {
        agentId: row.agent_id,
        action: 'order.submitted',
        targetType: 'order',
        targetId: row.id,
        details: { reference: row.reference, homeId },
      });
      return {
        order: toView(actor.scope, { ...row, ...patch, revision: row.revision + 1 }),
        homeId,
        created: true,
      };
    });
  }

  /** Removes the occupant from an order's document (personal data erasure from its home). */
  async eraseOccupant(orderId: string, trx: Kysely<DB>): Promise<void> {
    const row = await this.repo.findById(orderId, trx);
    if (!row) return;
    const document = JSON.parse(row.document) as OrderDocument;
    if (document.occupant === undefined) return;
    delete document.occupant;
    await this.repo.update(orderId, row.revision, row.status, { document: JSON.stringify(document) }, trx);
  }
}
