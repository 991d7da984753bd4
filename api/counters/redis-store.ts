/**
 * Counters in Redis (REDIS_URL): each meter is a hash {used, reserved, ws}; grants, ledger
 * application and rate returns are Lua scripts, so each runs atomically across every replica.
 *
 * The database's ledger is the source of truth and Redis follows it (redis-scripts.ts): a usage
 * report is recorded in Redis as intents, written to the ledger (which moves the database's
 * counters in the same transaction), and only then counted in Redis. A grant must be checked and
 * taken atomically here, so it is counted first and stays an open intent until its ledger row
 * is durable. A process that dies in between leaves intents; {@link RedisStore.repair} (run by
 * every replica's sweep) counts those whose row exists and drops, or takes back, the rest. So
 * once no intent is open, Redis = Σ ledger = the database's counters, whatever was killed when.
 */
import { Redis, type ChainableCommander } from 'ioredis';
import type {
  LeaseGrant,
  LeaseRequest,
  MeterKind,
  RateReturn,
  UsageLedgerEntry,
} from '../../clients/contract/governance.ts';
import { ledgerKey } from '../../clients/contract/meter-table.ts';
import { currentWindow, parseWindow, type WindowSpec } from '../../clients/contract/windows.ts';
import {
  existingLedgerEntries,
  getBudget,
  getRateLimit,
  listBudgets,
  recordLedgerChunked,
  rollBudgetWindow,
  type Database,
  type LedgerIdentity,
} from '../../db/index.ts';
import type { Logger } from '../logger.ts';
import { COMMIT, GRANT, PREPARE, REPAIR, RETURN } from './redis-scripts.ts';
import { ledgerRow, type CounterStore } from './store.ts';
import type { RateLimitCounters } from '../../clients/contract/rate-counters.ts';

interface MeterConfig {
  limit: number;
  spec: WindowSpec | undefined;
  /** Counters and window start of the database row (seed for a hash Redis does not have). */
  seed: { used: number; reserved: number; ws: number };
}

const FAR = 8.64e15;
/** Counted entries are remembered this long, so concurrent attempts never count one twice. */
const COUNTED_KEEP_MS = 10 * 60_000;
/** Budgets whose intents {@link RedisStore.repair} reads, and whose `counted` sets it prunes, per pipeline. */
const REPAIR_BATCH = 500;
/**
 * How often a replica's repair visits every budget in the database rather than only those in the
 * repair set (see {@link RedisStore.repair}); its first repair always does.
 */
const FULL_REPAIR_MS = COUNTED_KEEP_MS;
/**
 * REPAIR as an ioredis command (`defineCommand`): sent by its SHA-1 (EVALSHA), and by its text only
 * when Redis answers NOSCRIPT (a restarted Redis), in pipelines too, so a sweep's 500 prunes per
 * pipeline do not carry the script's text each.
 */
const REPAIR_COMMAND = 'heimdallRepair';
type RepairCommand = (...args: (string | number)[]) => unknown;

/** The REPAIR command defined on the store's connection, on it or on one of its pipelines. */
function repairOn(target: Redis | ChainableCommander): RepairCommand {
  const command = (target as unknown as Record<string, RepairCommand>)[REPAIR_COMMAND]!;
  return command.bind(target);
}

const keyOf = (e: LedgerIdentity) => ledgerKey({ ...e, attempt: e.attempt ?? 0, amountMicros: 0 });

function identity(key: string): LedgerIdentity {
  const [requestId = '', attempt = '0', kind = 'settle', budgetId = ''] = key.split('\u0000');
  return { requestId, attempt: Number(attempt), kind: kind as LedgerIdentity['kind'], budgetId };
}

const fieldOf = (e: UsageLedgerEntry) => (e.kind === 'settle' ? 'used' : 'reserved');
const deltaOf = (e: UsageLedgerEntry) => (e.kind === 'release' ? -e.amountMicros : e.amountMicros);

export class RedisStore implements CounterStore {
  readonly name = 'redis';

