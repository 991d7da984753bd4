/**
 * The strict worst case is money: worstCaseCost (rates scaled once per price) must answer exactly
 * what costMicros answers for the request's prompt bound and output bound at the flattened worst
 * rates — the last tier (in the price's order) the prompt passes, the dearer of input and
 * cache-write rates, no cache tokens.
 */
import { describe, expect, it } from 'vitest';
import { worstCaseCost, type PriceHit } from '../../gateway/governance/prices.ts';
import type { BundledPrice, PriceTier } from '../../gateway/pricing/bundled-prices.ts';
import { costMicros } from '../../gateway/pricing/cost.ts';

/** The definition: costMicros on the price with its worst rates and no tiers. */
function reference(price: BundledPrice, promptBound: number, outputBound: number): number {
  const dearestInput = Math.max(price.input, price.cache_write ?? 0);
  const tier = (price.tiers ?? []).filter((t) => promptBound > t.above_input_tokens).pop();
  const input = Math.max(dearestInput, tier?.input ?? 0, tier?.cache_write ?? 0);
  const output = Math.max(price.output, tier?.output ?? 0);
  return costMicros(
    { ...price, input, output, tiers: [] },
    { prompt_tokens: promptBound, completion_tokens: outputBound },
  );
}

/** Deterministic pseudo-random numbers (a failing case reproduces). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Catalogue-like rates: USD per million tokens with up to 6 decimals. */
const rate = (next: () => number) => Math.round(next() * 80 * 1e6) / 1e6;

function randomPrice(next: () => number): BundledPrice {
  const tiers: PriceTier[] = [];
  const count = Math.floor(next() * 4);
  for (let i = 0; i < count; i++)
    tiers.push({
      above_input_tokens: Math.floor(next() * 300_000),
      input: rate(next),
      output: rate(next),
      ...(next() < 0.5 ? { cache_write: rate(next) } : {}),
    });
  return {
    provider: 'p',
    model: 'm',
    input: rate(next),
    output: rate(next),
    ...(next() < 0.5 ? { cache_write: rate(next) } : {}),
    ...(tiers.length > 0 ? { tiers } : {}),
  };
}

describe('worstCaseCost', () => {
  it('equals costMicros at the flattened worst rates, for tiered and untiered prices', () => {
    const next = generator(15);
    for (let p = 0; p < 300; p++) {
      const price = randomPrice(next);
      const hit: PriceHit = { price, version: 'test' };
      for (let q = 0; q < 20; q++) {
        const prompt = Math.floor(next() * 400_000);
        const output = Math.floor(next() * 200_000);
        expect(worstCaseCost(hit, prompt, output)).toBe(reference(price, prompt, output));
      }
    }
  });

  it('takes the last passed tier in the price order, not the highest threshold', () => {
    const price: BundledPrice = {
      provider: 'p',
      model: 'm',
      input: 1,
      output: 2,
      tiers: [
        { above_input_tokens: 200_000, input: 9, output: 9 },
        { above_input_tokens: 100_000, input: 3, output: 4 },
      ],
    };
    const hit: PriceHit = { price, version: 'test' };
    // 250,000 passes both: the second (in order) applies, as the reference says.
    expect(worstCaseCost(hit, 250_000, 1_000)).toBe(reference(price, 250_000, 1_000));
    expect(worstCaseCost(hit, 250_000, 1_000)).toBe(250_000 * 3 + 1_000 * 4);
    expect(worstCaseCost(hit, 50_000, 1_000)).toBe(50_000 * 1 + 1_000 * 2);
  });
});
