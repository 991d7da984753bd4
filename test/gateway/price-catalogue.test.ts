/**
 * The bundled price book is the @pydantic/genai-prices catalogue: every model the docs and the
 * seed documents name is priced, so is each built-in provider's current flagship; prices come
 * out exact in micro-dollars (including rates below $0.0001/M), dated and hourly price changes
 * are honoured, and the package version is the book's version.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Prices } from '../../gateway/governance/prices.ts';
import { SUPPLEMENT_VERSION } from '../../gateway/pricing/bundled-prices.ts';
import { CATALOGUE_VERSION, cataloguePrice } from '../../gateway/pricing/catalogue.ts';
import { costMicros, PriceBook } from '../../gateway/pricing/cost.ts';

const book = new PriceBook();
const installed = JSON.parse(
  readFileSync(new URL('../../node_modules/@pydantic/genai-prices/package.json', import.meta.url), 'utf8'),
) as { version: string };

/** provider/model as README.md, gateway/providers/README.md and /work/shared/seeds/ name them. */
const DOCUMENTED = [
  // README.md quick start and fallbacks; gateway/README.md's [tried: …] example
  'openai/gpt-4o-mini',
  'openai/gpt-4o',
  'anthropic/claude-3-5-haiku-20241022',
  // gateway/providers/README.md embeddings table (amazon.titan-embed-*, cohere.embed-*)
  'bedrock/amazon.titan-embed-text-v2:0',
  'bedrock/cohere.embed-english-v3',
  'cohere/embed-english-v3.0',
  // seeds: provider setup (000), governance (001), provider system (004)
  'openai/text-embedding-3-small',
  'azure/gpt-4o',
  'azure/gpt-4o-mini',
  'bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0',
  'bedrock/anthropic.claude-3-sonnet-20240229-v1:0',
  'anthropic/claude-3-sonnet-20240229',
  'anthropic/claude-3-5-sonnet-20241022',
  'groq/llama-3.3-70b-versatile',
];

/** The current flagships of every built-in provider with public list prices. */
const FLAGSHIPS = [
  'anthropic/claude-sonnet-4-5',
  'anthropic/claude-sonnet-4-5-20250929',
  'anthropic/claude-sonnet-4-6',
  'anthropic/claude-opus-4-6',
  'anthropic/claude-opus-4-7',
  'anthropic/claude-haiku-4-5',
  'openai/gpt-5',
  'openai/gpt-5.1',
  'openai/gpt-5.2',
  'openai/gpt-5-mini',
  'openai/o3',
  'azure/gpt-5',
  'gemini/gemini-2.5-pro',
  'gemini/gemini-2.5-flash',
  'gemini/gemini-3-pro-preview',
  'gemini/gemini-3-flash-preview',
  'vertex/gemini-2.5-pro',
  'vertex/claude-sonnet-4-5@20250929',
  'xai/grok-4',
  'xai/grok-4-1-fast-reasoning',
  'mistral/mistral-large-latest',
  'mistral/mistral-medium-latest',
  'mistral/codestral-latest',
  'cohere/command-a-03-2025',
  'cohere/command-r-plus',
  'groq/meta-llama/llama-4-maverick-17b-128e-instruct',
  'groq/openai/gpt-oss-120b',
  'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'bedrock/global.anthropic.claude-sonnet-4-6-v1:0',
  'bedrock/us.meta.llama3-3-70b-instruct-v1:0',
  'bedrock/meta.llama4-maverick-17b-instruct-v1:0',
  'deepseek/deepseek-chat',
  'deepseek/deepseek-reasoner',
  'perplexity/sonar-pro',
  'cerebras/gpt-oss-120b',
  'together/meta-llama/Llama-3.3-70B-Instruct-Turbo',
  'openrouter/openai/gpt-4o',
];

function split(name: string): [string, string] {
  const at = name.indexOf('/');
  return [name.slice(0, at), name.slice(at + 1)];
}

afterEach(() => {
  vi.useRealTimers();
});

