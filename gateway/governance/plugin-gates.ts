/**
 * The `governance` and `logging` plugins' `enabled` flags, applied per request from the snapshot
 * the request runs on (so toggling a plugin through the API takes effect on the next request).
 *
 * Governance disabled (Bifrost: "the governance plugin must be enabled for enforcement to take
 * effect"): virtual keys are neither required nor read, so no allow-lists, routing rules,
 * budgets or rate limits apply and nothing is charged to a budget; costs are still computed for
 * logs and metrics. Inference auth (`auth_config`) is not governance: when it covers inference,
 * callers still authenticate as before. Logging disabled: no request-log rows are stored.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../context.ts';
import type { GatewayHooks } from '../hooks.ts';
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';
import { pluginEnabled } from '../plugins/plugin.ts';

const governs = (snapshot: CompiledSnapshot) => pluginEnabled(snapshot.source.plugins, 'governance');
const logs = (snapshot: CompiledSnapshot) => pluginEnabled(snapshot.source.plugins, 'logging');

/** Whether governance's authentication runs: always when inference auth needs credentials. */
const authenticates = (snapshot: CompiledSnapshot) =>
  governs(snapshot) || snapshot.source.inference_auth_required === true;

export function gateByPlugins(
  hooks: Partial<GatewayHooks>,
  current: () => CompiledSnapshot,
): Partial<GatewayHooks> {
  const { authenticate, planTargets, route, beforeAttempt, onRequestFinished, filterModels } = hooks;
  return {
    ...hooks,
    authenticate: (ctx: RequestContext) => (authenticates(ctx.snapshot) ? authenticate?.(ctx) : undefined),
    planTargets: (ctx) => (governs(ctx.snapshot) ? planTargets?.(ctx) : undefined),
    route: (ctx, targets) => (governs(ctx.snapshot) && route ? route(ctx, targets) : targets),
    beforeAttempt: (ctx, target, attempt) =>
      governs(ctx.snapshot) ? beforeAttempt?.(ctx, target, attempt) : undefined,
    onRequestFinished(ctx, log) {
      if (logs(ctx.snapshot)) onRequestFinished?.(ctx, log);
    },
    filterModels: (req: IncomingMessage, entries) =>
      governs(current()) && filterModels ? filterModels(req, entries) : entries,
  };
}

/** True when inference serves callers without credentials because governance is disabled. */
export function ungovernedAndOpen(snapshot: CompiledSnapshot): boolean {
  return !authenticates(snapshot);
}
