/**
 * Request-log rows and ledger entries cross to the SQLite writer thread as one flat array of
 * values per batch instead of an array of objects: structured clone then writes no property
 * names and creates no objects, which on the serving thread costs a fraction of cloning the rows
 * (thousands a second). The writer thread binds the values straight to its prepared INSERTs;
 * fields a row lacks travel as undefined and are stored as NULL.
 */
import type { RequestLogRow } from '../../clients/contract/governance.ts';
import {
  insertRequestLogsPacked,
  LEDGER_FIELDS,
  packLedgerEntries,
  packRequestLogs,
  recordLedgerPacked,
  REQUEST_LOG_FIELDS,
  type BulkLedgerEntry,
  type Database,
} from '../../db/index.ts';
import { applyWrite, type WriteOp } from './writes.ts';

/** Every field of the contract's row (a new field is a compile error here)… */
const LOG_KEYS = Object.keys({
  id: 0,
  clientRequestId: 0,
  createdAt: 0,
  completedAt: 0,
  provider: 0,
  model: 0,
  endpoint: 0,
  stream: 0,
  status: 0,
  statusCode: 0,
  latencyMs: 0,
  ttftMs: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  costMicros: 0,
  unpriced: 0,
  usageEstimated: 0,
  priceBookVersion: 0,
  virtualKeyId: 0,
  teamId: 0,
  customerId: 0,
  providerKeyName: 0,
  retries: 0,
  fallbackIndex: 0,
  routingRuleId: 0,
  error: 0,
} satisfies Record<keyof RequestLogRow, 0>);

const LEDGER_KEYS = Object.keys({
  requestId: 0,
  attempt: 0,
  kind: 0,
  budgetId: 0,
  amountMicros: 0,
  priceBookVersion: 0,
  createdAt: 0,
} satisfies Record<keyof BulkLedgerEntry, 0>);

/** …and the bulk insert's columns must carry exactly those fields, or rows would lose some. */
function sameFields(name: string, columns: readonly string[], keys: readonly string[]): void {
  const missing = keys.filter((k) => !columns.includes(k));
  const extra = columns.filter((c) => !keys.includes(c));
  if (missing.length + extra.length > 0)
    throw new Error(`${name}: packed columns differ from the row type (missing ${missing}, extra ${extra})`);
}
sameFields('request logs', REQUEST_LOG_FIELDS, LOG_KEYS);
sameFields('ledger', LEDGER_FIELDS, LEDGER_KEYS);

/** A WriteOp as posted to the writer thread. */
export type PackedOp =
  | Exclude<WriteOp, { op: 'logs' } | { op: 'ledger' }>
  | { op: 'logs-packed'; values: unknown[] }
  | { op: 'ledger-packed'; values: unknown[] };

export function packOp(op: WriteOp): PackedOp {
  if (op.op === 'logs') return { op: 'logs-packed', values: packRequestLogs(op.rows) };
  if (op.op === 'ledger') return { op: 'ledger-packed', values: packLedgerEntries(op.entries) };
  return op;
}

/** On the writer thread: packed rows go straight to the prepared INSERTs, no object per row. */
export async function applyPackedWrite(db: Database, op: PackedOp): Promise<void> {
  if (op.op === 'logs-packed') await insertRequestLogsPacked(db, op.values);
  else if (op.op === 'ledger-packed') await recordLedgerPacked(db, op.values);
  else await applyWrite(db, op);
}