describe('catalogue coverage', () => {
  it.each([...DOCUMENTED, ...FLAGSHIPS])('%s is priced', (name) => {
    const [provider, model] = split(name);
    const hit = book.lookup(provider, model);
    expect(hit, `${name} has no price`).toBeDefined();
    expect(hit!.price.input).toBeGreaterThan(0);
    if (hit!.price.kind !== 'embedding') expect(hit!.price.output).toBeGreaterThan(0);
  });

  it('self-hosted and unknown names stay unpriced rather than free', () => {
    expect(book.lookup('ollama', 'llama3')).toBeUndefined();
    expect(book.lookup('vllm', 'meta-llama/Meta-Llama-3-70B-Instruct')).toBeUndefined();
    expect(book.lookup('openai', 'my-finetune')).toBeUndefined();
    // Priced per audio second, not per token: no token price to bill with.
    expect(book.lookup('openai', 'whisper-1')).toBeUndefined();
  });
});

describe('versions', () => {
  it('the book is the installed package version; Heimdall additions carry their own', () => {
    expect(CATALOGUE_VERSION).toBe(`genai-prices@${installed.version}`);
    expect(book.lookup('anthropic', 'claude-sonnet-4-6')?.version).toBe(CATALOGUE_VERSION);
    expect(book.lookup('bedrock', 'amazon.titan-embed-text-v2:0')).toMatchObject({
      version: SUPPLEMENT_VERSION,
      price: { input: 0.02, kind: 'embedding' },
    });
  });
});

describe('micro-dollar costs', () => {
  it('bills Claude Sonnet 4.6 with its cache rates', () => {
    const { price } = book.lookup('anthropic', 'claude-sonnet-4-6')!;
    // 1,000 × $3 + 1,000 × $15 + 2,000 cache writes × $3.75 + 4,000 reads × $0.30 (per 1M)
    const usage = {
      prompt_tokens: 7000,
      cache_write_tokens: 2000,
      cache_read_tokens: 4000,
      completion_tokens: 1000,
    };
    expect(costMicros(price, usage)).toBe(3000 + 15_000 + 7500 + 1200);
  });

  it('switches every rate at the long-context threshold', () => {
    const { price } = book.lookup('gemini', 'gemini-2.5-pro')!;
    expect(costMicros(price, { prompt_tokens: 200_000, completion_tokens: 1000 })).toBe(250_000 + 10_000);
    expect(costMicros(price, { prompt_tokens: 200_001, completion_tokens: 1000 })).toBe(500_003 + 15_000);
  });

  it('keeps rates finer than $0.0001 per 1M exact', () => {
    const { price } = book.lookup('gemini', 'gemini-1.5-flash')!;
    // 100,000 cached tokens × $0.01875/M = 1,875 µ$ (a 1e-4 scale would round the rate to 0.0188).
    expect(
      costMicros(price, { prompt_tokens: 100_000, cache_read_tokens: 100_000, completion_tokens: 0 }),
    ).toBe(1875);
  });
});

describe('price changes over time', () => {
  it('uses the hourly price in force and says when it next changes', () => {
    const peak = cataloguePrice('deepseek', 'deepseek-chat', Date.UTC(2026, 11, 4, 3))!;
    const offPeak = cataloguePrice('deepseek', 'deepseek-chat', Date.UTC(2026, 11, 4, 20))!;
    expect(peak.price.input).toBeGreaterThan(offPeak.price.input);
    expect(peak.expiresAt).toBe(Date.UTC(2026, 11, 4, 16, 30));
    expect(offPeak.expiresAt).toBe(Date.UTC(2026, 11, 5, 0, 30));
  });

  it('a snapshot remembers a price only until it changes', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 11, 4, 16, 0));
    const prices = new Prices([]);
    const before = prices.lookup('deepseek', 'deepseek-chat')!;
    expect(prices.lookup('deepseek', 'deepseek-chat')).toBe(before);
    vi.setSystemTime(Date.UTC(2026, 11, 4, 17, 0));
    const after = prices.lookup('deepseek', 'deepseek-chat')!;
    expect(after.price.input).toBeLessThan(before.price.input);
  });
});

describe("Heimdall's supplement", () => {
  it('prices only the exact names it lists, leaving their neighbours to the catalogue', () => {
    expect(book.lookup('vertex', 'gemini-2.0-flash')).toMatchObject({ version: SUPPLEMENT_VERSION });
    const lite = book.lookup('vertex', 'gemini-2.0-flash-lite')!;
    expect(lite.version).toBe(CATALOGUE_VERSION);
    expect(lite.price.input).toBeLessThan(0.15);
  });
});
