/**
 * Bulk writes for the governance hot spots — request-log rows and ledger entries, thousands a
 * second — as one statement with one JSON parameter that the database expands itself
 * (json_to_recordset on Postgres, json_each on SQLite). Building the same insert through the
 * query builder costs ~40–90 µs a row in JavaScript; this costs a few. It is the one place in
 * db/ with a dialect branch, because the two JSON table functions are spelled differently; the
 * results (rows skipped on conflict, new rows returned) are the same on both.
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

function insertSql(db: Database, table: BulkTable, json: string, returning: string): SQL {
  const names = table.columns.map(([column]) => column).join(', ');
  if (db.dialect === 'postgres') {
    const shape = table.columns.map(([, field, type]) => `"${field}" ${PG_TYPES[type]}`).join(', ');
    const picks = table.columns.map(([, field]) => `x."${field}"`).join(', ');
    return sql`INSERT INTO ${sql.raw(table.name)} (${sql.raw(names)}) SELECT ${sql.raw(picks)} FROM json_to_recordset(${json}::json) AS x(${sql.raw(shape)}) ON CONFLICT DO NOTHING RETURNING ${sql.raw(returning)}`;
  }
  const picks = table.columns.map(([, field]) => `json_extract(value, '$.${field}')`).join(', ');
  // `WHERE true` lets SQLite's parser tell the upsert clause from a join constraint.
  return sql`INSERT INTO ${sql.raw(table.name)} (${sql.raw(names)}) SELECT ${sql.raw(picks)} FROM json_each(${json}) WHERE true ON CONFLICT DO NOTHING RETURNING ${sql.raw(returning)}`;
}

async function execute<T>(db: Database, orm: Orm, query: SQL): Promise<T[]> {
  if (db.dialect === 'postgres') return (await orm.execute(query)).rows as T[];
  return (orm as unknown as { all(q: SQL): T[] | Promise<T[]> }).all(query);
}

const CHUNK = 5_000;

/** Inserts request-log rows, skipping ids already present; returns how many were new. */
export function insertRequestLogsBulk(db: Database, rows: readonly RequestLogInput[]): Promise<number> {
  if (rows.length === 0) return Promise.resolve(0);
  return db.transaction((tx) =>
    tx.run(async ({ orm }) => {
      let inserted = 0;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const json = JSON.stringify(rows.slice(i, i + CHUNK));
        inserted += (await execute<{ id: string }>(tx, orm, insertSql(tx, REQUEST_LOGS, json, 'id'))).length;
      }
      return inserted;
    }),
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

/**
 * Records ledger entries idempotently and moves each budget's counters by the new ones only —
 * reserve holds, release frees, settle spends — in one transaction (same rules as
 * recordLedgerEntries). Returns how many entries were new.
 */
export function recordLedgerBulk(db: Database, entries: readonly BulkLedgerEntry[]): Promise<number> {
  if (entries.length === 0) return Promise.resolve(0);
  return db.transaction(async (tx) => {
    const deltas = new Map<string, Required<BudgetDelta>>();
    let fresh = 0;
    for (let i = 0; i < entries.length; i += CHUNK) {
      const json = JSON.stringify(entries.slice(i, i + CHUNK));
      const rows = await tx.run(({ orm }) =>
        execute<Inserted>(tx, orm, insertSql(tx, LEDGER, json, 'budget_id, kind, amount_micros')),
      );
      fresh += rows.length;
      for (const row of rows) {
        const sum = deltas.get(row.budget_id) ?? { usedMicros: 0, reservedMicros: 0 };
        const amount = Number(row.amount_micros);
        if (row.kind === 'settle') sum.usedMicros += amount;
        else sum.reservedMicros += row.kind === 'reserve' ? amount : -amount;
        deltas.set(row.budget_id, sum);
      }
    }
    for (const [budgetId, delta] of deltas) await addBudgetUsage(tx, budgetId, delta);
    return fresh;
  });
}
