import { describe, expect, it } from 'vitest';
import { costMicros, PriceBook } from '../../gateway/pricing/cost.ts';

const book = new PriceBook();

describe('price book', () => {
  it('prices gpt-4o-mini exactly in micro-dollars', () => {
    const { price } = book.lookup('openai', 'gpt-4o-mini')!;
    // 1,000 prompt × $0.15/M + 500 completion × $0.60/M = 150 + 300 µ$
    expect(costMicros(price, { prompt_tokens: 1000, completion_tokens: 500 })).toBe(450);
  });

  it('bills cached reads at the cache price and the rest at the input price', () => {
    const { price } = book.lookup('openai', 'gpt-4o')!;
    // 800 uncached × 2.5 + 200 cached × 1.25 + 100 × 10 = 2000 + 250 + 1000
    expect(costMicros(price, { prompt_tokens: 1000, cache_read_tokens: 200, completion_tokens: 100 })).toBe(
      3250,
    );
  });

  it('applies Anthropic cache write and read multipliers', () => {
    const { price } = book.lookup('anthropic', 'claude-3-5-sonnet-20241022')!;
    // 1000 uncached × 3 + 2000 write × 3.75 + 4000 read × 0.30 + 100 × 15
    expect(
      costMicros(price, {
        prompt_tokens: 7000,
        cache_write_tokens: 2000,
        cache_read_tokens: 4000,
        completion_tokens: 100,
      }),
    ).toBe(3000 + 7500 + 1200 + 1500);
  });

  it('switches to the long-context tier above the threshold', () => {
    const { price } = book.lookup('gemini', 'gemini-2.5-pro')!;
    expect(costMicros(price, { prompt_tokens: 200_000, completion_tokens: 0 })).toBe(250_000);
    expect(costMicros(price, { prompt_tokens: 200_001, completion_tokens: 0 })).toBe(500_003);
  });

  it('resolves dated model names to the longest matching family and azure to openai list prices', () => {
    expect(book.lookup('openai', 'gpt-4o-mini-2024-07-18')?.price.model).toBe('gpt-4o-mini');
    expect(book.lookup('openai', 'gpt-4o-2024-08-06')?.price.model).toBe('gpt-4o');
    expect(book.lookup('azure', 'gpt-4o')?.price.provider).toBe('openai');
    expect(book.lookup('openai', 'my-finetune')).toBeUndefined();
  });

  it('sums many small costs without float drift', () => {
    const { price } = book.lookup('openai', 'gpt-4o-mini')!;
    let total = 0;
    for (let i = 0; i < 10_000; i++) total += costMicros(price, { prompt_tokens: 7, completion_tokens: 3 });
    // 7 × 0.15 + 3 × 0.6 = 2.85 µ$ → rounds to 3 per request
    expect(total).toBe(30_000);
  });
});
