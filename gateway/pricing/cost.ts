/**
 * Cost of one attempt in integer micro-dollars. A price of P USD per 1M tokens is exactly P
 * micro-dollars per token, so cost = Σ tokens × P. Prices are scaled to integers (1e-6 µ$, enough
 * for every catalogue rate such as $0.003625/M) before multiplying, so no float error accumulates;
 * each attempt is rounded once, half up.
 */
import { SUPPLEMENT_PRICES, SUPPLEMENT_VERSION, type BundledPrice } from './bundled-prices.ts';
import { CATALOGUE_VERSION, cataloguePrice } from './catalogue.ts';

export interface TokenUsage {
  /** All input tokens, including cache reads and cache writes. */
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
}

export interface PriceLookup {
  price: BundledPrice;
  version: string;
  /** When the price in force changes (a dated or time-of-day catalogue price); absent: never. */
  expiresAt?: number;
}

const SCALE = 1_000_000;
const scaled = (usdPerMillion: number | undefined) => Math.round((usdPerMillion ?? 0) * SCALE);

/** Providers whose table entries (overrides) also price another provider's models. */
const PRICE_ALIASES: Record<string, string> = { azure: 'openai' };

export class PriceBook {
  private readonly byKey = new Map<string, BundledPrice>();
  private readonly bundled: boolean;

  /**
   * Without `entries`: the bundled book — Heimdall's supplement, then the genai-prices catalogue,
   * at the catalogue's version. With `entries` (control-plane overrides): just those.
   */
  constructor(
    readonly version: string = CATALOGUE_VERSION,
    entries?: readonly BundledPrice[],
    overrides: readonly BundledPrice[] = [],
  ) {
    this.bundled = entries === undefined;
    for (const entry of [...(entries ?? SUPPLEMENT_PRICES), ...overrides])
      this.byKey.set(`${entry.provider}/${entry.model}`, entry);
  }

  lookup(provider: string, model: string): PriceLookup | undefined {
    const listed = this.listed(provider, model);
    if (listed) return { price: listed, version: this.bundled ? SUPPLEMENT_VERSION : this.version };
    if (!this.bundled) return undefined;
    const hit = cataloguePrice(provider, model);
    if (!hit) return undefined;
    const found: PriceLookup = { price: hit.price, version: this.version };
    if (hit.expiresAt !== undefined) found.expiresAt = hit.expiresAt;
    return found;
  }

  /**
   * Exact match, then (overrides only) the longest listed model that prefixes a dated name
   * (`gpt-4o-2024-08-06`). The supplement is exact only: its `gemini-2.0-flash` must not price
   * `gemini-2.0-flash-lite`, which the catalogue knows.
   */
  private listed(provider: string, model: string): BundledPrice | undefined {
    for (const candidate of [provider, PRICE_ALIASES[provider]]) {
      if (!candidate) continue;
      const exact = this.byKey.get(`${candidate}/${model}`);
      if (exact) return exact;
      if (this.bundled) continue;
      let best: BundledPrice | undefined;
      for (const entry of this.byKey.values()) {
        if (entry.provider !== candidate || !model.startsWith(`${entry.model}-`)) continue;
        if (!best || entry.model.length > best.model.length) best = entry;
      }
      if (best) return best;
    }
    return undefined;
  }
}

function rates(price: BundledPrice, promptTokens: number) {
  const tier = price.tiers
    ? [...price.tiers]
        .sort((a, b) => b.above_input_tokens - a.above_input_tokens)
        .find((t) => promptTokens > t.above_input_tokens)
    : undefined;
  const input = tier?.input ?? price.input;
  return {
    input: scaled(input),
    output: scaled(tier?.output ?? price.output),
    cacheRead: scaled(tier?.cache_read ?? price.cache_read ?? input),
    cacheWrite: scaled(tier?.cache_write ?? price.cache_write ?? input),
  };
}

export function costMicros(price: BundledPrice, usage: TokenUsage): number {
  const cacheRead = usage.cache_read_tokens ?? 0;
  const cacheWrite = usage.cache_write_tokens ?? 0;
  const uncached = Math.max(0, usage.prompt_tokens - cacheRead - cacheWrite);
  const r = rates(price, usage.prompt_tokens);
  const total =
    uncached * r.input +
    cacheRead * r.cacheRead +
    cacheWrite * r.cacheWrite +
    usage.completion_tokens * r.output;
  return Math.floor((total + SCALE / 2) / SCALE);
}
