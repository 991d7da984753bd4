/**
 * The governance half of the control-plane contract: budget and rate-limit leases, the usage
 * ledger and request-log batches. Plain JSON-able data only, so the remote transport can carry
 * it unchanged; the in-process implementation lives in api/counters/.
 *
 * Leases (ARCHITECTURE.md, "Budgets and rate limits across replicas"): a gateway asks for a slice
 * of what remains of a meter; the control plane grants it atomically (never more than remains,
 * unless `force`), and the gateway spends it locally. Budget grants are recorded as `reserve`
 * ledger entries under the request id `lease:<holder>`; the gateway later reports `release`
 * entries under the same id for what it consumed or gives back, so budget counters stay the
 * ledger's sums: used = Σ settle (this window), reserved = Σ reserve − Σ release.
 */

/** A budget (micro-dollars), a rate limit's request count, or its token count. */
export type MeterKind = 'budget' | 'requests' | 'tokens';

export interface LeaseRequest {
  /** Stable id of the asking gateway process. */
  holder: string;
  kind: MeterKind;
  /** Budget id or rate-limit id. */
  id: string;
  /** Per holder and meter, increasing: a replayed grant with the same seq is not granted twice. */
  seq: number;
  /** Amount wanted; the grant may be smaller, down to `min`. */
  want: number;
  /** Below this, grant nothing. */
  min: number;
  /** Grant `want` even past the limit: usage that already happened (soft overdraft). */
  force?: boolean;
}

export interface LeaseGrant {
  granted: number;
  limit: number;
  /** Settled usage in the current window (budgets), or usage incl. leased units (rate limits). */
  used: number;
  /** Outstanding leases and reservations, including this grant (budgets only). */
  reserved: number;
  /** Epoch ms of the current window's start and end. */
  windowStart: number;
  windowEnd: number;
}

export type LedgerKind = 'reserve' | 'settle' | 'release';

export interface UsageLedgerEntry {
  requestId: string;
  /** Attempt index within the request (lease entries: the lease's seq). */
  attempt: number;
  kind: LedgerKind;
  budgetId: string;
  amountMicros: number;
  /** Price book of a settle/reserve computed from prices; absent for lease movements. */
  priceBookVersion?: string | undefined;
}

/** Unused rate-limit units handed back for the window they were leased in. */
export interface RateReturn {
  kind: 'requests' | 'tokens';
  id: string;
  amount: number;
  windowStart: number;
}

export interface UsageReport {
  holder: string;
  /**
   * Per holder, increasing; a failed report is re-sent whole with the same number, so a store
   * that already applied it can skip it without remembering every entry.
   */
  batch?: number;
  ledger: UsageLedgerEntry[];
  rateReturns: RateReturn[];
}

/** One request-log row, as the control plane stores it (money in micro-dollars, times epoch ms). */
export interface RequestLogRow {
  /** Heimdall's request id (its `x-request-id` answer header): the row's and the ledger's key. */
  id: string;
  /** The caller's own `x-request-id` when usable (1–128 printable ASCII characters), else null. */
  clientRequestId: string | null;
  createdAt: number;
  completedAt: number;
  provider: string;
  model: string;
  endpoint: string;
  stream: boolean;
  status: 'success' | 'error';
  statusCode: number;
  latencyMs: number;
  ttftMs: number | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costMicros: number | null;
  unpriced: boolean;
  /**
   * Tokens (and so cost) counted by the gateway from what a stream relayed, because it ended
   * without the provider's usage (client disconnect, provider cut).
   */
  usageEstimated: boolean;
  priceBookVersion: string | null;
  virtualKeyId: string | null;
  teamId: string | null;
  customerId: string | null;
  providerKeyName: string | null;
  retries: number;
  fallbackIndex: number;
  routingRuleId: string | null;
  error: string | null;
}

export interface GovernanceChannel {
  acquireLease(request: LeaseRequest): Promise<LeaseGrant>;
  /** Idempotent: entries already recorded are skipped. */
  reportUsage(report: UsageReport): Promise<void>;
  /** Idempotent on row id. */
  writeRequestLogs(rows: RequestLogRow[]): Promise<void>;
}
