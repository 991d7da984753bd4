/** Prices.lookup remembers answers per snapshot: same hits, unpriced stays unpriced, overrides first. */
import { describe, expect, it } from 'vitest';
import type { PriceOverrideSnapshot } from '../../clients/contract/snapshot.ts';
import { Prices } from '../../gateway/governance/prices.ts';

describe('Prices.lookup memo', () => {
  it('answers a dated model id like its priced prefix, again and again, without changing the answer', () => {
    const prices = new Prices([]);
    const first = prices.lookup('openai', 'gpt-4o-2024-08-06');
    expect(first?.price.model).toBe('gpt-4o');
    expect(prices.lookup('openai', 'gpt-4o-2024-08-06')).toBe(first);
    expect(prices.lookup('openai', 'gpt-4o')?.price.model).toBe('gpt-4o');
    // Same model under another provider is a separate question (azure bills openai's list prices).
    expect(prices.lookup('azure', 'gpt-4o-2024-08-06')?.price.provider).toBe('openai');
  });

  it('keeps an unknown model unpriced, and tries the upstream id as its own question', () => {
    const prices = new Prices([]);
    expect(prices.lookup('openai', 'my-finetune')).toBeUndefined();
    expect(prices.lookup('openai', 'my-finetune')).toBeUndefined();
    expect(prices.lookup('openai', 'my-finetune', 'gpt-4o-mini')?.price.model).toBe('gpt-4o-mini');
    expect(prices.lookup('openai', 'my-finetune')).toBeUndefined();
  });

  it('prefers an override, with its own version, on every lookup', () => {
    const override: PriceOverrideSnapshot = {
      provider: 'openai',
      model: 'gpt-4o-mini',
      input: 1,
      output: 2,
      above_input_tokens: 0,
      version: 'contract-2026',
    };
    const prices = new Prices([override]);
    for (let i = 0; i < 3; i++) {
      const hit = prices.lookup('openai', 'gpt-4o-mini');
      expect(hit?.version).toBe('contract-2026');
      expect(hit?.price.input).toBe(1);
    }
  });

  it('stays bounded under a stream of made-up model names and still answers correctly', () => {
    const prices = new Prices([]);
    for (let i = 0; i < 25_000; i++) expect(prices.lookup('openai', `made-up-${i}`)).toBeUndefined();
    expect(prices.lookup('openai', 'gpt-4o-mini')?.price.model).toBe('gpt-4o-mini');
    const memo = (prices as unknown as { memo: Map<string, Map<string, unknown>> }).memo;
    expect(memo.get('openai')!.size).toBeLessThanOrEqual(10_000);
  });
});
