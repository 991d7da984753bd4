import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../db/config/issues.ts';
import { loadConfigFile, validateConfig } from '../../db/config/load.ts';
import { MALFORMED_CONFIGS } from '../fixtures/malformed-configs.ts';
import { SEED_ENV } from '../fixtures/seed-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'heimdall-config-'));
const seedFile = new URL('../fixtures/seed-values.yaml', import.meta.url).pathname;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config validation', () => {
  it.each(MALFORMED_CONFIGS.map((c, i) => [c.name, c, i] as const))(
    'rejects %s with the exact path',
    (_name, config, i) => {
      const file = join(dir, `${i}-${config.file}`);
      writeFileSync(file, config.text);
      const error = errorOf(() => loadConfigFile(file, {}));
      expect(error.message).toContain(config.expect);
    },
  );

  it('loads every Helm values block of the seed documents', () => {
    const { config, warnings } = loadConfigFile(seedFile, SEED_ENV);
    expect(Object.keys(config.providers).sort()).toEqual(
      [
        'anthropic',
        'azure',
        'bedrock',
        'cerebras',
        'cohere',
        'gemini',
        'groq',
        'huggingface',
        'mistral',
        'nebius',
        'ollama',
        'openai',
        'openrouter',
        'perplexity',
        'replicate',
        'sgl',
        'vertex',
        'vllm',
        'xai',
      ].sort(),
    );
    expect(config.providers.openai?.keys.map((k) => k.weight)).toEqual([2, 1, 1]);
    // `_ms` spellings of the chart land on the canonical names.
    expect(config.providers.openai?.network_config).toMatchObject({
      retry_backoff_initial: 500,
      retry_backoff_max: 5000,
    });
    expect(config.governance.virtual_keys.map((vk) => vk.id)).toEqual([
      'vk-dev-all',
      'vk-openai-prod',
      'vk-multi',
      'vk-platform-team',
      'vk-testing',
      'vk-batch',
    ]);
    // Helm's `keys` spelling of key_ids.
    expect(config.governance.virtual_keys[5]?.provider_configs[0]?.key_ids).toEqual(['openai-batch']);
    expect(config.governance.rate_limits).toHaveLength(4);
    expect(config.governance.routing_rules.map((r) => r.scope)).toEqual(['global', 'global', 'team']);
    expect(config.governance.auth_config).toMatchObject({
      is_enabled: true,
      existing_secret: 'bifrost-admin-credentials',
    });
    expect(config.plugins.find((p) => p.name === 'governance')?.config).toEqual({ is_vk_mandatory: true });
    expect(warnings.some((w) => w.startsWith('provider_secrets'))).toBe(true);
    // env references stay references in the model: resolution happens where the value is used.
    expect(config.providers.openai?.keys[0]?.value).toBe('env.OPENAI_KEY_1');
  });

  it('accepts config.json spellings and the legacy enforce_governance_header', () => {
    const { config } = validateConfig({
      client: { enforce_governance_header: true },
      plugins: [{ name: 'logging', enabled: false }],
    });
    expect(config.client.enforce_auth_on_inference).toBe(true);
    expect(config.plugins).toEqual([{ name: 'logging', enabled: false, version: 1, config: {} }]);
  });

  it('warns about unknown fields instead of refusing a Bifrost config', () => {
    const { warnings } = validateConfig({
      providers: { openai: { keys: [{ name: 'a', value: 'x', wieght: 3 }] } },
    });
    expect(warnings).toContain('providers.openai.keys[0].wieght: unknown field, ignored');
  });

  it('does not echo long values (possible secrets) in errors', () => {
    const secret = 'sk-this-is-a-very-long-secret-value-0123456789abcdef';
    const error = errorOf(() =>
      validateConfig({ providers: { openai: { keys: [{ name: 'a', value: 'x', weight: secret }] } } }),
    );
    expect(error.message).not.toContain(secret);
  });
});
