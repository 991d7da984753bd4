/**
 * Counters in Redis (REDIS_URL): each meter is a hash {used, reserved, ws}; grants, ledger
 * application and rate returns are Lua scripts, so each runs atomically across every replica.
 * Window roll-overs are computed here from the stored start and applied in the script only if
 * no other replica got there first. The ledger is still the database's: entries (including
 * lease grants) are written behind, in order, and move the database's counters the same way.
 */
import { Redis } from 'ioredis';
import type {
  LeaseGrant,
  LeaseRequest,
  MeterKind,
  RateReturn,
  UsageLedgerEntry,
} from '../../clients/governance.ts';
import { ledgerKey } from '../../clients/meter-table.ts';
import { currentWindow, parseWindow, type WindowSpec } from '../../clients/meter-windows.ts';
import { getBudget, getRateLimit, type Database } from '../../db/index.ts';
import { recordLedgerAt, rollBudgetWindow } from '../../db/repositories/meters.ts';
import type { Logger } from '../logger.ts';
import { GRANT, APPLY, RETURN } from './redis-scripts.ts';
import { ledgerRows, type CounterStore, type RateCounters } from './store.ts';

interface MeterConfig {
  limit: number;
  spec: WindowSpec | undefined;
}

type Behind =
  { type: 'ledger'; entries: UsageLedgerEntry[]; at: number } | { type: 'roll'; id: string; start: number };

const FAR = 8.64e15;

export class RedisStore implements CounterStore {
  readonly name = 'redis';
  private behind: Behind[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Database,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  static async open(
    db: Database,
    url: string,
    now: () => number,
    logger: Logger,
    prefix = process.env.HEIMDALL_REDIS_PREFIX ?? 'heimdall:',
  ): Promise<RedisStore> {
    const redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: true });
    await redis.connect();
    const store = new RedisStore(db, redis, prefix, now, logger);
    store.timer = setInterval(() => void store.flush(), 200);
    store.timer.unref();
    return store;
  }

  private key(kind: MeterKind, id: string): string {
    return `${this.prefix}meter:${kind}:${id}`;
  }

  /** Limit and window of a meter, from the database (the source of truth for configuration). */
  private async config(
    kind: MeterKind,
    id: string,
  ): Promise<MeterConfig & { seed: { used: number; reserved: number; ws: number } }> {
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

  /** The window start in force now for the stored start (creating the hash from the database once). */
  private async window(
    kind: MeterKind,
    id: string,
    config: MeterConfig & { seed: { used: number; reserved: number; ws: number } },
  ) {
    const key = this.key(kind, id);
    let stored = await this.redis.hget(key, 'ws');
    if (stored === null) {
      await this.redis.hsetnx(key, 'used', config.seed.used);
      await this.redis.hsetnx(key, 'reserved', config.seed.reserved);
      await this.redis.hsetnx(key, 'ws', config.seed.ws);
      stored = (await this.redis.hget(key, 'ws')) ?? String(config.seed.ws);
    }
    const anchor = Number(stored);
    return config.spec ? currentWindow(config.spec, anchor, this.now()) : { start: anchor, end: FAR };
  }

  async grant(request: LeaseRequest): Promise<LeaseGrant> {
    const config = await this.config(request.kind, request.id);
    const window = await this.window(request.kind, request.id, config);
    const result = (await this.redis.eval(
      GRANT,
      2,
      this.key(request.kind, request.id),
      `${this.key(request.kind, request.id)}:grants`,
      request.want,
      request.min,
      request.force ? 1 : 0,
      window.start,
      config.limit,
      request.holder,
      request.seq,
      request.kind === 'budget' ? 1 : 0,
    )) as number[];
    const [granted = 0, used = 0, reserved = 0, ws = 0, rolled = 0, replayed = 0] = result.map(Number);
    if (rolled === 1 && request.kind === 'budget')
      this.behind.push({ type: 'roll', id: request.id, start: ws });
    if (granted > 0 && request.kind === 'budget' && replayed === 0) {
      const entry: UsageLedgerEntry = {
        requestId: `lease:${request.holder}`,
        attempt: request.seq,
        kind: 'reserve',
        budgetId: request.id,
        amountMicros: granted,
      };
      this.behind.push({ type: 'ledger', entries: [entry], at: this.now() });
    }
    return { granted, limit: config.limit, used, reserved, windowStart: ws, windowEnd: window.end };
  }

  async applyLedger(entries: readonly UsageLedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const byBudget = new Map<string, UsageLedgerEntry[]>();
    for (const entry of entries)
      byBudget.set(entry.budgetId, [...(byBudget.get(entry.budgetId) ?? []), entry]);
    const fresh: UsageLedgerEntry[] = [];
    for (const [id, list] of byBudget) {
      const config = await this.config('budget', id);
      const window = await this.window('budget', id, config);
      const args: Array<string | number> = [window.start];
      for (const e of list) {
        const field = e.kind === 'settle' ? 'used' : 'reserved';
        const delta = e.kind === 'release' ? -e.amountMicros : e.amountMicros;
        args.push(ledgerKey(e), field, delta);
      }
      const key = this.key('budget', id);
      const result = (await this.redis.eval(APPLY, 2, key, `${key}:applied`, ...args)) as number[];
      const [rolled, ...freshIndexes] = result.map(Number);
      if (rolled === 1) this.behind.push({ type: 'roll', id, start: window.start });
      for (const index of freshIndexes) fresh.push(list[index]!);
    }
    if (fresh.length > 0) this.behind.push({ type: 'ledger', entries: fresh, at: this.now() });
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
    const counters: RateCounters = {};
    for (const kind of ['requests', 'tokens'] as const) {
      const [used, ws] = await this.redis.hmget(this.key(kind, id), 'used', 'ws');
      if (ws !== null && ws !== undefined) counters[kind] = { used: Number(used), windowStart: Number(ws) };
    }
    return counters.requests || counters.tokens ? counters : undefined;
  }

  refresh(): Promise<void> {
    return Promise.resolve();
  }

  flush(): Promise<void> {
    this.writing = this.writing
      .then(() => this.write())
      .catch((error: unknown) => {
        this.logger.error('governance: ledger write-behind failed; will retry', { error });
      });
    return this.writing;
  }

  private async write(): Promise<void> {
    while (this.behind.length > 0) {
      const op = this.behind[0]!;
      if (op.type === 'roll') await rollBudgetWindow(this.db, op.id, op.start);
      else await recordLedgerAt(this.db, ledgerRows(op.entries), op.at);
      this.behind.shift();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    this.redis.disconnect();
  }
}
