/**
 * The control plane's governance services, behind the same GovernanceChannel the gateway uses
 * remotely: lease grants and usage reports on the chosen counter store, request-log batches,
 * price overrides for the snapshot, expiry of leases whose holder vanished, log retention, and
 * the reconciliation check (budget counters = ledger sums).
 */
import type {
  GovernanceChannel,
  LeaseGrant,
  LeaseRequest,
  RequestLogRow,
  UsageReport,
} from '../../clients/contract/governance.ts';
import type { PriceOverrideSnapshot } from '../../clients/contract/snapshot.ts';
import {
  deleteRequestLogsBefore,
  listPriceEntries,
  outstandingLeases,
  recordLedgerAt,
  type Database,
} from '../../db/index.ts';
import type { Logger } from '../logger.ts';
import { MemoryStore } from './memory-store.ts';
import { reconcileBudget, type Reconciliation } from './reconcile.ts';
import { RedisStore } from './redis-store.ts';
import { openWriter, WorkerWriter } from './sqlite-writer.ts';
import { SqlStore } from './sql-store.ts';
import type { CounterStore } from './store.ts';
import type { Writer } from './writes.ts';
import { checkLeaseRequest, UsageGuard } from './usage-guard.ts';
import { secondsFromEnv } from '../env-seconds.ts';

export interface GovernanceServiceOptions {
  database: Database;
  logger: Logger;
  /** Counters through Redis when set. */
  redisUrl?: string | undefined;
  /** Force a store (tests); default: redis with a URL, database on Postgres, memory on SQLite. */
  store?: 'memory' | 'database' | 'redis';
  now?: () => number;
  /** Told which budgets moved after each applied usage report (spend subscriptions). */
  onBudgetsChanged?: (budgetIds: string[]) => void;
  /**
   * Told which rate limits' counters moved: after a grant of request or token units (leased
   * units count as used) and after a report that returns unused units (rate subscriptions).
   */
  onRateLimitsChanged?: (rateLimitIds: string[]) => void;
  /** Told about each request-log batch once written (log tail and spend subscriptions). */
  onRequestLogs?: (rows: RequestLogRow[]) => void;
  /**
   * A lease with no ledger activity (grants, releases, heartbeats) for this long is assumed
   * orphaned and released. @default HEIMDALL_LEASE_TTL_SECONDS, else 60 s
   */
  leaseExpiryMs?: number;
  /** How often silent leases and half-applied changes are looked for. @default a sixth of the expiry */
  leaseSweepMs?: number;
  /** How often the memory store writes behind to the database (tests stretch it). @default 200 */
  flushMs?: number;
}

const HOUR = 3_600_000;
/** Gateways mark the leases they hold alive every LEASE_HEARTBEAT_MS (10 s): three beats fit. */
const MIN_LEASE_TTL_SECONDS = 30;

/** HEIMDALL_LEASE_TTL_SECONDS (default 60) in ms; a value that is no number ≥ 30 stops start-up. */
export function leaseTtlMs(env: NodeJS.ProcessEnv): number {
  return secondsFromEnv(env, 'HEIMDALL_LEASE_TTL_SECONDS', {
    fallback: 60,
    min: MIN_LEASE_TTL_SECONDS,
    why: 'gateways heartbeat every 10 s',
  });
}
const DAY = 24 * HOUR;

export class GovernanceService implements GovernanceChannel {
  private retentionDays: number | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly guard: UsageGuard;

  private constructor(
    readonly store: CounterStore,
    private readonly writer: Writer,
    private readonly options: GovernanceServiceOptions,
    private readonly now: () => number,
  ) {
    this.guard = new UsageGuard(options.database, () => store.flush(), options.logger);
  }

  static async open(options: GovernanceServiceOptions): Promise<GovernanceService> {
    const now = options.now ?? Date.now;
    const kind =
      options.store ??
      (options.redisUrl ? 'redis' : options.database.dialect === 'postgres' ? 'database' : 'memory');
    const writer = await openWriter(options.database, options.logger);
    const expiryMs = options.leaseExpiryMs ?? leaseTtlMs(process.env);
    const store: CounterStore =
      kind === 'memory'
        ? await MemoryStore.open(options.database, now, options.logger, writer, options.flushMs)
        : kind === 'redis'
          ? await RedisStore.open(
              options.database,
              options.redisUrl ?? 'redis://127.0.0.1:6379',
              now,
              options.logger,
              // Past a quarter of the lease TTL no healthy write is still in flight.
              { intentGraceMs: Math.min(30_000, expiryMs / 4) },
            )
          : new SqlStore(options.database, now);
    const service = new GovernanceService(store, writer, { ...options, leaseExpiryMs: expiryMs }, now);
    // Before serving: what a process killed mid-write left half-applied is resolved first.
    await store.repair?.();
    service.every(HOUR, () => service.applyRetention());
    // Every store, the in-memory one included: gateways in other processes (split mode) can
    // vanish holding a lease on a SQLite control plane too. This process's own gateway keeps
    // its leases alive with heartbeats.
    service.every(options.leaseSweepMs ?? expiryMs / 6, () => service.expireLeases());
    options.logger.info('governance counters', { store: store.name });
    return service;
  }

