/**
 * Durable writes of governance data — ledger entries, request-log rows, window roll-overs,
 * rate-limit deltas — as plain messages, so they can run either right here or on a worker
 * thread with its own SQLite connection (sqlite-writer.ts). On one node, SQLite's synchronous
 * driver would otherwise stall the event loop that serves requests for every batch.
 */
import type { RequestLogRow } from '../../clients/contract/governance.ts';
import {
  addRateLimitDelta,
  insertRequestLogsBulk,
  recordLedgerBulk,
  rollBudgetWindow,
  rollRateWindow,
  type BulkLedgerEntry,
  type Database,
  type RateDimension,
} from '../../db/index.ts';

export type WriteOp =
  | { op: 'ledger'; entries: BulkLedgerEntry[] }
  | { op: 'logs'; rows: RequestLogRow[] }
  | { op: 'roll-budget'; id: string; start: number }
  | { op: 'roll-rate'; id: string; dim: RateDimension; start: number }
  | { op: 'rate'; id: string; dim: RateDimension; delta: number };

export interface Writer {
  /** Applies the operations in order; resolves when they are durable. */
  write(ops: readonly WriteOp[]): Promise<void>;
  close(): Promise<void>;
}

export async function applyWrite(db: Database, op: WriteOp): Promise<void> {
  switch (op.op) {
    case 'ledger':
      await recordLedgerBulk(db, op.entries);
      return;
    case 'logs':
      await insertRequestLogsBulk(db, op.rows);
      return;
    case 'roll-budget':
      await rollBudgetWindow(db, op.id, op.start);
      return;
    case 'roll-rate':
      await rollRateWindow(db, op.id, op.dim, op.start);
      return;
    case 'rate':
      await addRateLimitDelta(db, op.id, op.dim, op.delta);
  }
}

/**
 * Writes on the calling thread (Postgres, whose driver is asynchronous anyway). A batch is one
 * transaction, as on the SQLite writer thread: the sender resends a failed batch whole, and rate
 * deltas are not idempotent, so a half-applied batch would count them twice.
 */
export class DirectWriter implements Writer {
  constructor(private readonly db: Database) {}

  async write(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const op of ops) await applyWrite(tx, op);
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
