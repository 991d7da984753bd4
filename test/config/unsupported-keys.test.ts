/**
 * Issue 13, item 11: no config key is accepted and silently dropped. `client.prometheus_labels`
 * works (test/gateway/metrics-prom-labels.test.ts) and its label names are checked; the keys
 * Heimdall does not act on are named in a start-up warning each.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../db/config/issues.ts';
import { validateConfig } from '../../db/config/load.ts';

describe('accepted keys Heimdall does not act on', () => {
  it('validates client.prometheus_labels names with the reason and the fix', () => {
    const refused = (labels: unknown) => {
      try {
        validateConfig({ client: { prometheus_labels: labels } });
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
      }
      throw new Error('expected a ConfigError');
    };
    expect(refused(['Team-Name'])).toContain('client.prometheus_labels[0]: expected a Prometheus label name');
    expect(refused(['model'])).toContain('expected a name other than provider, model, status, type, le');
    expect(refused(['a', 'b', 'c', 'd', 'e', 'f'])).toContain('expected at most 5 labels');
    expect(validateConfig({ client: { prometheus_labels: ['team', 'teamId'] } }).warnings).toEqual([]);
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
