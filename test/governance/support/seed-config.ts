/**
 * The seed documents' governance example (shared/seeds/001, "Governance"), as a config file: its
 * budgets, rate limits, customers, teams and six virtual keys, with providers pointed at a
 * loopback mock. Extra keys only where a status needs one (an inactive key, tiny limits).
 */
export const SEED_TOKENS = {
  devAll: 'vk-dev-all-secret-token',
  openaiProd: 'vk-openai-prod-secret-token',
  multi: 'vk-multi-secret-token',
  platformTeam: 'vk-platform-team-token',
  testing: 'vk-testing-secret-token',
  batch: 'vk-batch-secret-token',
  inactive: 'vk-inactive-secret-token',
  broke: 'vk-broke-secret-token-01',
  throttled: 'vk-throttled-secret-token',
};

export function seedConfig(mockUrl: string): Record<string, unknown> {
  const network = { network_config: { base_url: mockUrl } };
  return {
    client: { enable_logging: true },
    providers: {
      openai: {
        keys: [
          { name: 'openai-primary', value: 'sk-primary', weight: 1, models: ['*'] },
          { name: 'openai-secondary', value: 'sk-secondary', weight: 1, models: ['*'] },
          { name: 'openai-batch', value: 'sk-batch', weight: 1, models: ['*'], use_for_batch_api: true },
        ],
        ...network,
      },
      anthropic: {
        keys: [{ name: 'anthropic-main', value: 'sk-ant', weight: 1, models: ['*'] }],
        ...network,
      },
      groq: { keys: [{ name: 'groq-main', value: 'gsk', weight: 1, models: ['*'] }], ...network },
    },
    plugins: [{ name: 'governance', enabled: true, config: { is_vk_mandatory: true } }],
    governance: {
      budgets: [
        { id: 'budget-dev', max_limit: 50, reset_duration: '1M' },
        { id: 'budget-production', max_limit: 500, reset_duration: '1M' },
        { id: 'budget-testing', max_limit: 10, reset_duration: '1d' },
        { id: 'budget-enterprise', max_limit: 5000, reset_duration: '1M' },
        { id: 'budget-tiny', max_limit: 0.0003, reset_duration: '1d' },
      ],
      rate_limits: [
        {
          id: 'rate-limit-standard',
          token_max_limit: 100000,
          token_reset_duration: '1h',
          request_max_limit: 1000,
          request_reset_duration: '1h',
        },
        {
          id: 'rate-limit-high',
          token_max_limit: 500000,
          token_reset_duration: '1h',
          request_max_limit: 5000,
          request_reset_duration: '1h',
        },
        {
          id: 'rate-limit-burst',
          token_max_limit: 50000,
          token_reset_duration: '1m',
          request_max_limit: 500,
          request_reset_duration: '1m',
        },
        {
          id: 'rate-limit-testing',
          token_max_limit: 10000,
          token_reset_duration: '1h',
          request_max_limit: 100,
          request_reset_duration: '1h',
        },
        { id: 'rate-limit-two', request_max_limit: 2, request_reset_duration: '1h' },
      ],
      customers: [
        {
          id: 'customer-acme',
          name: 'Acme Corp',
          budget_id: 'budget-production',
          rate_limit_id: 'rate-limit-high',
        },
        {
          id: 'customer-startup',
          name: 'Startup Inc',
          budget_id: 'budget-dev',
          rate_limit_id: 'rate-limit-standard',
        },
      ],
      teams: [
        {
          id: 'team-platform',
          name: 'Platform Team',
          customer_id: 'customer-acme',
          budget_id: 'budget-enterprise',
          rate_limit_id: 'rate-limit-high',
        },
        {
          id: 'team-ml',
          name: 'ML Team',
          customer_id: 'customer-acme',
          budget_id: 'budget-production',
          rate_limit_id: 'rate-limit-standard',
        },
      ],
      virtual_keys: [
        {
          id: 'vk-dev-all',
          name: 'Dev: all providers',
          value: SEED_TOKENS.devAll,
          budget_id: 'budget-dev',
          rate_limit_id: 'rate-limit-standard',
        },
        {
          id: 'vk-openai-prod',
          name: 'OpenAI Production',
          value: SEED_TOKENS.openaiProd,
          budget_id: 'budget-production',
          rate_limit_id: 'rate-limit-high',
          provider_configs: [{ provider: 'openai', weight: 1, allowed_models: ['gpt-4o', 'gpt-4o-mini'] }],
        },
        {
          id: 'vk-multi',
          name: 'Multi-provider weighted',
          value: SEED_TOKENS.multi,
          budget_id: 'budget-production',
          rate_limit_id: 'rate-limit-high',
          provider_configs: [
            { provider: 'openai', weight: 2, allowed_models: ['*'] },
            { provider: 'anthropic', weight: 1, allowed_models: ['*'] },
            { provider: 'groq', weight: 1, allowed_models: ['*'] },
          ],
        },
        {
          id: 'vk-platform-team',
          name: 'Platform Team Key',
          value: SEED_TOKENS.platformTeam,
          team_id: 'team-platform',
          provider_configs: [
            { provider: 'openai', weight: 1, allowed_models: ['*'], key_ids: ['openai-primary'] },
          ],
        },
        {
          id: 'vk-testing',
          name: 'Testing (gpt-4o-mini only)',
          value: SEED_TOKENS.testing,
          budget_id: 'budget-testing',
          rate_limit_id: 'rate-limit-testing',
          provider_configs: [{ provider: 'openai', weight: 1, allowed_models: ['gpt-4o-mini'] }],
        },
        {
          id: 'vk-batch',
          name: 'Batch API workloads',
          value: SEED_TOKENS.batch,
          budget_id: 'budget-production',
          rate_limit_id: 'rate-limit-burst',
          provider_configs: [
            { provider: 'openai', weight: 1, allowed_models: ['*'], key_ids: ['openai-batch'] },
          ],
        },
        { id: 'vk-inactive', name: 'Inactive', value: SEED_TOKENS.inactive, is_active: false },
        { id: 'vk-broke', name: 'Tiny budget', value: SEED_TOKENS.broke, budget_id: 'budget-tiny' },
        {
          id: 'vk-throttled',
          name: 'Two requests an hour',
          value: SEED_TOKENS.throttled,
          rate_limit_id: 'rate-limit-two',
        },
      ],
    },
  };
}
