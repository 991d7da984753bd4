/**
 * Prices for governance: the bundled price book (the genai-prices catalogue) with the control
 * plane's per-model overrides on top (each keeping its own version string), then the operator's
 * fallback price for models neither knows; the actual cost of an attempt's usage, and the worst
 * case of a request before it is sent (strict budgets reserve it).
 */
import type {
  ClientSnapshot,
  FallbackPriceSnapshot,
  PriceOverrideSnapshot,
} from '../../clients/contract/snapshot.ts';
import { isUtf8 } from 'node:buffer';
import type { BundledPrice, PriceTier } from '../pricing/bundled-prices.ts';
import { costMicros, PriceBook } from '../pricing/cost.ts';
import type { JsonObject, Usage } from '../core/types.ts';
import { countImages, promptBytes } from '../util/prompt-text.ts';

export interface PriceHit {
  price: BundledPrice;
  version: string;
  /** When a dated or time-of-day catalogue price stops being the one in force (epoch ms). */
  expiresAt?: number;
}

/** The version recorded for a fallback-priced attempt: which setting priced it. */
export const FALLBACK_VERSION = 'unpriced-fallback';

type Fallbacks = Pick<ClientSnapshot, 'unpriced_fallback_price' | 'unpriced_fallback_price_by_provider'>;

function fallbackHit(provider: string, model: string, fallbacks: Fallbacks): PriceHit | undefined {
  const own = fallbacks.unpriced_fallback_price_by_provider?.[provider];
  const price: FallbackPriceSnapshot | undefined = own ?? fallbacks.unpriced_fallback_price;
  if (!price) return undefined;
  return {
    price: { provider, model, input: price.input_per_mtok, output: price.output_per_mtok, kind: 'chat' },
    version: own ? `${FALLBACK_VERSION}:${provider}` : FALLBACK_VERSION,
  };
}

/** Output tokens assumed when neither the request nor the price book caps them. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 16_384;
/** Tokens assumed per image part: above the largest published per-image charge of common models. */
const IMAGE_TOKENS = 1_600;
/** Role and framing tokens per message, on top of its text. */
const MESSAGE_OVERHEAD_TOKENS = 8;
/** Distinct model names remembered per provider by {@link Prices.lookup}. */
const MEMO_LIMIT = 10_000;

function overridePrices(overrides: readonly PriceOverrideSnapshot[]): {
  entries: BundledPrice[];
  versions: Map<string, string>;
} {
  const byModel = new Map<string, PriceOverrideSnapshot[]>();
  for (const o of overrides) {
    const key = `${o.provider}/${o.model}`;
    byModel.set(key, [...(byModel.get(key) ?? []), o]);
  }
  const entries: BundledPrice[] = [];
  const versions = new Map<string, string>();
  for (const [key, rows] of byModel) {
    const base = rows.find((r) => r.above_input_tokens === 0) ?? rows[0]!;
    const tiers: PriceTier[] = rows
      .filter((r) => r !== base && r.above_input_tokens > 0)
      .map((r) => ({
        above_input_tokens: r.above_input_tokens,
        input: r.input,
        output: r.output,
        ...(r.cache_read !== undefined ? { cache_read: r.cache_read } : {}),
        ...(r.cache_write !== undefined ? { cache_write: r.cache_write } : {}),
      }));
    entries.push({
      provider: base.provider,
      model: base.model,
      input: base.input,
      output: base.output,
      ...(base.cache_read !== undefined ? { cache_read: base.cache_read } : {}),
      ...(base.cache_write !== undefined ? { cache_write: base.cache_write } : {}),
      ...(tiers.length > 0 ? { tiers } : {}),
    });
    versions.set(key, base.version);
  }
  return { entries, versions };
}

export class Prices {
  private readonly book: PriceBook;
  private readonly overrides: PriceBook;
  private readonly versions: Map<string, string>;

  constructor(
    overrides: readonly PriceOverrideSnapshot[],
    private readonly fallbacks: Fallbacks = {},
  ) {
    this.book = new PriceBook();
    const built = overridePrices(overrides);
    this.overrides = new PriceBook('override', [], built.entries);
    this.versions = built.versions;
  }

  /**
   * Answers by provider, model and upstream id. A snapshot's prices change only where the
   * catalogue dates a change, and every attempt asks twice (before, to reserve; after, to
   * settle); resolving a name through the catalogue's match rules costs tens of µs each time.
   */
  private readonly memo = new Map<string, Map<string, PriceHit | null>>();

  /**
   * Override first, then the bundled book (trying the upstream id when the logical name is
   * unknown), then the operator's fallback price. Undefined: unpriced.
   */
  lookup(provider: string, model: string, upstreamModel?: string): PriceHit | undefined {
    let byModel = this.memo.get(provider);
    if (byModel === undefined) {
      byModel = new Map();
      this.memo.set(provider, byModel);
    }
    const key = upstreamModel && upstreamModel !== model ? `${model}\n${upstreamModel}` : model;
    const known = byModel.get(key);
    // Only catalogue prices with a dated or hourly change carry `expiresAt`; the rest stay.
    if (known === null) return undefined;
    if (known !== undefined && (known.expiresAt === undefined || known.expiresAt > Date.now())) return known;
    const hit = this.find(provider, model, upstreamModel);
    // Model names come from requests: bound what a stream of made-up names can hold.
    if (byModel.size >= MEMO_LIMIT) byModel.clear();
    byModel.set(key, hit ?? null);
    return hit;
  }

