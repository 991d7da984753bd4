/**
 * The maintained price catalogue: `@pydantic/genai-prices` (1,700 models across 40 providers,
 * per-key long-context tiers, dated price changes, time-of-day prices, refreshed upstream every
 * few weeks). Heimdall resolves a model with the package's own matcher (`calcPrice`: its match
 * rules, dated-id normalisation and fallback providers such as Azure → OpenAI) and converts the
 * price in force into the per-1M-token shape `cost.ts` bills in integer micro-dollars. Only token
 * prices are used: Heimdall's usage has no web-search, audio or image counts, and a model priced
 * by none of input/output tokens (Whisper, image generation) stays unpriced rather than free.
 *
 * The module (≈0.8 MB of data) is imported once, when the gateway starts; nothing is converted
 * until a model is first asked for, and callers memoise per snapshot (governance/prices.ts).
 */
import {
  calcPrice,
  findProvider,
  type MatchLogic,
  type ModelInfo,
  type ModelPrice,
} from '@pydantic/genai-prices';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BundledPrice, PriceTier } from './bundled-prices.ts';
import { maxOutputTokens } from './output-limits.ts';

function packageVersion(): string {
  const main = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
  const manifest = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** Recorded on every ledger entry and request log priced from the catalogue. */
export const CATALOGUE_VERSION = `genai-prices@${packageVersion()}`;

/** Heimdall provider name → the catalogue's provider id (only where the list prices are the same). */
export const CATALOGUE_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  azure: 'azure',
  anthropic: 'anthropic',
  bedrock: 'aws',
  vertex: 'google',
  gemini: 'google',
  groq: 'groq',
  mistral: 'mistral',
  cohere: 'cohere',
  xai: 'x-ai',
  deepseek: 'deepseek',
  perplexity: 'perplexity',
  cerebras: 'cerebras',
  together: 'together',
  openrouter: 'openrouter',
  fireworks: 'fireworks',
};

export interface CatalogueHit {
  price: BundledPrice;
  /** When a dated or time-of-day price change replaces this price (epoch ms); absent: never. */
  expiresAt?: number;
}

type TokenKey = 'input_mtok' | 'output_mtok' | 'cache_read_mtok' | 'cache_write_mtok';

function base(price: ModelPrice, key: TokenKey): number | undefined {
  const value = price[key];
  return typeof value === 'number' ? value : value?.base;
}

/** The key's rate for prompts above `start`: the highest tier at or below it, else the base. */
function rateAt(price: ModelPrice, key: TokenKey, start: number): number | undefined {
  const value = price[key];
  if (value === undefined || typeof value === 'number') return value;
  let rate = value.base;
  for (const tier of value.tiers) if (tier.start <= start) rate = tier.price;
  return rate;
}

/** The catalogue tiers each key on its own; Heimdall's tiers switch every rate at one threshold. */
function tiersOf(price: ModelPrice): PriceTier[] {
  const starts = new Set<number>();
  for (const key of ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok'] as const) {
    const value = price[key];
    if (value !== undefined && typeof value !== 'number') for (const t of value.tiers) starts.add(t.start);
  }
  return [...starts]
    .sort((a, b) => a - b)
    .map((start) => {
      const cacheRead = rateAt(price, 'cache_read_mtok', start);
      const cacheWrite = rateAt(price, 'cache_write_mtok', start);
      return {
        above_input_tokens: start,
        input: rateAt(price, 'input_mtok', start) ?? 0,
        output: rateAt(price, 'output_mtok', start) ?? 0,
        ...(cacheRead !== undefined ? { cache_read: cacheRead } : {}),
        ...(cacheWrite !== undefined ? { cache_write: cacheWrite } : {}),
      };
    });
}

function toBundled(provider: string, model: ModelInfo, price: ModelPrice, asked: string): BundledPrice {
  const output = base(price, 'output_mtok');
  const cacheRead = base(price, 'cache_read_mtok');
  const cacheWrite = base(price, 'cache_write_mtok');
  const tiers = tiersOf(price);
  const maxOut = maxOutputTokens(asked);
  return {
    provider,
    model: model.id,
    input: base(price, 'input_mtok') ?? 0,
    output: output ?? 0,
    ...(cacheRead !== undefined ? { cache_read: cacheRead } : {}),
    ...(cacheWrite !== undefined ? { cache_write: cacheWrite } : {}),
    ...(tiers.length > 0 ? { tiers } : {}),
    kind: output === undefined || /embed/i.test(model.id) ? 'embedding' : 'chat',
    ...(maxOut !== undefined ? { max_output_tokens: maxOut } : {}),
  };
}

