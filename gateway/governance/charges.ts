/**
 * Per-attempt money and rate accounting. Before an attempt: count the request against request
 * limits (once per request and limit), admit against token limits, then reserve the worst case
 * on every strict budget and check every soft one. After it: settle each budget to the actual
 * cost (releasing the rest), charge tokens, and append reserve/settle/release ledger entries
 * keyed by request id and attempt index.
 */
import type { UsageLedgerEntry } from '../../clients/governance.ts';
import type { AttemptRecord, RequestContext } from '../context.ts';
import type { GatewayError } from '../errors.ts';
import type { Target } from '../routing/targets.ts';
import type { MeterAccount } from './accounts.ts';
import { budgetExceeded, rateLimited } from './errors.ts';
import type { AppliedLimits, LimitLevel } from './limits.ts';
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

/** Counts the request against request limits (once per limit) and checks token limits. */
async function admitRates(
  ctx: RequestContext,
  meters: Meters,
  limits: AppliedLimits,
  counted: Set<string>,
): Promise<MeterAccount[]> {
  const tokens: MeterAccount[] = [];
  for (const { limit, level } of limits.rateLimits) {
    if (limit.request_max_limit !== undefined && !counted.has(limit.id)) {
      const account = meters.account('requests', limit.id, limit.request_max_limit);
      if (!(await account.reserve(1, meters.now()))) throw refuse(ctx, account, level, meters);
      counted.add(limit.id);
    }
    if (limit.token_max_limit !== undefined) {
      const account = meters.account('tokens', limit.id, limit.token_max_limit);
      if (!(await account.admit())) throw refuse(ctx, account, level, meters);
      tokens.push(account);
    }
  }
  return tokens;
}

function refuse(ctx: RequestContext, account: MeterAccount, level: LimitLevel, meters: Meters): GatewayError {
  const error = rateLimited(account, level, meters.now());
  const info = account.info;
  const reset = info ? Math.max(1, Math.ceil((info.windowEnd - meters.now()) / 1000)) : 1;
  const remaining = info ? Math.max(0, Math.floor(info.limit - info.used + account.free)) : 0;
  if (!ctx.res.headersSent) {
    ctx.res.setHeader('x-ratelimit-limit', String(account.limit));
    ctx.res.setHeader('x-ratelimit-remaining', String(remaining));
    ctx.res.setHeader('x-ratelimit-reset', String(reset));
  }
  return error;
}

function releaseHolds(holds: readonly BudgetHold[]): void {
  for (const hold of holds) hold.account.settle(hold.reserved, 0);
}

/**
 * Reserves the worst case on strict budgets and admits soft ones. A stream whose full worst
 * case does not fit may start on what does (at least its prompt and a few tokens); the stream
 * guard then ends it before it spends more than it holds.
 */
async function holdBudgets(
  ctx: RequestContext,
  meters: Meters,
  limits: AppliedLimits,
  hit: PriceHit | undefined,
): Promise<{ holds: BudgetHold[]; guard: StreamGuard | undefined }> {
  const holds: BudgetHold[] = [];
  const anyStrict = limits.budgets.some((b) => b.budget.mode === 'strict');
  // Worst cases cost some arithmetic per request; soft budgets never need them.
  const promptBound = hit && anyStrict ? promptTokenBound(ctx.body) : 0;
  const worst = hit && anyStrict ? worstCaseCost(hit, promptBound, outputTokenBound(ctx.body, hit)) : 0;
  const floor = hit && anyStrict && ctx.stream ? Math.min(worst, worstCaseCost(hit, promptBound, 16)) : worst;
  const deadline = meters.now() + meters.reserveWaitMs;
  let smallest = worst;
  for (const { budget, level } of limits.budgets) {
    const account = meters.account('budget', budget.id, budget.max_limit_micros);
    const strict = budget.mode === 'strict';
    const reserved = strict ? await account.reserveUpTo(worst, floor, deadline) : 0;
    const ok = strict ? reserved > 0 || worst === 0 : await account.admit();
    if (!ok) {
      releaseHolds(holds);
      throw budgetExceeded(budget.id, level);
    }
    holds.push({ account, reserved, strict });
    if (strict) smallest = Math.min(smallest, reserved);
  }
  const guard =
    hit && smallest < worst ? new StreamGuard(ctx.operation, hit, promptBound, smallest) : undefined;
  return { holds, guard };
}

export async function beginCharge(
  ctx: RequestContext,
  meters: Meters,
  limits: AppliedLimits,
  hit: PriceHit | undefined,
  counted: Set<string>,
): Promise<AttemptCharge> {
  const tokenAccounts = await admitRates(ctx, meters, limits, counted);
  const { holds, guard } = await holdBudgets(ctx, meters, limits, hit);
  return { hit, holds, tokenAccounts, guard };
}

export interface SettledCharge {
  costMicros: number | undefined;
  entries: UsageLedgerEntry[];
}

/** The attempt's cost: reported usage, else what a cut stream delivered, else nothing. */
function actualCost(charge: AttemptCharge, attempt: AttemptRecord): number | undefined {
  if (!charge.hit) return undefined;
  if (attempt.usage) {
    const cost = usageCost(charge.hit, attempt.usage);
    return charge.guard ? Math.min(cost, charge.guard.reservation) : cost;
  }
  return charge.guard?.chargedMicros() ?? 0;
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
  const priceBookVersion = charge.hit?.version;
  // Plain literals (same keys, same order) rather than spreads of a shared key: one per entry.
  const entry = (
    kind: UsageLedgerEntry['kind'],
    budgetId: string,
    amountMicros: number,
  ): UsageLedgerEntry => ({
    requestId,
    attempt: attemptIndex,
    priceBookVersion,
    kind,
    budgetId,
    amountMicros,
  });
  for (const hold of charge.holds) {
    hold.account.settle(hold.reserved, amount);
    const budgetId = hold.account.id;
    if (hold.reserved > 0) entries.push(entry('reserve', budgetId, hold.reserved));
    if (amount > 0) entries.push(entry('settle', budgetId, amount));
    if (hold.reserved > 0) entries.push(entry('release', budgetId, hold.reserved));
  }
  const tokens = attempt.usage?.totalTokens ?? charge.guard?.deliveredTokens() ?? 0;
  for (const account of charge.tokenAccounts) account.settle(0, tokens);
  return { costMicros: cost, entries };
}

export type { Target };
