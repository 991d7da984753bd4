/**
 * Request-log rows and ledger entries cross to the SQLite writer thread as one flat array of
 * values per batch instead of an array of objects: structured clone then writes no property
 * names and creates no objects, which on the serving thread costs a fraction of cloning the rows
 * (thousands a second). The writer thread rebuilds the rows; fields a row lacks come back
 * undefined, which the bulk inserts store as NULL exactly as before.
 */
import type { RequestLogRow } from '../../clients/governance.ts';
import type { BulkLedgerEntry } from '../../db/repositories/bulk.ts';
import type { WriteOp } from './writes.ts';

/** Every field, checked complete by the compiler (a new field is a compile error here). */
const LOG_FIELDS = Object.keys({
  id: 0,
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
  priceBookVersion: 0,
  virtualKeyId: 0,
  teamId: 0,
  customerId: 0,
  providerKeyName: 0,
  retries: 0,
  fallbackIndex: 0,
  routingRuleId: 0,
  error: 0,
} satisfies Record<keyof RequestLogRow, 0>) as (keyof RequestLogRow)[];

const LEDGER_FIELDS = Object.keys({
  requestId: 0,
  attempt: 0,
  kind: 0,
  budgetId: 0,
  amountMicros: 0,
  priceBookVersion: 0,
  createdAt: 0,
} satisfies Record<keyof BulkLedgerEntry, 0>) as (keyof BulkLedgerEntry)[];

/** A WriteOp as posted to the writer thread. */
export type PackedOp =
  | Exclude<WriteOp, { op: 'logs' } | { op: 'ledger' }>
  | { op: 'logs-packed'; values: unknown[] }
  | { op: 'ledger-packed'; values: unknown[] };

function flatten(rows: readonly object[], fields: readonly string[]): unknown[] {
  const width = fields.length;
  const values = new Array<unknown>(rows.length * width);
  let at = 0;
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    for (let f = 0; f < width; f++) values[at++] = record[fields[f]!];
  }
  return values;
}

function rebuild<T>(values: readonly unknown[], fields: readonly string[]): T[] {
  const width = fields.length;
  const rows: T[] = [];
  for (let at = 0; at < values.length; at += width) {
    const row: Record<string, unknown> = {};
    for (let f = 0; f < width; f++) row[fields[f]!] = values[at + f];
    rows.push(row as T);
  }
  return rows;
}

export function packOp(op: WriteOp): PackedOp {
  if (op.op === 'logs') return { op: 'logs-packed', values: flatten(op.rows, LOG_FIELDS) };
  if (op.op === 'ledger') return { op: 'ledger-packed', values: flatten(op.entries, LEDGER_FIELDS) };
  return op;
}

export function unpackOp(op: PackedOp): WriteOp {
  if (op.op === 'logs-packed') return { op: 'logs', rows: rebuild<RequestLogRow>(op.values, LOG_FIELDS) };
  if (op.op === 'ledger-packed')
    return { op: 'ledger', entries: rebuild<BulkLedgerEntry>(op.values, LEDGER_FIELDS) };
  return op;
}
