/**
 * Bulk writes for the governance hot spots — request-log rows and ledger entries, thousands a
 * second. Building them through the query builder costs ~40–90 µs a row in JavaScript. Postgres
 * gets one statement with one JSON parameter it expands itself (json_to_recordset: one round
 * trip per batch); SQLite, in process, gets cached prepared INSERTs of up to 32 rows each (~4 µs
 * a request-log row on the writer thread). It is the one place in db/ with a dialect branch; the
 * results (rows skipped on conflict, the new ones counted and applied) are the same on both.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database, Orm } from '../connection/types.ts';
import { addBudgetUsage, type BudgetDelta } from './budgets.ts';
import { addRateLimitUsage } from './rate-limits.ts';
import type { RequestLogInput } from './request-logs.ts';

type ColumnType = 'text' | 'int' | 'bigint' | 'bool';

interface BulkTable {
  name: string;
  columns: ReadonlyArray<[column: string, field: string, type: ColumnType]>;
}

const REQUEST_LOGS: BulkTable = {
  name: 'request_logs',
  columns: [
    ['id', 'id', 'text'],
    ['client_request_id', 'clientRequestId', 'text'],
    ['created_at', 'createdAt', 'bigint'],
    ['completed_at', 'completedAt', 'bigint'],
    ['provider', 'provider', 'text'],
    ['model', 'model', 'text'],
    ['endpoint', 'endpoint', 'text'],
    ['stream', 'stream', 'bool'],
    ['status', 'status', 'text'],
    ['status_code', 'statusCode', 'int'],
    ['latency_ms', 'latencyMs', 'int'],
    ['ttft_ms', 'ttftMs', 'int'],
    ['input_tokens', 'inputTokens', 'int'],
    ['output_tokens', 'outputTokens', 'int'],
    ['cached_tokens', 'cachedTokens', 'int'],
    ['cost_micros', 'costMicros', 'bigint'],
    ['unpriced', 'unpriced', 'bool'],
    ['usage_estimated', 'usageEstimated', 'bool'],
    ['price_book_version', 'priceBookVersion', 'text'],
    ['virtual_key_id', 'virtualKeyId', 'text'],
    ['team_id', 'teamId', 'text'],
    ['customer_id', 'customerId', 'text'],
    ['provider_key_name', 'providerKeyName', 'text'],
    ['retries', 'retries', 'int'],
    ['fallback_index', 'fallbackIndex', 'int'],
    ['routing_rule_id', 'routingRuleId', 'text'],
    ['error', 'error', 'text'],
  ],
};

const LEDGER: BulkTable = {
  name: 'usage_ledger',
  columns: [
    ['request_id', 'requestId', 'text'],
    ['attempt', 'attempt', 'int'],
    ['kind', 'kind', 'text'],
    ['budget_id', 'budgetId', 'text'],
    ['amount_micros', 'amountMicros', 'bigint'],
    ['price_book_version', 'priceBookVersion', 'text'],
    ['created_at', 'createdAt', 'bigint'],
  ],
};

/** Indexes of each table's boolean columns. */
const BOOLS = new Map<BulkTable, number[]>(
  [REQUEST_LOGS, LEDGER].map((table) => [
    table,
    table.columns.flatMap(([, , type], index) => (type === 'bool' ? [index] : [])),
  ]),
);

const PG_TYPES: Record<ColumnType, string> = {
  text: 'text',
  int: 'integer',
  bigint: 'bigint',
  bool: 'boolean',
};

/** Postgres: one INSERT … SELECT over json_to_recordset of a single JSON parameter. */
function insertSql(table: BulkTable, json: string, returning: string): SQL {
  const names = table.columns.map(([column]) => column).join(', ');
  const shape = table.columns.map(([, field, type]) => `"${field}" ${PG_TYPES[type]}`).join(', ');
  const picks = table.columns.map(([, field]) => `x."${field}"`).join(', ');
  return sql`INSERT INTO ${sql.raw(table.name)} (${sql.raw(names)}) SELECT ${sql.raw(picks)} FROM json_to_recordset(${json}::json) AS x(${sql.raw(shape)}) ON CONFLICT DO NOTHING RETURNING ${sql.raw(returning)}`;
}

/** The better-sqlite3 connection under drizzle (SQLite only): prepared statements, no builder. */
interface RawStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  all(...params: unknown[]): unknown[];
}
interface RawSqlite {
  prepare(source: string): RawStatement;
}

function rawClient(orm: Orm): RawSqlite {
  return (orm as unknown as { $client: RawSqlite }).$client;
}

const statements = new WeakMap<RawSqlite, Map<string, RawStatement>>();

