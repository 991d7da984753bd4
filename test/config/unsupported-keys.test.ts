/**
 * Issue 13, item 11: no config key is accepted and silently dropped. `client.prometheus_labels`
 * is refused with the reason (Heimdall's metric labels are fixed and bounded); the other keys
 * Heimdall does not act on are named in a start-up warning each.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../db/config/issues.ts';
import { validateConfig } from '../../db/config/load.ts';

describe('accepted keys Heimdall does not act on', () => {
  it('refuses client.prometheus_labels with the reason and the fix', () => {
    let error: unknown;
    try {
      validateConfig({ client: { prometheus_labels: ['team', 'env'] } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      'client.prometheus_labels: not supported: Heimdall labels its metrics by provider, model and status only',
    );
    expect((error as ConfigError).message).toContain('remove prometheus_labels');
  });

  it('accepts an empty prometheus_labels (it asks for nothing)', () => {
    expect(validateConfig({ client: { prometheus_labels: [] } }).warnings).toEqual([]);
  });

  it('names each unsupported key once, at its path, instead of a bare "unknown field"', () => {
    const { warnings } = validateConfig({
      client: { initialPoolSize: 300 },
      logs_store: { type: 'sqlite', config: { path: './logs.db' } },
      providers: {
        azure: {
          keys: [
            {
              name: 'entra',
              value: '',
              azure_key_config: { endpoint: 'https://x.openai.azure.com', client_id: 'id', tenant_id: 't' },
            },
          ],
        },
      },
      plugins: [{ name: 'semantic_cache', enabled: true }],
      cluster: { enabled: true },
    });
    expect(warnings.map((w) => w.split(':')[0]).sort()).toEqual(
      [
        'client.initial_pool_size',
        'cluster',
        'logs_store',
        'plugins[0] (semantic_cache)',
        'providers.azure.keys[0].azure_key_config.client_id',
        'providers.azure.keys[0].azure_key_config.tenant_id',
      ].sort(),
    );
    expect(warnings.every((w) => w.includes('not supported, ignored'))).toBe(true);
  });
});
