/**
 * Bulk writes for the governance hot spots — request-log rows and ledger entries, thousands a
 * second. Building them through the query builder costs ~40–90 µs a row in JavaScript. Postgres
 * gets one statement with one JSON parameter it expands itself (json_to_recordset: one round
 * trip per batch); SQLite, in process, gets a cached prepared INSERT run per row (~6 µs). It is
 * the one place in db/ with a dialect branch; the results (rows skipped on conflict, the new
 * ones counted and applied) are the same on both.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database, Orm } from '../connection/types.ts';
import { addBudgetUsage, type BudgetDelta } from './budgets.ts';
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
interface RawSqlite {
  prepare(source: string): { run(params: unknown[]): { changes: number } };
}

const statements = new WeakMap<RawSqlite, Map<string, ReturnType<RawSqlite['prepare']>>>();

function prepared(orm: Orm, table: BulkTable): ReturnType<RawSqlite['prepare']> {
  const client = (orm as unknown as { $client: RawSqlite }).$client;
  let cache = statements.get(client);
  if (!cache) {
    cache = new Map();
    statements.set(client, cache);
  }
  let statement = cache.get(table.name);
  if (!statement) {
    const names = table.columns.map(([column]) => column).join(', ');
    const marks = table.columns.map(() => '?').join(', ');
    statement = client.prepare(
      `INSERT INTO ${table.name} (${names}) VALUES (${marks}) ON CONFLICT DO NOTHING`,
    );
    cache.set(table.name, statement);
  }
  return statement;
}

/** Field names in column order: the layout of packed rows. */
export const REQUEST_LOG_FIELDS: readonly string[] = REQUEST_LOGS.columns.map(([, field]) => field);
export const LEDGER_FIELDS: readonly string[] = LEDGER.columns.map(([, field]) => field);

/**
 * Rows laid end to end as one flat array of values, `fields.length` per row, in column order:
 * how the SQLite writer thread receives them (structured clone copies no property names) and
 * what the prepared INSERT binds, without an object per row on either side.
 */
export function packRows(rows: readonly object[], fields: readonly string[]): unknown[] {
  const width = fields.length;
  // Grown by push, not preallocated: `new Array(n)` is a holey array, which V8's structured clone
  // cannot copy on its dense fast path; it walks it key by key instead, ~4x slower per value.
  const values: unknown[] = [];
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    for (let f = 0; f < width; f++) values.push(record[fields[f]!]);
  }
  return values;
}

/** SQLite: one prepared INSERT per packed row inside the caller's transaction; the new rows' indexes. */
function insertSqlitePacked(orm: Orm, table: BulkTable, values: readonly unknown[]): number[] {
  const statement = prepared(orm, table);
  const width = table.columns.length;
  const bools = table.columns.flatMap(([, , type], index) => (type === 'bool' ? [index] : []));
  const fresh: number[] = [];
  const params = new Array<unknown>(width);
  for (let at = 0, row = 0; at < values.length; at += width, row++) {
    for (let f = 0; f < width; f++) params[f] = values[at + f] ?? null;
    // better-sqlite3 binds no booleans: SQLite stores them as 0/1.
    for (const f of bools) if (params[f] !== null) params[f] = params[f] ? 1 : 0;
    if (statement.run(params).changes > 0) fresh.push(row);
  }
  return fresh;
}

async function execute<T>(orm: Orm, query: SQL): Promise<T[]> {
  return (await orm.execute(query)).rows as T[];
}

const CHUNK = 5_000;

/** Inserts request-log rows, skipping ids already present; returns how many were new. */
export function insertRequestLogsBulk(db: Database, rows: readonly RequestLogInput[]): Promise<number> {
  if (rows.length === 0) return Promise.resolve(0);
  if (db.dialect === 'sqlite') return insertRequestLogsPacked(db, packRows(rows, REQUEST_LOG_FIELDS));
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

/** SQLite only: request-log rows packed by {@link packRows} with {@link REQUEST_LOG_FIELDS}. */
export function insertRequestLogsPacked(db: Database, values: readonly unknown[]): Promise<number> {
  if (values.length === 0) return Promise.resolve(0);
  return db.transaction((tx) =>
    tx.run(({ orm }) => Promise.resolve(insertSqlitePacked(orm, REQUEST_LOGS, values).length)),
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
  for (const [budgetId, delta] of deltas) await addBudgetUsage(tx, budgetId, delta);
}

/**
 * Records ledger entries idempotently and moves each budget's counters by the new ones only, in
 * one transaction (same rules as recordLedgerEntries). Returns how many entries were new.
 */
export function recordLedgerBulk(db: Database, entries: readonly BulkLedgerEntry[]): Promise<number> {
  if (entries.length === 0) return Promise.resolve(0);
  if (db.dialect === 'sqlite') return recordLedgerPacked(db, packRows(entries, LEDGER_FIELDS));
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

/** SQLite only: ledger entries packed by {@link packRows} with {@link LEDGER_FIELDS}. */
export function recordLedgerPacked(db: Database, values: readonly unknown[]): Promise<number> {
  if (values.length === 0) return Promise.resolve(0);
  const width = LEDGER_FIELDS.length;
  return db.transaction(async (tx) => {
    const fresh = await tx.run(({ orm }) =>
      Promise.resolve(
        insertSqlitePacked(orm, LEDGER, values).map((row): Inserted => {
          const at = row * width;
          return {
            budget_id: values[at + LEDGER_BUDGET] as string,
            kind: values[at + LEDGER_KIND] as string,
            amount_micros: values[at + LEDGER_AMOUNT] as number,
          };
        }),
      ),
    );
    await applyLedgerDeltas(tx, fresh);
    return fresh.length;
  });
}