/** A statement prepared once per connection; `source` builds its text the first time. */
function prepared(orm: Orm, key: string, source: () => string): RawStatement {
  const client = rawClient(orm);
  let cache = statements.get(client);
  if (!cache) {
    cache = new Map();
    statements.set(client, cache);
  }
  let statement = cache.get(key);
  if (!statement) {
    statement = client.prepare(source());
    cache.set(key, statement);
  }
  return statement;
}

/**
 * Readies a connection that does the bulk writes below in volume (the SQLite writer thread's):
 * SQLite journals the pages a multi-row INSERT (or a savepoint) touches so it can undo it alone,
 * and past 64 KiB in a transaction that journal is a temporary file, written with a pwrite per
 * page. Kept in memory instead: 500 request-log rows in 32-row INSERTs went from ~5.3 to ~4.3 CPU
 * µs a row, a third of it kernel time. Only this connection: its journals hold one transaction's
 * pages at most, while the main connection's sorts of large reads should still spill to disk.
 */
export function prepareBulkWrites(db: Database): Promise<void> {
  if (db.dialect !== 'sqlite') return Promise.resolve();
  return db.run(({ orm }) => {
    rawClient(orm).prepare('PRAGMA temp_store = MEMORY').run();
    return Promise.resolve();
  });
}

/** Field names in column order: the layout of packed rows (packing.ts checks them against the row types). */
export const REQUEST_LOG_FIELDS: readonly string[] = REQUEST_LOGS.columns.map(([, field]) => field);
export const LEDGER_FIELDS: readonly string[] = LEDGER.columns.map(([, field]) => field);

/*
 * Rows laid end to end as one flat array of values, one run of columns per row, in column order:
 * how the SQLite writer thread receives them (structured clone copies no property names) and
 * what the prepared INSERT binds, without an object per row on either side. Fields a row lacks
 * are undefined and stored as NULL. One packer per table reads each field by name: a generic
 * `row[field]` over the column list was a megamorphic keyed load per value on the serving thread
 * (27 per request-log row; packing went from 0.54 to 0.31 % of the serving thread's samples under
 * the governed bench load, `perf`, one run each). Arrays are grown by push, not preallocated:
 * `new Array(n)` is holey, which V8's structured clone cannot copy on its dense fast path (it walks
 * it key by key, ~4x slower per value).
 */

/** Request-log rows in REQUEST_LOGS' column order (checked below). */
export function packRequestLogs(rows: readonly RequestLogInput[]): unknown[] {
  const values: unknown[] = [];
  for (const r of rows)
    values.push(
      r.id,
      r.clientRequestId,
      r.createdAt,
      r.completedAt,
      r.provider,
      r.model,
      r.endpoint,
      r.stream,
      r.status,
      r.statusCode,
      r.latencyMs,
      r.ttftMs,
      r.inputTokens,
      r.outputTokens,
      r.cachedTokens,
      r.costMicros,
      r.unpriced,
      r.usageEstimated,
      r.priceBookVersion,
      r.virtualKeyId,
      r.teamId,
      r.customerId,
      r.providerKeyName,
      r.retries,
      r.fallbackIndex,
      r.routingRuleId,
      r.error,
    );
  return values;
}

/** Ledger entries in LEDGER's column order (checked below). */
export function packLedgerEntries(entries: readonly BulkLedgerEntry[]): unknown[] {
  const values: unknown[] = [];
  for (const e of entries)
    values.push(e.requestId, e.attempt, e.kind, e.budgetId, e.amountMicros, e.priceBookVersion, e.createdAt);
  return values;
}

/** A packer must lay a row's values in its table's column order, or they land in other columns. */
function sameOrder(table: string, fields: readonly string[], pack: (rows: never[]) => unknown[]): void {
  const probe = Object.fromEntries(fields.map((field) => [field, field])) as never;
  const packed = pack([probe]);
  if (packed.length !== fields.length || packed.some((value, i) => value !== fields[i]))
    throw new Error(
      `${table}: packed order ${packed.join(',')} differs from the columns ${fields.join(',')}`,
    );
}
sameOrder(REQUEST_LOGS.name, REQUEST_LOG_FIELDS, packRequestLogs);
sameOrder(LEDGER.name, LEDGER_FIELDS, packLedgerEntries);

/**
 * Rows per INSERT on SQLite, largest first: a batch goes in as many 32-row statements as fit, then
 * 8-row ones, then single rows. One statement per 32 rows costs less per row than one per row
 * (the statement's setup, the call across the native boundary, the ledger's AUTOINCREMENT counter
 * once per statement): per row, request logs ~5.1 → ~4.3 CPU µs, ledger entries ~3.5 → ~2.2. The
 * parameter count stays far below SQLite's limit (32766) at 27 columns.
 */
