/**
 * The config export the dashboard downloads is YAML written by the `yaml` package, loaded on first
 * use (clients/dashboard/src/ui/to-yaml.ts); whatever the export holds must read back as the same data.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../clients/dashboard/src/ui/to-yaml.ts';

describe('dashboard YAML export', () => {
  it('reads back as the same data, strings that look like other types included', async () => {
    const document = {
      providers: {
        openai: {
          keys: [{ name: 'primary', value: 'env.OPENAI_API_KEY', weight: 1, models: ['*'] }],
          network_config: { base_url: 'http://127.0.0.1:9999/v1', extra_headers: {} },
        },
      },
      governance: {
        budgets: [{ id: 'budget-dev', max_limit: 10.5, reset_duration: '1M', calendar_aligned: false }],
        virtual_keys: [{ id: 'vk-1', name: 'yes', description: null, provider_configs: [] }],
        routing_rules: [
          { id: 'r', cel_expression: 'headers["x-tier"] == "free" && model != \'a\'', priority: -1 },
        ],
      },
      tricky: [
        'true',
        'null',
        '123',
        '1e3',
        '',
        ' padded ',
        '#hash',
        'a: b',
        '- dash',
        'multi\nline',
        '~',
        'ON',
      ],
      nested: [[1, [2, 3]], [], {}, [{ a: [] }]],
      unicode: 'héllo — 你好 🌍',
    };
    expect(parse(await toYaml(document))).toEqual(document);
  });
});
