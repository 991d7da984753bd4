/**
 * Per-attempt money and rate accounting. Before an attempt: count it against request limits
 * (every upstream attempt — each retry and fallback — is one request, so a long fallback list
 * cannot multiply calls past the limit), admit against token limits, then reserve the worst case
 * on every strict budget and check every soft one. After it: settle each budget to the actual
 * cost (releasing the rest), charge tokens, and append a settle ledger entry per budget keyed by
 * request id and attempt index.
 */
import type { UsageLedgerEntry } from '../../clients/contract/governance.ts';
import type { RequestContext } from '../context.ts';
import type { AttemptRecord } from '../core/attempt.ts';
import type { Target } from '../core/target.ts';
import type { MaybePromise, MeterAccount } from './accounts.ts';
import { budgetExceeded, rateLimited } from './errors.ts';
import type { AppliedBudget, AppliedLimits, AppliedRateLimit, LimitLevel } from './limits.ts';
import { outputTokenBound, promptTokenBound, usageCost, worstCaseCost, type PriceHit } from './prices.ts';
import { StreamGuard } from './stream-guard.ts';

export interface Meters {
  account(kind: 'budget' | 'requests' | 'tokens', id: string, limit: number): MeterAccount;
  now(): number;
  /** Longest a strict reservation waits for in-flight requests to settle. */
  reserveWaitMs: number;
}

export interface BudgetHold {
  account: MeterAccount;
  reserved: number;
  strict: boolean;
}

export interface AttemptCharge {
  hit: PriceHit | undefined;
  holds: BudgetHold[];
  tokenAccounts: MeterAccount[];
  guard: StreamGuard | undefined;
}

/**
 * The accounts of `limits` in gate order — per rate limit its request units then its token
 * units (undefined for a dimension it lacks), then each budget — resolved once per memoised
 * limits and registry instead of three lookups by kind and id per attempt.
 */
function accountsOf(limits: AppliedLimits, meters: Meters): ReadonlyArray<MeterAccount | undefined> {
  const known = limits.accounts;
  if (known !== undefined && known.meters === meters) return known.list;
  const list: Array<MeterAccount | undefined> = [];
  for (const { limit } of limits.rateLimits) {
    const requests = limit.request_max_limit;
    const tokens = limit.token_max_limit;
    list.push(requests === undefined ? undefined : meters.account('requests', limit.id, requests));
    list.push(tokens === undefined ? undefined : meters.account('tokens', limit.id, tokens));
  }
  for (const { budget } of limits.budgets)
    list.push(meters.account('budget', budget.id, budget.max_limit_micros));
  limits.accounts = { meters, list };
  return list;
}

/**
 * Begins one attempt's charge, gate by gate in a fixed order: each rate limit's request count
 * (one unit per attempt) and token admission, then each budget — a strict one reserves the
 * worst case, a soft one admits. While leases cover the request every gate answers at once and
 * the whole charge is synchronous (no promise per gate on the hot path); a gate that must renew
 * its lease continues the rest asynchronously. A refusal releases what budgets already hold.
 */
class ChargeBegin {
  readonly tokenAccounts: MeterAccount[] = [];
  readonly holds: BudgetHold[] = [];
  private worst = 0;
  private floor = 0;
  private promptBound = 0;
  private deadline = 0;
  private smallest = 0;
  private budgetsStarted = false;
  /**
   * The clock, read once for every gate answered at the same instant (each reading leaves
   * JavaScript); read again after a lease renewal.
   */
  private now: number;
  private readonly accounts: ReadonlyArray<MeterAccount | undefined>;

  constructor(
    private readonly ctx: RequestContext,
    private readonly meters: Meters,
    private readonly limits: AppliedLimits,
    private readonly hit: PriceHit | undefined,
  ) {
    this.now = meters.now();
    this.accounts = accountsOf(limits, meters);
  }

  /** Passes the gates from `index` on; undefined when all answered synchronously. */
  run(index = 0): Promise<void> | undefined {
    if (index > 0) this.now = this.meters.now();
    const rates = this.limits.rateLimits;
    const gates = rates.length * 2 + this.limits.budgets.length;
    for (let i = index; i < gates; i++) {
      const pending =
        i < rates.length * 2
          ? this.rateGate(rates[i >> 1]!, (i & 1) === 1, this.accounts[i])
          : this.budgetGate(i - rates.length * 2);
      if (pending !== undefined) return pending.then(() => this.run(i + 1));
    }
    return undefined;
  }

  // Each gate checks its account's answer in a method: on the fast path (answer ready) no
  // closure or promise is created; only a lease renewal continues through `then`.
  private rateGate(
    { level }: AppliedRateLimit,
    tokens: boolean,
    account: MeterAccount | undefined,
  ): Promise<void> | undefined {
    if (account === undefined) return undefined;
    if (!tokens) {
      const answer = account.reserve(1, this.now, this.now);
      if (answer instanceof Promise) return answer.then((ok) => this.countRequest(account, level, ok));
      this.countRequest(account, level, answer);
      return undefined;
    }
    const answer = account.admit(this.now);
    if (answer instanceof Promise) return answer.then((ok) => this.admitTokens(account, level, ok));
    this.admitTokens(account, level, answer);
    return undefined;
  }

  private countRequest(account: MeterAccount, level: LimitLevel, ok: boolean): void {
    if (!ok) throw rateLimited(account, level, this.meters.now());
  }

  private admitTokens(account: MeterAccount, level: LimitLevel, ok: boolean): void {
    if (!ok) throw rateLimited(account, level, this.meters.now());
    this.tokenAccounts.push(account);
  }

