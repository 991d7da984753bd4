/**
 * The Heimdall config files (Bifrost config.json shape) for the bench scenarios: pass-through
 * (no virtual key, no request logging), governed with a soft budget, governed with a strict one.
 */
export type Scenario = 'plain' | 'governance' | 'strict';

export const benchBudgetId = 'bench-budget';

export const benchVirtualKey = 'sk-bf-bench-virtual-key-0001';

export function heimdallConfig(scenario: Scenario, upstreamOrigin: string): object {
  const providers = {
    openai: {
      keys: [{ name: 'bench', value: 'sk-bench', weight: 1, models: ['*'] }],
      network_config: { base_url: upstreamOrigin },
    },
  };
  if (scenario === 'plain') return { client: { enable_logging: false }, providers };
  return {
    client: { enable_logging: true, enforce_auth_on_inference: true },
    providers,
    governance: {
      // Limits far above what a bench run can reach: the checks run on every request, none trips.
      budgets: [
        {
          id: benchBudgetId,
          max_limit: 1_000_000,
          reset_duration: '1d',
          ...(scenario === 'strict' ? { mode: 'strict' } : {}),
        },
      ],
      rate_limits: [
        {
          id: 'bench-rate',
          request_max_limit: 100_000_000,
          request_reset_duration: '1h',
          token_max_limit: 10_000_000_000,
          token_reset_duration: '1h',
        },
      ],
      virtual_keys: [
        {
          id: 'vk-bench',
          name: 'bench',
          value: benchVirtualKey,
          budget_id: benchBudgetId,
          rate_limit_id: 'bench-rate',
          provider_configs: [{ provider: 'openai', weight: 1, allowed_models: ['*'] }],
        },
      ],
      routing_rules: [
        {
          id: 'bench-gpt-to-openai',
          name: 'gpt models to openai',
          cel_expression: "model.startsWith('gpt-')",
          targets: [{ provider: 'openai', weight: 1 }],
          scope: 'global',
        },
      ],
    },
  };
}
