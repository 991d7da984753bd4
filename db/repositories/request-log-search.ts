/**
 * Reading request logs for people: search with Bifrost's filters (keyset-paged, newest first),
 * aggregate stats, and usage time series grouped by time bucket and/or dimensions. Everything
 * is one SQL statement (two for the p99), dialect-free: integer division for buckets, CASE for
 * counting, ORDER BY … OFFSET for the percentile.
 */
import { and, desc, eq, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Query, Tables } from '../connection/types.ts';
import type { RequestLogRecord } from './request-logs.ts';

export interface RequestLogSearch {
  /** The caller's own `x-request-id` (exact match). */
  clientRequestId?: string;
  providers?: readonly string[];
  models?: readonly string[];
  statuses?: ReadonlyArray<'success' | 'error'>;
  virtualKeyIds?: readonly string[];
  teamIds?: readonly string[];
  customerIds?: readonly string[];
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
  minLatencyMs?: number;
  maxLatencyMs?: number;
  /** Input + output tokens. */
  minTokens?: number;
  maxTokens?: number;
  minCostMicros?: number;
  maxCostMicros?: number;
  /** Only requests whose model had no price. */
  unpricedOnly?: boolean;
  /** Only requests whose usage the gateway estimated from a stream (no provider usage). */
  usageEstimatedOnly?: boolean;
}

type Logs = Tables['requestLogs'];

const among = <T>(column: Parameters<typeof inArray>[0], values: readonly T[] | undefined) =>
  values === undefined ? undefined : inArray(column, [...values]);
const atLeast = (expr: SQL | Logs['latencyMs'], value: number | undefined) =>
  value === undefined ? undefined : sql`${expr} >= ${value}`;
const atMost = (expr: SQL | Logs['latencyMs'], value: number | undefined) =>
  value === undefined ? undefined : sql`${expr} <= ${value}`;

/**
 * `scan`: compare `+created_at` instead of `created_at`, which keeps both planners off the
 * created_at index. For a range covering much of the table, walking that index and then
 * fetching every row costs ~3x a plain scan (SQLite has no statistics unless ANALYZE ran).
 */
export function logConditions(l: Logs, f: RequestLogSearch, scan = false): SQL | undefined {
  const tokens = sql`(${l.inputTokens} + ${l.outputTokens})`;
  const created = scan ? sql`+${l.createdAt}` : l.createdAt;
  return and(
    f.clientRequestId === undefined ? undefined : eq(l.clientRequestId, f.clientRequestId),
    among(l.provider, f.providers),
    among(l.model, f.models),
    among(l.status, f.statuses),
    among(l.virtualKeyId, f.virtualKeyIds),
    among(l.teamId, f.teamIds),
    among(l.customerId, f.customerIds),
    f.from === undefined ? undefined : sql`${created} >= ${f.from}`,
    f.to === undefined ? undefined : sql`${created} < ${f.to}`,
    atLeast(l.latencyMs, f.minLatencyMs),
    atMost(l.latencyMs, f.maxLatencyMs),
    atLeast(tokens, f.minTokens),
    atMost(tokens, f.maxTokens),
    f.minCostMicros === undefined ? undefined : gte(l.costMicros, f.minCostMicros),
    f.maxCostMicros === undefined ? undefined : lte(l.costMicros, f.maxCostMicros),
    f.unpricedOnly ? eq(l.unpriced, true) : undefined,
    f.usageEstimatedOnly ? eq(l.usageEstimated, true) : undefined,
  );
}

/**
 * Whether a time range covers enough of the logs that scanning beats the index: estimated from
 * the oldest and newest log (two index endpoint lookups), assuming traffic spread over time.
 * SQLite only: Postgres keeps statistics (autovacuum analyzes) and picks the scan itself, while
 * `+created_at` would blind its row estimates and make it sort instead of hash.
 */
async function wideRange(db: Database, q: Query, f: RequestLogSearch): Promise<boolean> {
  if (db.dialect !== 'sqlite' || (f.from === undefined && f.to === undefined)) return false;
  const l = q.t.requestLogs;
  const [span] = await q.orm
    .select({ first: sql`min(${l.createdAt})`, last: sql`max(${l.createdAt})` })
    .from(l);
  const first = Number(span?.first ?? 0);
  const last = Number(span?.last ?? 0);
  if (last <= first) return true;
  const covered = Math.min(f.to ?? last, last) - Math.max(f.from ?? first, first);
  return covered / (last - first) > 0.3;
}

export interface LogCursor {
  createdAt: number;
  id: string;
}

/** Newest first; `after` continues strictly after that row. */
export function searchRequestLogs(
  db: Database,
  filter: RequestLogSearch,
  page: { after?: LogCursor; limit: number },
): Promise<RequestLogRecord[]> {
  return db.run(({ orm, t }) => {
    const l = t.requestLogs;
    const after = page.after;
    const keyset = after
      ? or(lt(l.createdAt, after.createdAt), and(eq(l.createdAt, after.createdAt), lt(l.id, after.id)))
      : undefined;
    return orm
      .select()
      .from(l)
      .where(and(logConditions(l, filter), keyset))
      .orderBy(desc(l.createdAt), desc(l.id))
      .limit(page.limit);
  });
}

export function listRequestLogsByIds(db: Database, ids: readonly string[]): Promise<RequestLogRecord[]> {
  return db.run(({ orm, t }) =>
    orm
      .select()
      .from(t.requestLogs)
      .where(inArray(t.requestLogs.id, [...ids])),
  );
}

export interface RequestLogStats {
  count: number;
  successCount: number;
  avgLatencyMs: number | null;
  p99LatencyMs: number | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costMicros: number;
  unpricedCount: number;
}

const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

