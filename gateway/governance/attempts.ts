/**
 * The per-attempt hooks: before an attempt, find the limits that apply and charge them
 * (reservations, admissions, the stream guard); after it, settle, queue the ledger entries,
 * and account cost, unpriced usage and the cost metric on the request.
 */
import type { Counter } from 'prom-client';
import type { RequestContext } from '../context.ts';
import type { AttemptRecord } from '../core/attempt.ts';
import { GatewayError } from '../core/errors.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { Target } from '../core/target.ts';
import { beginCharge, settleCharge, type AttemptCharge } from './charges.ts';
import { governanceView } from './compile.ts';
import { governanceUnavailable, unpricedModel } from './errors.ts';
import { limitsFor } from './limits.ts';
import type { MeterRegistry } from './meter-registry.ts';
import { usageCost } from './prices.ts';
import { chargeOf, stateOf } from './request-state.ts';
import type { StreamGuard } from './stream-guard.ts';
import type { UsageQueue } from './usage-queue.ts';

/** Refusals pass through; anything else (the control plane unreachable) becomes a 503. */
function asGovernanceError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : governanceUnavailable(error);
}

/**
 * The attempt holds its charge; a stream that may outspend its reservation gets a guard, handed
 * back to the engine for this attempt only.
 */
function accept(ctx: RequestContext, attempt: AttemptRecord, charge: AttemptCharge): StreamGuard | undefined {
  const state = stateOf(ctx);
  state.chargedAttempts.push(attempt);
  state.charges.push(charge);
  return charge.guard;
}

/** The attempt's index among the request's attempts (the ledger entries' key). */
function attemptIndex(ctx: RequestContext, attempt: AttemptRecord): number {
  const attempts = ctx.attempts;
  for (let i = 0; i < attempts.length; i++) if (attempts[i] === attempt) return i;
  return -1;
}

export class AttemptAccounting {
  constructor(
    private readonly meters: MeterRegistry,
    private readonly usage: UsageQueue,
    private readonly metrics: GatewayMetrics,
    private readonly unpriced: Counter<'provider' | 'model'>,
  ) {}

  /** Synchronous while leases cover the attempt; a promise only when a lease must be renewed. */
  before(
    ctx: RequestContext,
    target: Target,
    attempt: AttemptRecord,
  ): StreamGuard | undefined | Promise<StreamGuard | undefined> {
    const state = stateOf(ctx);
    const view = governanceView(ctx.snapshot);
    const limits = limitsFor(view, state.principal, target.provider.name, target.model);
    if (limits.budgets.length === 0 && limits.rateLimits.length === 0) return;
    const hit = view.prices.lookup(target.provider.name, target.model);
    if (!hit) {
      // A strict budget promises its limit holds; a cost it cannot know would pass it at $0.
      const bounding =
        limits.budgets.find((b) => b.budget.mode === 'strict') ??
        (ctx.snapshot.client.unpriced_model_policy === 'deny' ? limits.budgets[0] : undefined);
      if (bounding)
        throw unpricedModel(target.provider.name, target.model, bounding.budget.id, bounding.level);
    }
    let begun: AttemptCharge | Promise<AttemptCharge>;
    try {
      begun = beginCharge(ctx, this.meters, limits, hit);
    } catch (error) {
      throw asGovernanceError(error);
    }
    if (!(begun instanceof Promise)) return accept(ctx, attempt, begun);
    return begun.then(
      (charge) => accept(ctx, attempt, charge),
      (error: unknown) => {
        throw asGovernanceError(error);
      },
    );
  }

  settled(ctx: RequestContext, attempt: AttemptRecord): void {
    const state = stateOf(ctx);
    const charge = chargeOf(state, attempt);
    const hit = charge
      ? charge.hit
      : governanceView(ctx.snapshot).prices.lookup(attempt.provider, attempt.model, attempt.upstreamModel);
    let cost: number | undefined;
    if (charge) {
      const settled = settleCharge(ctx, charge, attempt, attemptIndex(ctx, attempt));
      this.usage.add(settled.entries);
      cost = settled.costMicros;
    } else if (hit && attempt.usage) cost = usageCost(hit, attempt.usage);
    const model = this.metrics.modelLabel(attempt.provider, attempt.model);
    if (attempt.usage && !hit) {
      state.unpriced = true;
      this.unpriced.labels(attempt.provider, model).inc();
    }
    if (hit && cost !== undefined) {
      state.costMicros += cost;
      state.priceVersion = hit.version;
      if (cost > 0) this.metrics.addCost(attempt.provider, model, cost / 1e6);
    }
  }
}
