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

interface PluginFlags {
  snapshot: CompiledSnapshot;
  governs: boolean;
  logs: boolean;
  /** Governance's authentication runs: always when inference auth needs credentials. */
  authenticates: boolean;
}

function flagsOf(snapshot: CompiledSnapshot): PluginFlags {
  const governs = pluginEnabled(snapshot.source.plugins, 'governance');
  return {
    snapshot,
    governs,
    logs: pluginEnabled(snapshot.source.plugins, 'logging'),
    authenticates: governs || snapshot.source.inference_auth_required === true,
  };
}

export function gateByPlugins(
  hooks: Partial<GatewayHooks>,
  current: () => CompiledSnapshot,
): Partial<GatewayHooks> {
  const { authenticate, planTargets, route, beforeAttempt, onRequestFinished, filterModels } = hooks;
  // Every hook asks, several times per request, of a snapshot that changes only on a config
  // change: the flags are read once per snapshot, then answered by one comparison.
  let last: PluginFlags | undefined;
  const flags = (snapshot: CompiledSnapshot): PluginFlags => {
    if (last?.snapshot !== snapshot) last = flagsOf(snapshot);
    return last;
  };
  return {
    ...hooks,
    authenticate: (ctx: RequestContext) =>
      flags(ctx.snapshot).authenticates ? authenticate?.(ctx) : undefined,
    planTargets: (ctx) => (flags(ctx.snapshot).governs ? planTargets?.(ctx) : undefined),
    route: (ctx, targets) => (flags(ctx.snapshot).governs && route ? route(ctx, targets) : targets),
    beforeAttempt: (ctx, target, attempt) =>
      flags(ctx.snapshot).governs ? beforeAttempt?.(ctx, target, attempt) : undefined,
    onRequestFinished(ctx, log) {
      if (flags(ctx.snapshot).logs) onRequestFinished?.(ctx, log);
    },
    filterModels: (req: IncomingMessage, entries) =>
      flags(current()).governs && filterModels ? filterModels(req, entries) : entries,
  };
}

/** True when inference serves callers without credentials because governance is disabled. */
export function ungovernedAndOpen(snapshot: CompiledSnapshot): boolean {
  return !flagsOf(snapshot).authenticates;
}