export function requestLogStats(db: Database, filter: RequestLogSearch): Promise<RequestLogStats> {
  return db.run(async (q) => {
    const { orm, t } = q;
    const l = t.requestLogs;
    const where = logConditions(l, filter, await wideRange(db, q, filter));
    const [row] = await orm
      .select({
        count: sql`count(*)`,
        successCount: sql`sum(case when ${l.status} = 'success' then 1 else 0 end)`,
        latencyCount: sql`count(${l.latencyMs})`,
        avgLatencyMs: sql`avg(${l.latencyMs})`,
        inputTokens: sql`sum(${l.inputTokens})`,
        outputTokens: sql`sum(${l.outputTokens})`,
        cachedTokens: sql`sum(${l.cachedTokens})`,
        costMicros: sql`sum(${l.costMicros})`,
        unpricedCount: sql`sum(case when ${l.unpriced} then 1 else 0 end)`,
      })
      .from(l)
      .where(where);
    const latencies = num(row?.latencyCount);
    let p99: number | null = null;
    if (latencies > 0) {
      // The ceil(0.99 n)-th smallest, counted from the top: a sort bounded to the slowest 1%.
      const [p] = await orm
        .select({ latency: l.latencyMs })
        .from(l)
        .where(and(where, sql`${l.latencyMs} is not null`))
        .orderBy(desc(l.latencyMs))
        .limit(1)
        .offset(latencies - Math.ceil(0.99 * latencies));
      p99 = p?.latency ?? null;
    }
    return {
      count: num(row?.count),
      successCount: num(row?.successCount),
      avgLatencyMs:
        row?.avgLatencyMs === null || row?.avgLatencyMs === undefined ? null : Number(row.avgLatencyMs),
      p99LatencyMs: p99,
      inputTokens: num(row?.inputTokens),
      outputTokens: num(row?.outputTokens),
      cachedTokens: num(row?.cachedTokens),
      costMicros: num(row?.costMicros),
      unpricedCount: num(row?.unpricedCount),
    };
  });
}

export type UsageDimension = 'HOUR' | 'DAY' | 'MODEL' | 'PROVIDER' | 'VIRTUAL_KEY' | 'TEAM' | 'CUSTOMER';

export interface UsageRow {
  bucketStart: number | null;
  provider: string | null;
  model: string | null;
  virtualKeyId: string | null;
  teamId: string | null;
  customerId: string | null;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  unpricedRequests: number;
}

const BUCKET_MS = { HOUR: 3_600_000, DAY: 86_400_000 } as const;

/** Spend and traffic grouped by a UTC time bucket (HOUR or DAY) and/or dimensions, in one query. */
export function usageSeries(
  db: Database,
  filter: RequestLogSearch,
  groupBy: readonly UsageDimension[],
): Promise<UsageRow[]> {
  return db.run(async (q) => {
    const { orm, t } = q;
    const l = t.requestLogs;
    const size = groupBy.includes('HOUR')
      ? BUCKET_MS.HOUR
      : groupBy.includes('DAY')
        ? BUCKET_MS.DAY
        : undefined;
    const keys: Record<string, SQL> = {};
    if (size) keys.bucketStart = sql`(${l.createdAt} / ${sql.raw(String(size))}) * ${sql.raw(String(size))}`;
    if (groupBy.includes('PROVIDER') || groupBy.includes('MODEL')) keys.provider = sql`${l.provider}`;
    if (groupBy.includes('MODEL')) keys.model = sql`${l.model}`;
    if (groupBy.includes('VIRTUAL_KEY')) keys.virtualKeyId = sql`${l.virtualKeyId}`;
    if (groupBy.includes('TEAM')) keys.teamId = sql`${l.teamId}`;
    if (groupBy.includes('CUSTOMER')) keys.customerId = sql`${l.customerId}`;
    const groups = Object.values(keys);
    const query = orm
      .select({
        ...keys,
        requests: sql`count(*)`,
        errors: sql`sum(case when ${l.status} = 'error' then 1 else 0 end)`,
        inputTokens: sql`sum(${l.inputTokens})`,
        outputTokens: sql`sum(${l.outputTokens})`,
        costMicros: sql`sum(${l.costMicros})`,
        unpricedRequests: sql`sum(case when ${l.unpriced} then 1 else 0 end)`,
      })
      .from(l)
      .where(logConditions(l, filter, await wideRange(db, q, filter)));
    // No ORDER BY: Postgres then hash-aggregates instead of sorting every row by text columns
    // (3x slower); the few result rows are sorted here.
    const rows = (groups.length > 0 ? await query.groupBy(...groups) : await query) as Array<
      Record<string, unknown>
    >;
    return rows.map(toUsageRow).sort(compareUsage);
  });
}

const text = (value: unknown) => (value === undefined || value === null ? null : String(value));

function toUsageRow(row: Record<string, unknown>): UsageRow {
  return {
    bucketStart: row.bucketStart === undefined ? null : Number(row.bucketStart),
    provider: text(row.provider),
    model: text(row.model),
    virtualKeyId: text(row.virtualKeyId),
    teamId: text(row.teamId),
    customerId: text(row.customerId),
    requests: num(row.requests),
    errors: num(row.errors),
    inputTokens: num(row.inputTokens),
    outputTokens: num(row.outputTokens),
    costMicros: num(row.costMicros),
    unpricedRequests: num(row.unpricedRequests),
  };
}

const KEYS = ['bucketStart', 'provider', 'model', 'virtualKeyId', 'teamId', 'customerId'] as const;

/** Time first, then the dimensions; nulls (requests without a key or team) last. */
function compareUsage(a: UsageRow, b: UsageRow): number {
  for (const key of KEYS) {
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}
