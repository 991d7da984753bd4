/**
 * Issue 13, item 4: Bifrost accepts provider keys without a `name` (seed document 004's
 * config.json has none). Heimdall names them from the provider and position, says so in a
 * warning, and gives the same names on every start, so reconciling twice changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../db/config/load.ts';
import { fencedBlocks, seedDocument } from '../fixtures/seed-documents.ts';

const ENV = { OPENAI_API_KEY: 'sk-seed-004-openai', ANTHROPIC_API_KEY: 'sk-ant-seed-004' };

/** Seed 004's "Configuration File": the first JSON block, keys without names. */
const seedConfig = () => JSON.parse(fencedBlocks(seedDocument('004'), 'json')[0]!) as Record<string, unknown>;

describe('provider keys without a name', () => {
  it("accepts seed document 004's config.json and names its keys", () => {
    const { config, warnings } = validateConfig(seedConfig(), { env: ENV });
    expect(config.providers.openai?.keys.map((k) => k.name)).toEqual(['openai-key-1']);
    expect(config.providers.anthropic?.keys.map((k) => k.name)).toEqual(['anthropic-key-1']);
    expect(config.providers.openai?.keys[0]?.value).toBe('env.OPENAI_API_KEY');
    expect(warnings).toContain(
      'providers.openai.keys[0].name: not set; named "openai-key-1" from the provider and position (set a name to keep it when keys are reordered)',
    );
    expect(warnings.filter((w) => w.includes('.name: not set'))).toHaveLength(2);
  });

  it('gives the same names on every load, next to named keys without colliding', () => {
    const document = {
      providers: {
        openai: {
          keys: [
            { value: 'sk-a', models: ['*'] },
            { name: 'openai-key-1', value: 'sk-b' },
            { value: 'sk-c' },
          ],
        },
      },
    };
    const names = () =>
      validateConfig(structuredClone(document)).config.providers.openai?.keys.map((k) => k.name);
    expect(names()).toEqual(['openai-key-1-2', 'openai-key-1', 'openai-key-3']);
    expect(names()).toEqual(names());
  });

  it('still refuses an empty name', () => {
    expect(() => validateConfig({ providers: { openai: { keys: [{ name: '', value: 'sk' }] } } })).toThrow(
      /providers\.openai\.keys\[0\]\.name/,
    );
  });
});