  private constructor(
    private readonly db: Database,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number,
    private readonly logger: Logger,
    /** An intent this old is no longer in flight: {@link repair} resolves it. */
    private readonly intentGraceMs: number,
  ) {}

  /** When this replica's repair last visited every budget (0: not yet). */
  private fullRepairAt = 0;

  static async open(
    db: Database,
    url: string,
    now: () => number,
    logger: Logger,
    options: { prefix?: string; intentGraceMs?: number } = {},
  ): Promise<RedisStore> {
    const redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: true });
    redis.defineCommand(REPAIR_COMMAND, { numberOfKeys: 5, lua: REPAIR });
    await redis.connect();
    const prefix = options.prefix ?? process.env.HEIMDALL_REDIS_PREFIX ?? 'heimdall:';
    return new RedisStore(db, redis, prefix, now, logger, options.intentGraceMs ?? 30_000);
  }

  private key(kind: MeterKind, id: string): string {
    return `${this.prefix}meter:${kind}:${id}`;
  }

  /** Ids of the budgets with open intents or remembered counted entries (redis-scripts.ts). */
  private get repairSet(): string {
    return `${this.prefix}repair:budgets`;
  }

  /** Limit and window of a meter, from the database (the source of truth for configuration). */
  private async config(kind: MeterKind, id: string): Promise<MeterConfig> {
    if (kind === 'budget') {
      const b = await getBudget(this.db, id);
      if (!b) throw new Error(`unknown budget "${id}"`);
      return {
        limit: b.maxLimitMicros,
        spec: parseWindow(b.resetDuration, b.calendarAligned),
        seed: { used: b.currentUsageMicros, reserved: b.reservedMicros, ws: b.windowStart },
      };
    }
    const r = await getRateLimit(this.db, id);
    if (!r) throw new Error(`unknown rate limit "${id}"`);
    const requests = kind === 'requests';
    return {
      limit: (requests ? r.requestMaxLimit : r.tokenMaxLimit) ?? 0,
      spec: parseWindow((requests ? r.requestResetDuration : r.tokenResetDuration) ?? undefined),
      seed: {
        used: requests ? r.requestCurrentUsage : r.tokenCurrentUsage,
        reserved: 0,
        ws: requests ? r.requestWindowStart : r.tokenWindowStart,
      },
    };
  }

  /**
   * The window in force now for the stored start (creating the hash from the database once). A
   * budget's database row is rolled to it first, so ledger rows written next land in the same
   * window on both sides.
   */
  private async window(kind: MeterKind, id: string, config: MeterConfig) {
    const key = this.key(kind, id);
    let stored = await this.redis.hget(key, 'ws');
    if (stored === null) {
      await this.redis.hsetnx(key, 'used', config.seed.used);
      await this.redis.hsetnx(key, 'reserved', config.seed.reserved);
      await this.redis.hsetnx(key, 'ws', config.seed.ws);
      stored = (await this.redis.hget(key, 'ws')) ?? String(config.seed.ws);
    }
    const anchor = Number(stored);
    const window = config.spec ? currentWindow(config.spec, anchor, this.now()) : { start: anchor, end: FAR };
    if (kind === 'budget' && window.start > config.seed.ws) await rollBudgetWindow(this.db, id, window.start);
    return window;
  }

  async grant(request: LeaseRequest): Promise<LeaseGrant> {
    const config = await this.config(request.kind, request.id);
    const window = await this.window(request.kind, request.id, config);
    const budget = request.kind === 'budget';
    const entry: UsageLedgerEntry = {
      requestId: `lease:${request.holder}`,
      attempt: request.seq,
      kind: 'reserve',
      budgetId: request.id,
      amountMicros: 0,
    };
    const key = this.key(request.kind, request.id);
    const at = this.now();
    const result = (await this.redis.eval(
      GRANT,
      4,
      key,
      `${key}:grants`,
      `${key}:intents`,
      this.repairSet,
      request.want,
      request.min,
      request.force ? 1 : 0,
      window.start,
      config.limit,
      request.holder,
      request.seq,
      budget ? 1 : 0,
      ledgerKey(entry),
      at,
      request.id,
    )) as number[];
    const [granted = 0, used = 0, reserved = 0, ws = 0, , replayed = 0] = result.map(Number);
    // The grant's ledger row must be durable before anyone is told about the grant.
    if (budget && granted > 0)
      await this.commit([{ ...entry, amountMicros: granted }], at, window.start, replayed === 1 ? '2' : '1');
    return { granted, limit: config.limit, used, reserved, windowStart: ws, windowEnd: window.end };
  }

  async applyLedger(entries: readonly UsageLedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = this.now();
    const byBudget = new Map<string, UsageLedgerEntry[]>();
    for (const entry of entries)
      byBudget.set(entry.budgetId, [...(byBudget.get(entry.budgetId) ?? []), entry]);
    const leftover = new Set<string>();
    const windows = new Map<string, number>();
    for (const [id, list] of byBudget) {
      windows.set(id, (await this.window('budget', id, await this.config('budget', id))).start);
      const args = list.flatMap((e) => [ledgerKey(e), fieldOf(e), deltaOf(e)]);
      const flags = (await this.redis.eval(
        PREPARE,
        2,
        `${this.key('budget', id)}:intents`,
        this.repairSet,
        at,
        id,
        ...args,
      )) as number[];
      flags.forEach((flag, i) => flag === 1 && leftover.add(ledgerKey(list[i]!)));
    }
    const inserted = await this.record(entries, at);
    for (const [id, list] of byBudget)
      await this.count(id, list, at, windows.get(id)!, '0', inserted, leftover);
  }

  /** Writes a grant's ledger row, then closes its intent. */
  private async commit(entries: UsageLedgerEntry[], at: number, windowStart: number, counted: '1' | '2') {
    const inserted = await this.record(entries, at);
    await this.count(entries[0]!.budgetId, entries, at, windowStart, counted, inserted, new Set());
  }

  /** Ledger rows (and the database's counters) in one transaction; the keys this call inserted. */
  private async record(entries: readonly UsageLedgerEntry[], at: number): Promise<Set<string>> {
    const rows = entries.map((entry) => ledgerRow(entry, at));
    return new Set((await recordLedgerChunked(this.db, rows)).map(keyOf));
  }

  private async count(
    id: string,
    list: readonly UsageLedgerEntry[],
    at: number,
    windowStart: number,
    counted: '0' | '1' | '2',
    inserted: Set<string>,
    leftover: Set<string>,
  ): Promise<void> {
    const key = this.key('budget', id);
    const args = list.flatMap((e) => {
      const k = ledgerKey(e);
      return [k, fieldOf(e), deltaOf(e), at, counted, inserted.has(k) ? 1 : 0, leftover.has(k) ? 1 : 0];
    });
    const keys = [key, `${key}:counted`, `${key}:intents`, this.repairSet];
    const [, clamped = 0] = (
      (await this.redis.eval(COMMIT, 4, ...keys, windowStart, this.now(), id, ...args)) as number[]
    ).map(Number);
    if (clamped > 0) this.clamped(id, clamped);
  }

  private clamped(budgetId: string, micros: number): void {
    this.logger.error(
      'governance: Redis counters would have gone below 0; clamped (ledger and Redis disagree)',
      {
        budget_id: budgetId,
        micros,
      },
    );
  }

  /**
   * Resolves intents older than the grace time (their process died or gave up): counted once if
   * their ledger row exists, else dropped (a grant taken back). Returns how many were resolved.
   *
   * Every replica runs it before each lease sweep. It visits the budgets in the repair set (those
   * with open intents or remembered counted entries: the scripts that leave either add the budget
   * there atomically, and REPAIR takes it out once both are empty), so a sweep costs what the
   * active budgets need, not what every configured budget does; and every FULL_REPAIR_MS, and on
   * a replica's first sweep, every budget in the database (a budget left with work by a version
   * without the set joins it then). The intents are read, and the `counted` sets pruned,
   * REPAIR_BATCH budgets to a pipeline: a round trip for the reads and one for the prunes per
   * batch. Budgets with old intents, rare, are resolved one by one.
   */
  async repair(): Promise<number> {
    const now = this.now();
    const full = this.fullRepairAt === 0 || now - this.fullRepairAt >= FULL_REPAIR_MS;
    const ids = full
      ? (await listBudgets(this.db)).map((budget) => budget.id)
      : await this.redis.smembers(this.repairSet);
    let resolved = 0;
    for (let first = 0; first < ids.length; first += REPAIR_BATCH) {
      const batch = ids.slice(first, first + REPAIR_BATCH);
      const reads = this.redis.pipeline();
      for (const id of batch) reads.hgetall(`${this.key('budget', id)}:intents`);
      const intents = (await reads.exec()) ?? [];
      const prunes = this.redis.pipeline();
      for (const [i, id] of batch.entries()) {
        const [error, found] = intents[i] ?? [new Error('no reply')];
        if (error) throw error;
        const old = Object.entries(found as Record<string, string>)
          .filter(([, value]) => Number(value.split('|')[2]) < now - this.intentGraceMs)
          .map(([k]) => k);
        if (old.length === 0) repairOn(prunes)(...this.repairKeys(id), 0, now, now - COUNTED_KEEP_MS, id);
        else resolved += await this.resolveIntents(id, old, now);
      }
      for (const [error] of (await prunes.exec()) ?? []) if (error) throw error;
    }
    // Only a full visit that completed counts as one: a failed one is tried again next sweep.
    if (full) this.fullRepairAt = now;
    if (resolved > 0)
      this.logger.warn('governance: resolved ledger intents left by a stopped process', {
        intents: resolved,
      });
    return resolved;
  }

  private repairKeys(budgetId: string): string[] {
    const key = this.key('budget', budgetId);
    return [key, `${key}:counted`, `${key}:intents`, `${key}:grants`, this.repairSet];
  }

  /** One budget's old intents: counted where their ledger row exists, dropped or taken back elsewhere. */
  private async resolveIntents(budgetId: string, old: string[], now: number): Promise<number> {
    const inLedger = new Set((await existingLedgerEntries(this.db, old.map(identity))).map(keyOf));
    const { start } = await this.window('budget', budgetId, await this.config('budget', budgetId));
    const args = old.flatMap((k) => [k, inLedger.has(k) ? 1 : 0]);
    const [done = 0, clamped = 0] = (
      (await repairOn(this.redis)(
        ...this.repairKeys(budgetId),
        start,
        now,
        now - COUNTED_KEEP_MS,
        budgetId,
        ...args,
      )) as number[]
    ).map(Number);
    if (clamped > 0) this.clamped(budgetId, clamped);
    return done;
  }

  async returnRate(ret: RateReturn): Promise<void> {
    await this.redis.eval(RETURN, 1, this.key(ret.kind, ret.id), ret.amount, ret.windowStart);
  }

  async budgetCounters(id: string) {
    const [used, reserved, ws] = await this.redis.hmget(this.key('budget', id), 'used', 'reserved', 'ws');
    if (ws === null || ws === undefined) return undefined;
    return { used: Number(used), reserved: Number(reserved), windowStart: Number(ws) };
  }

  /** The rate limit's hashes as the scripts left them (a window that ended is rolled by readers). */
  async rateCounters(id: string) {
    const counters: RateLimitCounters = {};
    for (const kind of ['requests', 'tokens'] as const) {
      const [used, ws] = await this.redis.hmget(this.key(kind, id), 'used', 'ws');
      if (ws !== null && ws !== undefined) counters[kind] = { used: Number(used), windowStart: Number(ws) };
    }
    return counters.requests || counters.tokens ? counters : undefined;
  }

  refresh(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing is written behind: every change is durable before its call returns. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
