/**
 * The planTargets and route hooks: routing rules first (evaluated with the request's variables),
 * then weighted virtual-key routing for bare models, then access control on whatever resulted.
 */
import type { RequestContext } from '../context.ts';
import type { Target } from '../core/target.ts';
import type { Principal } from './auth.ts';
import { governanceView } from './compile.ts';
import type { MeterRegistry } from './meter-registry.ts';
import type { RequestState } from './request-state.ts';
import { addressOf, enforceAccess, ruleTargets, virtualKeyTargets, type Addressed } from './routing.ts';
import { matchRule } from './rules.ts';

const REQUEST_TYPES: Record<string, string> = {
  chat: 'chat_completion',
  completions: 'text_completion',
  embeddings: 'embedding',
  responses: 'responses',
};

function queryMap(ctx: RequestContext): Record<string, string> {
  const url = ctx.req.url ?? '';
  const at = url.indexOf('?');
  if (at < 0) return {};
  return Object.fromEntries(new URLSearchParams(url.slice(at + 1)));
}

/**
 * The variables of a routing-rule evaluation. Headers are Node's own object (names already
 * lower-cased); query parameters and usage percentages are computed only if an expression
 * reads them.
 */
function celContext(
  ctx: RequestContext,
  address: Addressed,
  principal: Principal | undefined,
  meters: MeterRegistry,
): Record<string, unknown> {
  const vk = principal?.vk;
  return {
    model: address.model,
    provider: address.provider ?? '',
    request_type: REQUEST_TYPES[ctx.operation] ?? ctx.operation,
    headers: ctx.req.headers,
    get params() {
      return queryMap(ctx);
    },
    virtual_key_id: vk?.id ?? '',
    virtual_key_name: vk?.name ?? '',
    team_id: principal?.team?.id ?? '',
    team_name: principal?.team?.name ?? '',
    customer_id: principal?.customer?.id ?? '',
    customer_name: principal?.customer?.name ?? '',
    get budget_used() {
      return meters.percentUsed('budget', vk?.budget_id);
    },
    get tokens_used() {
      return meters.percentUsed('tokens', vk?.rate_limit_id);
    },
    get request() {
      return meters.percentUsed('requests', vk?.rate_limit_id);
    },
    request_body: ctx.body,
  };
}

export function planTargets(
  ctx: RequestContext,
  state: RequestState,
  meters: MeterRegistry,
): Target[] | undefined {
  const view = governanceView(ctx.snapshot);
  const principal = state.principal;
  if (!view.rules.any && principal?.providers === undefined) return undefined;
  const address = addressOf(ctx);
  const scopes = {
    virtualKeyId: principal?.vk.id,
    teamId: principal?.team?.id,
    customerId: principal?.customer?.id,
  };
  const memoKey = [principal?.vk.id ?? '', address.model, address.provider ?? '', ctx.operation];
  const rule = matchRule(view.rules, scopes, memoKey, () => celContext(ctx, address, principal, meters));
  if (rule) {
    const targets = ruleTargets(ctx, rule, address);
    if (targets.length > 0) {
      state.rule = rule;
      state.planned = true;
      return targets;
    }
  }
  if (!principal) return undefined;
  const targets = virtualKeyTargets(ctx, principal, address);
  if (targets) state.planned = true;
  return targets;
}

export function routeTargets(ctx: RequestContext, state: RequestState, targets: Target[]): Target[] {
  const principal = state.principal;
  if (!principal) return targets;
  return enforceAccess(principal, targets, !state.planned);
}
