/**
 * Runs governance's hooks and any others (tests observing attempts) together: governance first
 * on the way in, both on the way out. Missing hooks are no-ops.
 */
import { NOOP_HOOKS, type GatewayHooks } from '../hooks.ts';

export function composeHooks(
  first: Partial<GatewayHooks>,
  second: Partial<GatewayHooks> | undefined,
): GatewayHooks {
  const a: GatewayHooks = { ...NOOP_HOOKS, ...first };
  const b: GatewayHooks = { ...NOOP_HOOKS, ...second };
  if (second === undefined) return a;
  return {
    async authenticate(ctx) {
      const admission = await a.authenticate(ctx);
      await b.authenticate(ctx);
      return admission;
    },
    planTargets: (ctx) => a.planTargets(ctx) ?? b.planTargets(ctx),
    route: (ctx, targets) => b.route(ctx, a.route(ctx, targets)),
    async beforeAttempt(ctx, target, attempt) {
      const guard = await a.beforeAttempt(ctx, target, attempt);
      await b.beforeAttempt(ctx, target, attempt);
      return guard;
    },
    onAttemptSettled(ctx, attempt) {
      a.onAttemptSettled(ctx, attempt);
      b.onAttemptSettled(ctx, attempt);
    },
    onRequestFinished(ctx, log) {
      a.onRequestFinished(ctx, log);
      b.onRequestFinished(ctx, log);
    },
    filterModels: async (req, entries) => b.filterModels(req, await a.filterModels(req, entries)),
  };
}
