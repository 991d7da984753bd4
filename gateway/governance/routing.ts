/**
 * Where a request goes under governance: a matching CEL routing rule (its weighted targets,
 * then its fallbacks), else — for a bare model and a virtual key with provider configs — a
 * weighted choice among the providers the key allows for that model, the others following as
 * fallbacks by weight. The client's own `fallbacks` come last. Access control then drops what
 * the key may not use: a blocked primary is a 403, blocked fallbacks are left out.
 */
import type { RoutingRuleSnapshot, VirtualKeyProviderSnapshot } from '../../clients/contract/snapshot.ts';
import type { RequestContext } from '../context.ts';
import { GatewayError } from '../core/errors.ts';
import { splitModelAddress, type ModelAddress } from '../routing/model-address.ts';
import { fallbackTargets } from '../routing/targets.ts';
import type { Target } from '../core/target.ts';
import type { CompiledProvider } from '../core/compiled-snapshot.ts';
import type { Principal } from './auth.ts';

export type Addressed = ModelAddress;

/** The request's model address, split as the data plane splits it (routing/model-address.ts). */
export function addressOf(ctx: RequestContext): Addressed {
  return splitModelAddress(ctx.snapshot, ctx.requestedModel, ctx.requestedProvider);
}

export function modelAllowed(config: VirtualKeyProviderSnapshot, provider: string, model: string): boolean {
  const allowed = config.allowed_models;
  return (
    allowed.length === 0 ||
    allowed.includes('*') ||
    allowed.includes(model) ||
    allowed.includes(`${provider}/${model}`)
  );
}

function weightedOrder<T extends { weight: number }>(items: readonly T[], random = Math.random()): T[] {
  // One target (the common rule): nothing to weigh, no per-request weight arrays.
  if (items.length <= 1) return items.slice();
  const positive = items.map((item) => (item.weight > 0 ? item.weight : 0));
  const total = positive.reduce((a, b) => a + b, 0);
  if (total <= 0) return [...items];
  let target = random * total;
  let chosen = items.length - 1;
  for (let i = 0; i < items.length; i++) {
    target -= positive[i]!;
    if (target < 0) {
      chosen = i;
      break;
    }
  }
  const rest = items.filter((_, i) => i !== chosen).sort((a, b) => b.weight - a.weight);
  return [items[chosen]!, ...rest];
}

function offers(provider: CompiledProvider, ctx: RequestContext): boolean {
  return provider.adapter === undefined || provider.adapter.paths[ctx.operation] !== undefined;
}

/** Indexes the planned targets, then appends the client's `fallbacks` (read as without governance). */
function withClientFallbacks(
  ctx: RequestContext,
  list: Array<{ provider: CompiledProvider; model: string }>,
): Target[] {
  const targets: Target[] = list.map((t, index) => ({ provider: t.provider, model: t.model, index }));
  return fallbackTargets(ctx.snapshot, ctx.operation, ctx.requestedFallbacks, targets.length, targets);
}

/** Targets of a matched rule: one weighted target, the other targets, then the rule's fallbacks. */
export function ruleTargets(ctx: RequestContext, rule: RoutingRuleSnapshot, address: Addressed): Target[] {
  const list: Array<{ provider: CompiledProvider; model: string }> = [];
  // Made only for a rule that pins keys (most pin none).
  let keyNames: Map<string, string[]> | undefined;
  for (const target of weightedOrder(rule.targets)) {
    const provider = ctx.snapshot.providers.get(target.provider);
    if (provider === undefined || !offers(provider, ctx)) continue;
    list.push({ provider, model: target.model === '' ? address.model : target.model });
    if (target.key_id) {
      const key = provider.config.keys.find((k) => k.id === target.key_id || k.name === target.key_id);
      if (key) (keyNames ??= new Map()).set(provider.name, [key.name]);
    }
  }
  for (const fallback of rule.fallbacks) {
    const slash = fallback.indexOf('/');
    const name = slash > 0 ? fallback.slice(0, slash) : fallback;
    const provider = ctx.snapshot.providers.get(name);
    if (provider && offers(provider, ctx))
      list.push({ provider, model: slash > 0 ? fallback.slice(slash + 1) : address.model });
  }
  const targets = withClientFallbacks(ctx, list);
  // A rule's key pin holds on every target of that provider, the client's fallbacks included.
  if (keyNames !== undefined)
    for (const target of targets) {
      const pin = keyNames.get(target.provider.name);
      if (pin !== undefined) target.keyNames = pin;
    }
  return targets;
}