  private find(provider: string, model: string, upstreamModel?: string): PriceHit | undefined {
    for (const name of upstreamModel && upstreamModel !== model ? [model, upstreamModel] : [model]) {
      const override = this.overrides.lookup(provider, name);
      if (override) {
        const key = `${override.price.provider}/${override.price.model}`;
        return { price: override.price, version: this.versions.get(key) ?? 'override' };
      }
      const bundled = this.book.lookup(provider, name);
      if (bundled) return bundled;
    }
    return fallbackHit(provider, model, this.fallbacks);
  }
}

/** Cost in micro-dollars of what a provider reported. */
export function usageCost(hit: PriceHit, usage: Usage): number {
  const written = (usage as Usage & { cacheWriteInputTokens?: number }).cacheWriteInputTokens;
  return costMicros(hit.price, {
    prompt_tokens: usage.inputTokens,
    completion_tokens: hit.price.kind === 'embedding' ? 0 : usage.outputTokens,
    cache_read_tokens: usage.cachedInputTokens ?? 0,
    cache_write_tokens: written ?? 0,
  });
}

/**
 * Request bodies past this size bound their prompt text's UTF-8 bytes by their own length (see
 * promptTokenBound): counting an agent's 360 K characters took ~100 µs per request (two-byte
 * strings, `Buffer.byteLength`), a tenth of what such a request costs a strict budget in all.
 */
export const PROMPT_BOUND_FROM_BODY_BYTES = 64 * 1024;

/**
 * An upper bound on prompt tokens: byte-level BPE never yields more tokens than UTF-8 bytes, so
 * the byte count of the text (plus tool definitions, per-message framing and images) bounds it.
 * `raw` is the JSON `body` was parsed from, when it was parsed from it unchanged: every text part
 * is one of its string literals, which are disjoint and, in valid UTF-8, never shorter than their
 * text's UTF-8 (escapes only lengthen), so past PROMPT_BOUND_FROM_BODY_BYTES its length stands in
 * for the count, looser by the body's other bytes (a few percent of such a body). Not for invalid
 * UTF-8: a stray byte decodes to U+FFFD, three bytes.
 */
export function promptTokenBound(body: JsonObject, raw?: Buffer): number {
  const tools = body.tools === undefined ? 0 : Buffer.byteLength(JSON.stringify(body.tools));
  const messages = Array.isArray(body.messages) ? body.messages.length : 1;
  const text =
    raw !== undefined && raw.length > PROMPT_BOUND_FROM_BODY_BYTES && isUtf8(raw)
      ? raw.length
      : promptBytes(body);
  return (
    text +
    tools +
    (messages + 1) * MESSAGE_OVERHEAD_TOKENS +
    countImages(body.messages ?? body.input) * IMAGE_TOKENS
  );
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined;
}

/** The most output the request can produce: its own cap, else the model's, times `n`. */
export function outputTokenBound(body: JsonObject, hit: PriceHit): number {
  if (hit.price.kind === 'embedding') return 0;
  const cap =
    positiveInt(body.max_completion_tokens) ??
    positiveInt(body.max_tokens) ??
    positiveInt(body.max_output_tokens) ??
    hit.price.max_output_tokens ??
    DEFAULT_MAX_OUTPUT_TOKENS;
  return cap * (positiveInt(body.n) ?? 1);
}

/** Micro-dollar rates scaled by 1e6 (as pricing/cost.ts scales them), for the worst case. */
interface WorstRates {
  input: number;
  output: number;
}

/** The base rates and, per tier in the price's own order, the rates a prompt above it pays. */
interface WorstRateTable {
  base: WorstRates;
  tiers: Array<WorstRates & { above: number }>;
}

const RATE_SCALE = 1_000_000;
const scaledRate = (usdPerMillion: number) => Math.round(usdPerMillion * RATE_SCALE);

/** Per price (prices are immutable within a snapshot's book): its worst-case rates, scaled once. */
const worstRates = new WeakMap<BundledPrice, WorstRateTable>();

function worstRateTable(price: BundledPrice): WorstRateTable {
  let table = worstRates.get(price);
  if (table !== undefined) return table;
  const dearestInput = Math.max(price.input, price.cache_write ?? 0);
  table = {
    base: { input: scaledRate(Math.max(dearestInput, 0)), output: scaledRate(Math.max(price.output, 0)) },
    tiers: (price.tiers ?? []).map((tier) => ({
      above: tier.above_input_tokens,
      input: scaledRate(Math.max(dearestInput, tier.input, tier.cache_write ?? 0)),
      output: scaledRate(Math.max(price.output, tier.output)),
    })),
  };
  worstRates.set(price, table);
  return table;
}

/**
 * Worst-case cost: bounded prompt at the dearest input rate plus the output bound — the tier is
 * the last one (in the price's order) whose threshold the prompt bound passes. The same integer
 * arithmetic as `costMicros` on that flattened price (no cache tokens), with the rates scaled
 * once per price: strict budgets ask this per attempt and the stream guard per event.
 */
export function worstCaseCost(hit: PriceHit, promptBound: number, outputBound: number): number {
  const table = worstRateTable(hit.price);
  let rates: WorstRates = table.base;
  for (let i = table.tiers.length - 1; i >= 0; i--) {
    const tier = table.tiers[i]!;
    if (promptBound > tier.above) {
      rates = tier;
      break;
    }
  }
  const total = promptBound * rates.input + outputBound * rates.output;
  return Math.floor((total + RATE_SCALE / 2) / RATE_SCALE);
}