const CHUNKS = [32, 8, 1] as const;

/** What one multi-row INSERT did: rows `first` to `first + size - 1` of the batch went in. */
type OnChunk = (first: number, size: number, result: ReturnType<RawStatement['run']>) => void;

/**
 * SQLite: packed rows through multi-row prepared INSERTs inside the caller's transaction; the
 * number of new rows (ON CONFLICT DO NOTHING skips those already there).
 */
function insertSqlitePacked(
  orm: Orm,
  table: BulkTable,
  values: readonly unknown[],
  onChunk?: OnChunk,
): number {
  const width = table.columns.length;
  const bools = BOOLS.get(table)!;
  const rows = values.length / width;
  let inserted = 0;
  let row = 0;
  for (const size of CHUNKS) {
    if (rows - row < size) continue;
    const statement = prepared(orm, `${table.name}/${size}`, () => {
      const names = table.columns.map(([column]) => column).join(', ');
      const tuple = `(${table.columns.map(() => '?').join(', ')})`;
      const tuples = new Array<string>(size).fill(tuple).join(', ');
      return `INSERT INTO ${table.name} (${names}) VALUES ${tuples} ON CONFLICT DO NOTHING`;
    });
    const params = new Array<unknown>(size * width);
    for (; rows - row >= size; row += size) {
      const base = row * width;
      for (let i = 0; i < params.length; i++) params[i] = values[base + i] ?? null;
      // better-sqlite3 binds no booleans: SQLite stores them as 0/1.
      for (let at = 0; at < params.length; at += width)
        for (const f of bools) if (params[at + f] !== null) params[at + f] = params[at + f] ? 1 : 0;
      // Spread, not one array: better-sqlite3 binds an argument as it is, but reads an array's
      // elements through V8's object API one by one. 500 request-log rows in 32-row INSERTs went
      // from ~6.5–11.6 to ~5.3–9.3 CPU µs a row (ad hoc micro-benchmark, four runs, interleaved).
      const result = statement.run(...params);
      inserted += result.changes;
      onChunk?.(row, size, result);
    }
  }
  return inserted;
}

async function execute<T>(orm: Orm, query: SQL): Promise<T[]> {
  return (await orm.execute(query)).rows as T[];
}

const CHUNK = 5_000;

/** Inserts request-log rows, skipping ids already present; returns how many were new. */
export function insertRequestLogsBulk(db: Database, rows: readonly RequestLogInput[]): Promise<number> {
  if (rows.length === 0) return Promise.resolve(0);
  if (db.dialect === 'sqlite') return insertRequestLogsPacked(db, packRequestLogs(rows));
  return db.transaction((tx) =>
    tx.run(async ({ orm }) => {
      let inserted = 0;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const json = JSON.stringify(rows.slice(i, i + CHUNK));
        inserted += (await execute<{ id: string }>(orm, insertSql(REQUEST_LOGS, json, 'id'))).length;
      }
      return inserted;
    }),
  );
}

/** SQLite only: request-log rows packed by {@link packRequestLogs}. */
export function insertRequestLogsPacked(db: Database, values: readonly unknown[]): Promise<number> {
  if (values.length === 0) return Promise.resolve(0);
  return db.transaction((tx) =>
    tx.run(({ orm }) => Promise.resolve(insertSqlitePacked(orm, REQUEST_LOGS, values))),
  );
}

export interface BulkLedgerEntry {
  requestId: string;
  attempt: number;
  kind: 'reserve' | 'settle' | 'release';
  budgetId: string;
  amountMicros: number;
  priceBookVersion?: string | null | undefined;
  createdAt: number;
}

interface Inserted {
  budget_id: string;
  kind: string;
  amount_micros: string | number;
}

/** Moves each budget's counters by the new entries only: reserve holds, release frees, settle spends. */
async function applyLedgerDeltas(tx: Database, rows: readonly Inserted[]): Promise<void> {
  const deltas = new Map<string, Required<BudgetDelta>>();
  for (const row of rows) {
    const sum = deltas.get(row.budget_id) ?? { usedMicros: 0, reservedMicros: 0 };
    const amount = Number(row.amount_micros);
    if (row.kind === 'settle') sum.usedMicros += amount;
    else sum.reservedMicros += row.kind === 'reserve' ? amount : -amount;
    deltas.set(row.budget_id, sum);
  }
  if (tx.dialect === 'sqlite')
    await tx.run(({ orm }) => {
      // A prepared UPDATE, not the query builder's (~85 µs a call to build, run and map the row
      // nobody reads here, against ~3).
      const update = prepared(
        orm,
        'budgets/add',
        () =>
          'UPDATE budgets SET current_usage_micros = current_usage_micros + ?, reserved_micros = reserved_micros + ? WHERE id = ?',
      );
      for (const [budgetId, delta] of deltas) update.run(delta.usedMicros, delta.reservedMicros, budgetId);
      return Promise.resolve();
    });
  else for (const [budgetId, delta] of deltas) await addBudgetUsage(tx, budgetId, delta);
}

