import type { Kysely } from 'kysely';
import type { DB } from './db/schema.js';

/**
 * What a feature tells the features above it, which it does not know: typed in-process events.
 * A feature that must react to something lower down (fault evaluation to stored readings, an order
 * to its home's erasure) subscribes when it is wired (context.ts); the lower feature only emits.
 * Handlers run one after another and are awaited by `emit`, so one that is given the emitter's
 * transaction takes part in it, and its error fails the change as a direct call would.
 */
export interface DomainEvents {
  /** Readings of these homes were stored (committed): their fault evaluation is due again. */
  'readings.stored': { homeIds: readonly string[] };
  /** A home was given a service (in the transaction that gives it). */
  'provisioning.started': { trx: Kysely<DB>; homeId: string; agentId: string; service: string };
  /** A home's occupant was erased (in the transaction that erases it): every copy must go. */
  'home.occupant_erased': { trx: Kysely<DB>; homeId: string; orderId: string };
}

type Handler<K extends keyof DomainEvents> = (event: DomainEvents[K]) => void | Promise<void>;

export class Events {
  private readonly handlers: { [K in keyof DomainEvents]?: Handler<K>[] } = {};

  on<K extends keyof DomainEvents>(name: K, handler: Handler<K>): void {
    const list: Handler<K>[] = this.handlers[name] ?? [];
    list.push(handler);
    (this.handlers as Record<K, Handler<K>[]>)[name] = list;
  }

  async emit<K extends keyof DomainEvents>(name: K, event: DomainEvents[K]): Promise<void> {
    for (const handler of this.handlers[name] ?? []) await handler(event);
  }
}
