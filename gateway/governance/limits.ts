/**
 * Which budgets and rate limits apply to one attempt: the virtual key's, its provider config's,
 * its team's and customer's (keyed requests), the provider's and the model config's (any
 * request). A limit referenced at several levels is counted once. Refusals by a limit that
 * applies to every target (key, team, customer) stop the request; refusals by a provider- or
 * model-level limit let the next target try.
 */
import type { BudgetSnapshot, LimitRefs, RateLimitSnapshot } from '../../clients/contract/snapshot.ts';
import type { MeterAccount } from './accounts.ts';
import type { Principal } from './auth.ts';
import type { GovernanceView } from './compile.ts';

export type LimitLevel = 'virtual_key' | 'provider_config' | 'team' | 'customer' | 'provider' | 'model';

export interface AppliedBudget {
  budget: BudgetSnapshot;
  level: LimitLevel;
}

export interface AppliedRateLimit {
  limit: RateLimitSnapshot;
  level: LimitLevel;
}

export interface AppliedLimits {
  budgets: AppliedBudget[];
  rateLimits: AppliedRateLimit[];
  /** Some budget is strict: the attempt needs its worst case (decided once, memoised with these). */
  anyStrict: boolean;
  /**
   * Their accounts in gate order, resolved by the first attempt under these limits (charges.ts)
   * for the registry it ran with: later attempts look up no account by kind and id.
   */
  accounts?: { meters: object; list: ReadonlyArray<MeterAccount | undefined> };
}

/** Levels whose refusal does not depend on the target: falling back cannot help. */
export const REQUEST_WIDE: ReadonlySet<LimitLevel> = new Set(['virtual_key', 'team', 'customer']);

function refsFor(
  view: GovernanceView,
  principal: Principal | undefined,
  provider: string,
  model: string,
): Array<[LimitLevel, LimitRefs | undefined]> {
  const refs: Array<[LimitLevel, LimitRefs | undefined]> = [];
  if (principal) {
    refs.push(['virtual_key', principal.vk]);
    refs.push(['provider_config', principal.providers?.get(provider)]);
    refs.push(['team', principal.team]);
    refs.push(['customer', principal.customer]);
  }
  refs.push(['provider', view.providers.get(provider)]);
  for (const config of view.modelConfigs.get(model) ?? []) {
    if (config.provider === undefined || config.provider === provider) refs.push(['model', config]);
  }
  return refs;
}

const NONE: AppliedLimits = { budgets: [], rateLimits: [], anyStrict: false };
const CACHE_LIMIT = 10_000;
/**
 * Per snapshot view: key id → provider → model → its limits; the same few combinations repeat.
 * Nested maps rather than one map on a joined string: a key built per attempt would be
 * flattened and hashed on every lookup. `size` bounds what made-up model names can hold.
 */
interface LimitsMemo {
  byKey: Map<string, Map<string, Map<string, AppliedLimits>>>;
  size: number;
}
const cache = new WeakMap<GovernanceView, LimitsMemo>();

export function limitsFor(
  view: GovernanceView,
  principal: Principal | undefined,
  provider: string,
  model: string,
): AppliedLimits {
  let memo = cache.get(view);
  if (!memo) {
    memo = { byKey: new Map(), size: 0 };
    cache.set(view, memo);
  }
  const keyId = principal?.vk.id ?? '';
  const known = memo.byKey.get(keyId)?.get(provider)?.get(model);
  if (known) return known;
  const limits = computeLimits(view, principal, provider, model);
  if (memo.size >= CACHE_LIMIT) {
    memo.byKey.clear();
    memo.size = 0;
  }
  const shared = limits.budgets.length === 0 && limits.rateLimits.length === 0 ? NONE : limits;
  let byProvider = memo.byKey.get(keyId);
  if (!byProvider) {
    byProvider = new Map();
    memo.byKey.set(keyId, byProvider);
  }
  let byModel = byProvider.get(provider);
  if (!byModel) {
    byModel = new Map();
    byProvider.set(provider, byModel);
  }
  byModel.set(model, shared);
  memo.size++;
  return shared;
}

function computeLimits(
  view: GovernanceView,
  principal: Principal | undefined,
  provider: string,
  model: string,
): AppliedLimits {
  const budgets: AppliedBudget[] = [];
  const rateLimits: AppliedRateLimit[] = [];
  const seenBudgets = new Set<string>();
  const seenLimits = new Set<string>();
  for (const [level, refs] of refsFor(view, principal, provider, model)) {
    const budget = refs?.budget_id === undefined ? undefined : view.budgets.get(refs.budget_id);
    if (budget && !seenBudgets.has(budget.id)) {
      seenBudgets.add(budget.id);
      budgets.push({ budget, level });
    }
    const limit = refs?.rate_limit_id === undefined ? undefined : view.rateLimits.get(refs.rate_limit_id);
    if (limit && !seenLimits.has(limit.id)) {
      seenLimits.add(limit.id);
      rateLimits.push({ limit, level });
    }
  }
  return { budgets, rateLimits, anyStrict: budgets.some((b) => b.budget.mode === 'strict') };
}
