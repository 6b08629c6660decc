/**
 * Storage faults: the disk is full, the database is read-only, an I/O error, the database server is
 * gone. They are not bugs of a request but a state of the node, so they are answered as such (503
 * with Retry-After and a problem naming the cause, /readyz not ready, workers backing off) rather
 * than as a generic 500 (docs/operations.md, "Storage faults").
 */

export type StorageFaultKind = 'disk_full' | 'read_only' | 'io_error' | 'database_unavailable';

export interface StorageFault {
  kind: StorageFaultKind;
  /** a sentence for a person: what is wrong and what to do */
  message: string;
}

const MESSAGES: Record<StorageFaultKind, string> = {
  disk_full: 'the disk holding the database is full',
  read_only: 'the database is read-only',
  io_error: 'the database cannot read or write its files (an I/O error)',
  database_unavailable: 'the database server is not reachable or is shutting down',
};

/** PostgreSQL SQLSTATEs of a database that cannot write (Appendix A of its manual). */
const PG_STATES: Record<string, StorageFaultKind> = {
  '53100': 'disk_full',
  '53000': 'disk_full',
  '58030': 'io_error',
  '25006': 'read_only',
  '57P01': 'database_unavailable',
  '57P02': 'database_unavailable',
  '57P03': 'database_unavailable',
  '08000': 'database_unavailable',
  '08003': 'database_unavailable',
  '08006': 'database_unavailable',
};

const SYSTEM_CODES: Record<string, StorageFaultKind> = {
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  EROFS: 'read_only',
  EIO: 'io_error',
  ECONNREFUSED: 'database_unavailable',
};

/** The storage fault an error reports (better-sqlite3, pg or node:fs), if it is one. */
export function storageFaultOf(err: unknown): StorageFault | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    let kind: StorageFaultKind | undefined;
    if (typeof code === 'string') {
      // better-sqlite3's SqliteError: SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…
      if (code === 'SQLITE_FULL') kind = 'disk_full';
      else if (code.startsWith('SQLITE_IOERR')) kind = 'io_error';
      else if (code.startsWith('SQLITE_READONLY')) kind = 'read_only';
      else kind = PG_STATES[code] ?? SYSTEM_CODES[code];
    }
    if (!kind && /Connection terminated|connect ECONNREFUSED/.test(e.message)) kind = 'database_unavailable';
    if (kind) return { kind, message: MESSAGES[kind] };
  }
  return undefined;
}

/** How long a node stays "not ready" after a storage fault without a successful write since. */
export const STORAGE_RETRY_SECONDS = 30;

/**
 * The node's storage state as its requests and workers see it: a fault seen by any of them makes
 * /readyz answer 503 until a write succeeds again, or for STORAGE_RETRY_SECONDS after the latest
 * fault when nothing writes meanwhile (a circuit breaker: a load balancer then sends traffic back
 * to try again, and a new fault takes the node out again).
 */
export class StorageHealth {
  private fault: (StorageFault & { since: number; last: number }) | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Records the error if it is a storage fault; returns the fault, or undefined for any other error. */
  record(err: unknown): StorageFault | undefined {
    const fault = storageFaultOf(err);
    if (!fault) return undefined;
    const now = this.now();
    this.fault = { ...fault, since: this.fault?.since ?? now, last: now };
    return fault;
  }

  /** A write went through: the storage works again. */
  recovered(): void {
    this.fault = undefined;
  }

  /** The current fault, or undefined when the node may take writes. */
  current(): (StorageFault & { since: number }) | undefined {
    if (!this.fault) return undefined;
    if (this.now() - this.fault.last >= STORAGE_RETRY_SECONDS * 1000) return undefined;
    return this.fault;
  }
}