  /** Worst cases cost some arithmetic per request; soft budgets never need them. */
  private startBudgets(): void {
    this.budgetsStarted = true;
    const { ctx, hit } = this;
    if (hit && this.limits.anyStrict) {
      // The client's own bytes are there only when ctx.body is their exact parse.
      this.promptBound = promptTokenBound(ctx.body, ctx.clientBytes);
      this.worst = worstCaseCost(hit, this.promptBound, outputTokenBound(ctx.body, hit));
      // A stream whose full worst case does not fit may start on what does (its prompt and a
      // few tokens); the stream guard then ends it before it spends more than it holds.
      this.floor = ctx.stream ? Math.min(this.worst, worstCaseCost(hit, this.promptBound, 16)) : this.worst;
    }
    this.deadline = this.now + this.meters.reserveWaitMs;
    this.smallest = this.worst;
  }

  private budgetGate(index: number): Promise<void> | undefined {
    if (!this.budgetsStarted) this.startBudgets();
    const applied = this.limits.budgets[index]!;
    const { budget } = applied;
    const account = this.accounts[this.limits.rateLimits.length * 2 + index]!;
    const strict = budget.mode === 'strict';
    const answer = strict
      ? account.reserveUpTo(this.worst, this.floor, this.deadline, this.now)
      : account.admit(this.now);
    if (answer instanceof Promise)
      return (answer as Promise<number | boolean>).then((got) => this.hold(applied, account, got));
    this.hold(applied, account, answer);
    return undefined;
  }

  /** Strict: `got` is the amount reserved; soft: whether the budget admits the request. */
  private hold({ budget, level }: AppliedBudget, account: MeterAccount, got: number | boolean): void {
    const strict = typeof got === 'number';
    const refused = strict ? got <= 0 && this.worst !== 0 : !got;
    if (refused) {
      for (const hold of this.holds) hold.account.settle(hold.reserved, 0);
      throw budgetExceeded(budget.id, level);
    }
    const reserved = strict ? got : 0;
    this.holds.push({ account, reserved, strict });
    if (strict) this.smallest = Math.min(this.smallest, reserved);
  }

  charge(): AttemptCharge {
    const { hit } = this;
    const guard =
      hit && this.budgetsStarted && this.smallest < this.worst
        ? new StreamGuard(this.ctx.operation, hit, this.promptBound, this.smallest)
        : undefined;
    return { hit, holds: this.holds, tokenAccounts: this.tokenAccounts, guard };
  }
}

export function beginCharge(
  ctx: RequestContext,
  meters: Meters,
  limits: AppliedLimits,
  hit: PriceHit | undefined,
): MaybePromise<AttemptCharge> {
  const begin = new ChargeBegin(ctx, meters, limits, hit);
  const pending = begin.run();
  return pending === undefined ? begin.charge() : pending.then(() => begin.charge());
}

export interface SettledCharge {
  costMicros: number | undefined;
  entries: UsageLedgerEntry[];
}

/** The least any strict budget reserved for the attempt (Infinity when none is strict). */
function strictCap(charge: AttemptCharge): number {
  let cap = Infinity;
  for (const hold of charge.holds) if (hold.strict) cap = Math.min(cap, hold.reserved);
  return cap;
}

/**
 * The attempt's cost: reported usage; else, for a stream that ended without it, the estimate of
 * what it relayed (engine/delivered.ts) — at least what the provider's usage said when the
 * guard cut the stream on it, and at most what strict budgets reserved, so a window never ends
 * above its limit (the strict mid-stream cut-off already keeps delivery within the reservation);
 * else what a cut stream delivered by the guard's bound; else nothing.
 */
function actualCost(charge: AttemptCharge, attempt: AttemptRecord): number | undefined {
  if (!charge.hit) return undefined;
  const usage = attempt.usage;
  if (usage?.estimated) {
    const estimate = Math.max(usageCost(charge.hit, usage), charge.guard?.exactMicros() ?? 0);
    return Math.min(estimate, strictCap(charge));
  }
  if (usage) {
    const cost = usageCost(charge.hit, usage);
    return charge.guard ? Math.min(cost, charge.guard.reservation) : cost;
  }
  return charge.guard?.chargedMicros() ?? 0;
}

/** A ledger entry as a plain literal (same keys, same order: one shape for every entry). */
function entry(
  requestId: string,
  attempt: number,
  priceBookVersion: string | undefined,
  kind: UsageLedgerEntry['kind'],
  budgetId: string,
  amountMicros: number,
): UsageLedgerEntry {
  return { requestId, attempt, priceBookVersion, kind, budgetId, amountMicros };
}

export function settleCharge(
  ctx: RequestContext,
  charge: AttemptCharge,
  attempt: AttemptRecord,
  attemptIndex: number,
): SettledCharge {
  const cost = actualCost(charge, attempt);
  const amount = cost ?? 0;
  const entries: UsageLedgerEntry[] = [];
  const requestId = ctx.id;
  const version = charge.hit?.version;
  // Only what was spent goes on the ledger. A strict attempt's reservation is taken from this
  // replica's lease and given back to it here, in memory: the lease itself is what the ledger
  // holds (`lease:<holder>` reserve/release). The attempt's own reserve and release entries,
  // written together after the fact and always equal, moved no counter and tripled the ledger
  // rows a strict request cost the writer (measured: 21.6 → see the commit, writer µs/request).
  for (const hold of charge.holds) {
    hold.account.settle(hold.reserved, amount);
    if (amount > 0) entries.push(entry(requestId, attemptIndex, version, 'settle', hold.account.id, amount));
  }
  const tokens = attempt.usage?.totalTokens ?? charge.guard?.deliveredTokens() ?? 0;
  for (const account of charge.tokenAccounts) account.settle(0, tokens);
  return { costMicros: cost, entries };
}

export type { Target };
