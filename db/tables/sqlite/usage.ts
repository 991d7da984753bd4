// GENERATED from db/tables/postgres/usage.ts by db/tables/generate.ts; edit that file, not this one.
/**
 * Request logs, the spend ledger and the price book. Logs carry ids rather than foreign keys:
 * they must outlive the keys, teams and rules they mention.
 */
import type { LedgerKind } from '../../config-types.ts';
import { sql } from 'drizzle-orm';
import { bool, count, index, int, micros, millis, serial, table, text, uniqueIndex } from './columns.ts';

export const requestLogs = table(
  'request_logs',
  {
    /** Heimdall's own request id (x-request-id): the key ledger entries and replays rely on. */
    id: text('id').primaryKey(),
    /**
     * The caller's own `x-request-id`, when it sent a usable one (1–128 printable ASCII
     * characters, gateway/request-id.ts): tenant input, so never a key, only a way to find a row.
     */
    clientRequestId: text('client_request_id'),
    createdAt: millis('created_at').notNull(),
    completedAt: millis('completed_at'),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    endpoint: text('endpoint'),
    stream: bool('stream').notNull().default(false),
    status: text('status').$type<'success' | 'error'>().notNull(),
    statusCode: int('status_code'),
    latencyMs: int('latency_ms'),
    ttftMs: int('ttft_ms'),
    inputTokens: int('input_tokens').notNull().default(0),
    outputTokens: int('output_tokens').notNull().default(0),
    cachedTokens: int('cached_tokens').notNull().default(0),
    /** Null when the model has no price; `unpriced` then says why the cost is missing. */
    costMicros: micros('cost_micros'),
    unpriced: bool('unpriced').notNull().default(false),
    /** Tokens and cost counted by the gateway from what a stream relayed (it ended without usage). */
    usageEstimated: bool('usage_estimated').notNull().default(false),
    priceBookVersion: text('price_book_version'),
    virtualKeyId: text('virtual_key_id'),
    teamId: text('team_id'),
    customerId: text('customer_id'),
    providerKeyName: text('provider_key_name'),
    retries: int('retries').notNull().default(0),
    fallbackIndex: int('fallback_index').notNull().default(0),
    routingRuleId: text('routing_rule_id'),
    error: text('error'),
  },
  (t) => [
    index('request_logs_created_idx').on(t.createdAt),
    index('request_logs_vk_created_idx').on(t.virtualKeyId, t.createdAt),
    index('request_logs_provider_model_created_idx').on(t.provider, t.model, t.createdAt),
    // Partial: most callers send no id, and those rows should cost the write path nothing.
    index('request_logs_client_request_id_idx')
      .on(t.clientRequestId, t.createdAt)
      .where(sql`${t.clientRequestId} is not null`),
  ],
);

/**
 * Append-only money movements. The unique key makes a replayed batch (a gateway retrying after
 * a timeout) a no-op instead of a double charge.
 */
export const usageLedger = table(
  'usage_ledger',
  {
    id: serial('id'),
    requestId: text('request_id').notNull(),
    attempt: int('attempt').notNull().default(0),
    kind: text('kind').$type<LedgerKind>().notNull(),
    budgetId: text('budget_id').notNull(),
    amountMicros: micros('amount_micros').notNull(),
    /** The price book the amount was computed with (null for lease movements). */
    priceBookVersion: text('price_book_version'),
    createdAt: millis('created_at')
      .notNull()
      .$defaultFn(() => Date.now()),
  },
  (t) => [
    uniqueIndex('usage_ledger_idempotency_unique').on(t.requestId, t.attempt, t.kind, t.budgetId),
    index('usage_ledger_budget_idx').on(t.budgetId, t.createdAt),
  ],
);

/** Prices in micro-dollars per million tokens; a tier applies from `tierThresholdTokens` up. */
export const priceEntries = table(
  'price_entries',
  {
    id: serial('id'),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputMicrosPerMtok: micros('input_micros_per_mtok').notNull(),
    outputMicrosPerMtok: micros('output_micros_per_mtok').notNull(),
    cacheReadMicrosPerMtok: micros('cache_read_micros_per_mtok'),
    cacheWriteMicrosPerMtok: micros('cache_write_micros_per_mtok'),
    tierThresholdTokens: count('tier_threshold_tokens').notNull().default(0),
    version: text('version').notNull(),
    source: text('source').notNull(),
    createdAt: millis('created_at')
      .notNull()
      .$defaultFn(() => Date.now()),
  },
  (t) => [
    uniqueIndex('price_entries_version_model_tier_unique').on(
      t.version,
      t.provider,
      t.model,
      t.tierThresholdTokens,
    ),
    index('price_entries_provider_model_idx').on(t.provider, t.model),
  ],
);