/** Seconds since UTC midnight of `12:30:00Z` / `01:00:00+08:00` (the catalogue's format). */
function secondsOfDay(time: string): number | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!m) return undefined;
  const offset = m[4] === 'Z' ? 0 : (m[5] === '+' ? 1 : -1) * (Number(m[6]) * 3600 + Number(m[7]) * 60);
  return (((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) - offset) % 86400) + 86400) % 86400;
}

/** The next moment a conditional price list may pick another entry, so memos can drop the hit. */
function nextChange(model: ModelInfo, now: number): number | undefined {
  if (!Array.isArray(model.prices)) return undefined;
  const midnight = now - (now % 86_400_000);
  let next = Infinity;
  for (const { constraint } of model.prices) {
    if (constraint?.type === 'start_date') {
      const at = Date.parse(constraint.start_date);
      if (at > now) next = Math.min(next, at);
    } else if (constraint?.type === 'time_of_date') {
      for (const time of [constraint.start_time, constraint.end_time]) {
        const seconds = secondsOfDay(time);
        if (seconds === undefined) continue;
        const today = midnight + seconds * 1000;
        next = Math.min(next, today > now ? today : today + 86_400_000);
      }
    }
  }
  return next === Infinity ? undefined : next;
}

/** Which catalogue provider's list holds the model (Azure's answers often come from OpenAI's). */
function ownerOf(providerId: string, model: ModelInfo): string {
  const provider = findProvider({ providerId });
  if (!provider || provider.models.includes(model)) return providerId;
  for (const id of provider.fallback_model_providers ?? [])
    if (findProvider({ providerId: id })?.models.includes(model)) return id;
  return providerId;
}

/** A price reached through a fallback list is labelled with that list's Heimdall name (`openai`). */
const OWN_PROVIDER_NAMES = new Map(
  Object.entries(CATALOGUE_PROVIDERS).map(([ours, theirs]) => [theirs, ours]),
);

/** The catalogue's price for a Heimdall provider and model name, as in force at `now`. */
export function cataloguePrice(provider: string, model: string, now = Date.now()): CatalogueHit | undefined {
  const providerId = CATALOGUE_PROVIDERS[provider];
  if (providerId === undefined) return undefined;
  let found: ReturnType<typeof calcPrice>;
  try {
    found = calcPrice({}, model, { providerId, timestamp: new Date(now) });
  } catch {
    // A catalogue entry the package itself cannot evaluate is no price, never a failed request.
    return undefined;
  }
  if (!found) return undefined;
  const price = found.model_price;
  if (base(price, 'input_mtok') === undefined && base(price, 'output_mtok') === undefined) return undefined;
  const owner = ownerOf(providerId, found.model);
  const priced = owner === providerId ? provider : (OWN_PROVIDER_NAMES.get(owner) ?? owner);
  const bundled = toBundled(priced, found.model, price, model);
  const expiresAt = nextChange(found.model, now);
  return expiresAt === undefined ? { price: bundled } : { price: bundled, expiresAt };
}

function literals(match: MatchLogic, into: Set<string>): void {
  if ('equals' in match) into.add(match.equals);
  else if ('or' in match) for (const m of match.or) literals(m, into);
  else if ('and' in match) for (const m of match.and) literals(m, into);
}

const namesByProvider = new Map<string, ReadonlySet<string>>();

/**
 * Exact model names the catalogue lists for a Heimdall provider (ids and `equals` rules, with
 * its fallback providers'): bounded, unlike the names its prefix rules would accept.
 */
export function catalogueModelNames(provider: string): ReadonlySet<string> {
  const providerId = CATALOGUE_PROVIDERS[provider];
  if (providerId === undefined) return new Set();
  let names = namesByProvider.get(providerId);
  if (names === undefined) {
    const set = new Set<string>();
    const root = findProvider({ providerId });
    for (const id of [providerId, ...(root?.fallback_model_providers ?? [])])
      for (const m of findProvider({ providerId: id })?.models ?? []) {
        set.add(m.id);
        literals(m.match, set);
      }
    names = set;
    namesByProvider.set(providerId, names);
  }
  return names;
}