/**
 * Records ledger entries idempotently and moves each budget's counters by the new ones only, in
 * one transaction (same rules as recordLedgerEntries). Returns how many entries were new.
 */
export function recordLedgerBulk(db: Database, entries: readonly BulkLedgerEntry[]): Promise<number> {
  if (entries.length === 0) return Promise.resolve(0);
  if (db.dialect === 'sqlite') return recordLedgerPacked(db, packLedgerEntries(entries));
  return db.transaction(async (tx) => {
    const fresh: Inserted[] = [];
    for (let i = 0; i < entries.length; i += CHUNK) {
      const json = JSON.stringify(entries.slice(i, i + CHUNK));
      const rows = await tx.run(({ orm }) =>
        execute<Inserted>(orm, insertSql(LEDGER, json, 'budget_id, kind, amount_micros')),
      );
      for (const row of rows) fresh.push(row);
    }
    await applyLedgerDeltas(tx, fresh);
    return fresh.length;
  });
}

const LEDGER_BUDGET = LEDGER_FIELDS.indexOf('budgetId');
const LEDGER_KIND = LEDGER_FIELDS.indexOf('kind');
const LEDGER_AMOUNT = LEDGER_FIELDS.indexOf('amountMicros');

/** SQLite only: ledger entries packed by {@link packLedgerEntries}. */
export function recordLedgerPacked(db: Database, values: readonly unknown[]): Promise<number> {
  if (values.length === 0) return Promise.resolve(0);
  const width = LEDGER_FIELDS.length;
  return db.transaction(async (tx) => {
    const fresh: Inserted[] = [];
    await tx.run(({ orm }) => {
      // AUTOINCREMENT ids are never reused and only grow, and this transaction holds the write
      // lock: a statement's new rows are the ones with ids above the highest before it.
      const sequence = prepared(
        orm,
        'usage_ledger/sequence',
        () => "SELECT seq FROM sqlite_sequence WHERE name = 'usage_ledger'",
      ).all() as { seq: number }[];
      let before = sequence[0]?.seq ?? 0;
      insertSqlitePacked(orm, LEDGER, values, (first, size, { changes, lastInsertRowid }) => {
        if (changes === size) {
          // Every entry of the statement was new (the usual case): their amounts are at hand.
          for (let at = first * width, end = (first + size) * width; at < end; at += width)
            fresh.push({
              budget_id: values[at + LEDGER_BUDGET] as string,
              kind: values[at + LEDGER_KIND] as string,
              amount_micros: values[at + LEDGER_AMOUNT] as number,
            });
        } else if (changes > 0) {
          // Some were replays: the new rows are read back by id (a skipped row may still have
          // used up an id, so they need not be consecutive), rather than every statement paying
          // for RETURNING (~1 µs an entry).
          const last = Number(lastInsertRowid);
          const rows = prepared(
            orm,
            'usage_ledger/between',
            () => 'SELECT budget_id, kind, amount_micros FROM usage_ledger WHERE id > ? AND id <= ?',
          ).all(before, last) as Inserted[];
          if (rows.length !== changes)
            throw new Error(`ledger: ${changes} entries inserted but ${rows.length} read back`);
          for (const row of rows) fresh.push(row);
        }
        if (changes > 0) before = Number(lastInsertRowid);
      });
      return Promise.resolve();
    });
    await applyLedgerDeltas(tx, fresh);
    return fresh.length;
  });
}

/**
 * Adds `delta` to one dimension of a rate limit's current window (the governance writer's `rate`
 * operation, one per limit and flush). On SQLite a prepared UPDATE: through the query builder,
 * which also reads back and maps the whole row nobody uses here, it cost ~100 µs a call against ~3.
 */
export function addRateLimitDelta(
  db: Database,
  id: string,
  dim: 'requests' | 'tokens',
  delta: number,
): Promise<void> {
  if (db.dialect !== 'sqlite')
    return addRateLimitUsage(db, id, dim === 'requests' ? { requests: delta } : { tokens: delta }).then(
      () => undefined,
    );
  return db.run(({ orm }) => {
    const column = dim === 'requests' ? 'request_current_usage' : 'token_current_usage';
    prepared(
      orm,
      `rate_limits/add/${dim}`,
      () => `UPDATE rate_limits SET ${column} = ${column} + ? WHERE id = ?`,
    ).run(delta, id);
    return Promise.resolve();
  });
}