  private every(ms: number, task: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      task().catch((error: unknown) =>
        this.options.logger.error('governance: periodic task failed', { error }),
      );
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Where durable writes run: a SQLite writer thread, or this thread. */
  get writes(): 'worker' | 'direct' {
    return this.writer instanceof WorkerWriter ? 'worker' : 'direct';
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseGrant> {
    checkLeaseRequest(request);
    const grant = await this.store.grant(request);
    this.guard.granted(request, grant);
    if (request.kind !== 'budget' && grant.granted > 0) this.options.onRateLimitsChanged?.([request.id]);
    return grant;
  }

  /** Applies a report once usage-guard.ts has refused negative amounts and capped releases. */
  async reportUsage(report: UsageReport): Promise<void> {
    await this.guard.apply(report, async (ledger) => {
      await this.store.applyLedger(
        ledger,
        report.batch === undefined ? undefined : `${report.holder}:${report.batch}`,
      );
      for (const ret of report.rateReturns) await this.store.returnRate(ret);
    });
    const moved = new Set<string>();
    // About one settle per request, mostly of the same budget one after another.
    let last: string | undefined;
    for (const entry of report.ledger)
      if (entry.kind === 'settle' && entry.budgetId !== last) moved.add((last = entry.budgetId));
    if (moved.size > 0) this.options.onBudgetsChanged?.([...moved]);
    if (report.rateReturns.length > 0)
      this.options.onRateLimitsChanged?.([...new Set(report.rateReturns.map((r) => r.id))]);
  }

  async writeRequestLogs(rows: RequestLogRow[]): Promise<void> {
    await this.writer.write([{ op: 'logs', rows }]);
    this.options.onRequestLogs?.(rows);
  }

  /** `client.log_retention_days` from the latest snapshot (0 or unset keeps logs forever). */
  setRetentionDays(days: number | undefined): void {
    this.retentionDays = days;
  }

  async applyRetention(): Promise<number> {
    const days = this.retentionDays;
    if (days === undefined || days <= 0) return 0;
    return deleteRequestLogsBefore(this.options.database, this.now() - days * DAY);
  }

  /**
   * Releases leases whose holder has been silent past the expiry (a crashed replica): what the
   * ledger says it holds, but never more than the counter store holds (reserved stays ≥ 0).
   * Half-applied changes are resolved first, so both say the same.
   */
  async expireLeases(): Promise<number> {
    await this.store.repair?.();
    const cutoff = this.now() - (this.options.leaseExpiryMs ?? 60_000);
    const stale = (await outstandingLeases(this.options.database)).filter((l) => l.lastActivity < cutoff);
    if (stale.length === 0) return 0;
    const held = new Map<string, number>();
    for (const id of new Set(stale.map((l) => l.budgetId)))
      held.set(id, (await this.store.budgetCounters(id))?.reserved ?? 0);
    const entries = stale.flatMap((lease) => {
      const amount = Math.min(lease.outstanding, held.get(lease.budgetId) ?? 0);
      held.set(lease.budgetId, (held.get(lease.budgetId) ?? 0) - amount);
      if (amount < lease.outstanding)
        this.options.logger.error(
          'governance: an expired lease holds more than the counters; released what they hold',
          {
            lease: lease.requestId,
            budget_id: lease.budgetId,
            ledger_micros: lease.outstanding,
            released_micros: amount,
          },
        );
      return amount <= 0
        ? []
        : [
            {
              requestId: lease.requestId,
              attempt: -Math.floor(this.now() / 1000),
              kind: 'release' as const,
              budgetId: lease.budgetId,
              amountMicros: amount,
            },
          ];
    });
    if (this.store.name === 'database') await recordLedgerAt(this.options.database, entries, this.now());
    else await this.store.applyLedger(entries);
    for (const lease of stale) this.guard.expired(lease.requestId, lease.budgetId);
    return stale.length;
  }

  /** Price entries other than the bundled book: the latest version per provider, model and tier. */
  async priceOverrides(): Promise<PriceOverrideSnapshot[]> {
    const rows = (await listPriceEntries(this.options.database)).filter((r) => r.source !== 'bundled');
    const latest = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      const key = `${row.provider}/${row.model}/${row.tierThresholdTokens}`;
      const seen = latest.get(key);
      if (!seen || row.createdAt > seen.createdAt || (row.createdAt === seen.createdAt && row.id > seen.id))
        latest.set(key, row);
    }
    return [...latest.values()].map((r) => ({
      provider: r.provider,
      model: r.model,
      input: r.inputMicrosPerMtok / 1e6,
      output: r.outputMicrosPerMtok / 1e6,
      cache_read: r.cacheReadMicrosPerMtok === null ? undefined : r.cacheReadMicrosPerMtok / 1e6,
      cache_write: r.cacheWriteMicrosPerMtok === null ? undefined : r.cacheWriteMicrosPerMtok / 1e6,
      above_input_tokens: r.tierThresholdTokens,
      version: r.version,
    }));
  }

  /** Budget counters against the ledger (after everything written behind is durable). */
  async reconcile(budgetId: string): Promise<Reconciliation> {
    await this.store.flush();
    return reconcileBudget(this.options.database, this.store, budgetId);
  }

  refresh(): Promise<void> {
    return this.store.refresh();
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.store.close();
    await this.writer.close();
  }
}
