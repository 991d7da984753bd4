/**
 * A config in the shape of the seed documents (Helm governance and provider examples), with
 * literal secrets everywhere a secret can be, plus `env.VAR` references that must be stored as
 * written.
 */
import { validateConfig } from '../../db/config/load.ts';
import type { HeimdallConfig } from '../../db/config/model.ts';

export const FIXTURE_ENV = { OPENAI_KEY_2: 'sk-from-env-never-stored', VK_FROM_ENV: 'vk-env-resolved-token' };

/** Every literal secret in the fixture; none may appear in any table. */
export const PLAINTEXT_SECRETS = [
  'sk-literal-openai-primary-0001',
  'AKIAFIXTUREACCESSKEY',
  'fixture-bedrock-secret-key-zz',
  'fixture-bedrock-session-token',
  '{"type":"service_account","private_key":"fixture-vertex-pk"}',
  'fixture-azure-client-secret',
  'fixture-proxy-password',
  'vk-dev-all-secret-token',
  'vk-platform-team-token',
  'vk-env-resolved-token',
  'fixture-admin-password',
];

export function fixtureRaw(): Record<string, unknown> {
  return {
    client: { drop_excess_requests: true, allowed_origins: ['https://app.example.com'] },
    providers: {
      openai: {
        keys: [
          { name: 'openai-primary', value: 'sk-literal-openai-primary-0001', weight: 2, models: ['*'] },
          { name: 'openai-secondary', value: 'env.OPENAI_KEY_2', weight: 1, models: ['gpt-4o-mini'] },
          { name: 'openai-batch', value: 'sk-literal-openai-batch-0002', use_for_batch_api: true },
        ],
        network_config: { default_request_timeout_in_seconds: 120, max_retries: 3 },
        proxy_config: {
          type: 'http',
          url: 'http://proxy.internal:3128',
          username: 'u',
          password: 'fixture-proxy-password',
        },
      },
      bedrock: {
        keys: [
          {
            name: 'bedrock-main',
            bedrock_key_config: {
              region: 'us-east-1',
              access_key: 'AKIAFIXTUREACCESSKEY',
              secret_key: 'fixture-bedrock-secret-key-zz',
              session_token: 'fixture-bedrock-session-token',
            },
          },
        ],
      },
      vertex: {
        keys: [
          {
            name: 'vertex-main',
            vertex_key_config: {
              project_id: 'proj',
              region: 'us-central1',
              auth_credentials: '{"type":"service_account","private_key":"fixture-vertex-pk"}',
            },
          },
        ],
      },
      azure: {
        keys: [
          {
            name: 'azure-main',
            value: 'azure-literal-key-value-0003',
            azure_key_config: {
              endpoint: 'https://x.openai.azure.com',
              client_secret: 'fixture-azure-client-secret',
            },
          },
        ],
      },
    },
    governance: {
      budgets: [
        { id: 'budget-dev', max_limit: 50, reset_duration: '1M' },
        { id: 'budget-enterprise', max_limit: 5000, reset_duration: '1M', mode: 'strict' },
        { id: 'budget-tiny', max_limit: 0.3, reset_duration: '1d', calendar_aligned: true },
      ],
      rate_limits: [
        {
          id: 'rate-limit-standard',
          token_max_limit: 100000,
          token_reset_duration: '1h',
          request_max_limit: 1000,
          request_reset_duration: '1h',
        },
      ],
      customers: [{ id: 'customer-acme', name: 'Acme Corp', budget_id: 'budget-enterprise' }],
      teams: [
        {
          id: 'team-platform',
          name: 'Platform Team',
          customer_id: 'customer-acme',
          rate_limit_id: 'rate-limit-standard',
        },
      ],
      virtual_keys: [
        {
          id: 'vk-dev-all',
          name: 'Dev',
          value: 'vk-dev-all-secret-token',
          budget_id: 'budget-dev',
          rate_limit_id: 'rate-limit-standard',
        },
        {
          id: 'vk-platform-team',
          name: 'Platform Team Key',
          value: 'vk-platform-team-token',
          team_id: 'team-platform',
          provider_configs: [
            { provider: 'openai', weight: 2, allowed_models: ['*'], key_ids: ['openai-primary'] },
            { provider: 'anthropic', weight: 1 },
          ],
        },
        {
          id: 'vk-env',
          name: 'From env',
          value: 'env.VK_FROM_ENV',
          customer_id: 'customer-acme',
          is_active: false,
        },
      ],
      model_configs: [
        { id: 'model-gpt4o', model_name: 'gpt-4o', provider: 'openai', budget_id: 'budget-dev' },
      ],
      providers: [{ name: 'openai', budget_id: 'budget-dev', send_back_raw_request: false }],
      routing_rules: [
        {
          id: 'route-gpt-to-azure',
          name: 'GPT to Azure',
          cel_expression: "model.startsWith('gpt-')",
          targets: [{ provider: 'azure', model: '', weight: 1 }],
          fallbacks: ['openai'],
          priority: 1,
        },
        {
          id: 'route-team',
          name: 'Team to Bedrock',
          cel_expression: 'true',
          targets: [{ provider: 'bedrock' }],
          scope: 'team',
          scope_id: 'team-platform',
        },
      ],
      auth_config: { is_enabled: true, admin_username: 'admin', admin_password: 'fixture-admin-password' },
    },
    plugins: [{ name: 'governance', enabled: true, version: 1, config: { is_vk_mandatory: true } }],
  };
}

/** The fixture, validated, optionally changed by `edit` on the raw document first. */
export function fixtureConfig(edit?: (raw: ReturnType<typeof fixtureRaw>) => void): HeimdallConfig {
  const raw = fixtureRaw();
  edit?.(raw);
  return validateConfig(raw, { env: FIXTURE_ENV }).config;
}