/** A bare model under a key with provider configs: weighted among the providers allowing it. */
export function virtualKeyTargets(
  ctx: RequestContext,
  principal: Principal,
  address: Addressed,
): Target[] | undefined {
  if (principal.providers === undefined || address.provider !== undefined) return undefined;
  const eligible = principal.vk.provider_configs.filter((pc) => {
    const provider = ctx.snapshot.providers.get(pc.provider);
    return provider !== undefined && offers(provider, ctx) && modelAllowed(pc, pc.provider, address.model);
  });
  if (eligible.length === 0) {
    throw new GatewayError(
      403,
      'model_blocked',
      'model_blocked',
      `virtual key may not use model "${address.model}"`,
      {
        param: 'model',
        fallbackAllowed: false,
      },
    );
  }
  const ordered = weightedOrder(eligible).map((pc) => ({
    provider: ctx.snapshot.providers.get(pc.provider)!,
    model: address.model,
  }));
  return withClientFallbacks(ctx, ordered);
}

/** No key pins (shared, not a fresh empty array per target). */
const NO_IDS: readonly string[] = [];

function blocked(principal: Principal, target: Target): GatewayError | undefined {
  const config = principal.providers?.get(target.provider.name);
  if (principal.providers === undefined) return undefined;
  if (config === undefined)
    return new GatewayError(
      403,
      'provider_blocked',
      'provider_blocked',
      `virtual key may not use provider "${target.provider.name}"`,
      { param: 'model', fallbackAllowed: false },
    );
  if (!modelAllowed(config, target.provider.name, target.model))
    return new GatewayError(
      403,
      'model_blocked',
      'model_blocked',
      `virtual key may not use model "${target.model}" on provider "${target.provider.name}"`,
      { param: 'model', fallbackAllowed: false },
    );
  return undefined;
}

/**
 * A routing rule's `key_id` may narrow a virtual key's `key_ids` on a provider, never widen
 * them: a rule key outside the key's pins blocks that target.
 */
function rulePinOutsideKey(principal: Principal, target: Target): GatewayError | undefined {
  const ids = principal.providers?.get(target.provider.name)?.key_ids ?? NO_IDS;
  const rulePin = target.keyNames;
  if (ids.length === 0 || rulePin === undefined || rulePin.some((name) => ids.includes(name)))
    return undefined;
  return new GatewayError(
    403,
    'permission_error',
    'key_not_allowed',
    `the routing rule pins key "${rulePin.join(', ')}" of provider "${target.provider.name}", which is not among the virtual key's key_ids`,
    { param: 'model', fallbackAllowed: false },
  );
}

/**
 * Drops targets the key may not use and applies its key pins, intersected with any routing
 * rule's. A 403 when nothing is left, or when `clientPrimary` (the client named the primary
 * itself) and the primary is blocked.
 */
export function enforceAccess(principal: Principal, targets: Target[], clientPrimary: boolean): Target[] {
  if (principal.providers === undefined) return targets;
  // The targets kept, copied only once one is dropped (per request, usually none is).
  let kept: Target[] | undefined;
  let first: GatewayError | undefined;
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i]!;
    const error = blocked(principal, target) ?? rulePinOutsideKey(principal, target);
    if (error && clientPrimary && target === targets[0]) throw error;
    if (error) {
      first ??= error;
      kept ??= targets.slice(0, i);
    } else kept?.push(target);
  }
  if (kept !== undefined && kept.length === 0) throw first!;
  const result = kept === undefined ? targets : kept.map((target, index) => ({ ...target, index }));
  for (const target of result) {
    const ids = principal.providers.get(target.provider.name)?.key_ids ?? NO_IDS;
    if (ids.length === 0) continue;
    const rulePin = target.keyNames;
    target.keyNames = rulePin === undefined ? ids : rulePin.filter((key) => ids.includes(key));
  }
  return result;
}
