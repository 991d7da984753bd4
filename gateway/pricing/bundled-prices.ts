/**
 * The bundled price book: list prices in USD per 1M tokens, as published by each provider on its
 * pricing page. `version` is recorded on every ledger entry and request log, so a later price
 * change never rewrites history. Control-plane overrides (price entries) take precedence.
 *
 * Tiers: some models charge more once the prompt exceeds a context threshold (Gemini 1.5 above
 * 128k, Gemini 2.5 Pro and Claude Sonnet 4 long context above 200k); the whole request is then
 * billed at the higher rate.
 */

export interface PriceTier {
  /** Prompt tokens above which this tier applies. */
  above_input_tokens: number;
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

export interface BundledPrice {
  provider: string;
  model: string;
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
  tiers?: PriceTier[];
  /** Embedding models bill input tokens only. */
  kind?: 'chat' | 'embedding';
  /** Largest completion the model can produce, used as the worst case when max_tokens is absent. */
  max_output_tokens?: number;
}

export const PRICE_BOOK_VERSION = 'bundled-2026-11-01';

export const PRICE_BOOK_SOURCES: Record<string, string> = {
  openai: 'https://openai.com/api/pricing',
  anthropic: 'https://www.anthropic.com/pricing#api',
  gemini: 'https://ai.google.dev/gemini-api/docs/pricing',
  groq: 'https://groq.com/pricing',
  mistral: 'https://mistral.ai/pricing',
  cohere: 'https://cohere.com/pricing',
  xai: 'https://docs.x.ai/docs/models',
  deepseek: 'https://api-docs.deepseek.com/quick_start/pricing',
  bedrock: 'https://aws.amazon.com/bedrock/pricing/',
  perplexity: 'https://docs.perplexity.ai/guides/pricing',
  cerebras: 'https://www.cerebras.ai/pricing',
  together: 'https://www.together.ai/pricing',
};

const chat = (
  provider: string,
  model: string,
  input: number,
  output: number,
  extra: Partial<BundledPrice> = {},
): BundledPrice => ({
  provider,
  model,
  input,
  output,
  kind: 'chat',
  ...extra,
});
const embedding = (provider: string, model: string, input: number): BundledPrice => ({
  provider,
  model,
  input,
  output: 0,
  kind: 'embedding',
});

/** Anthropic bills 5-minute cache writes at 1.25× and cache reads at 0.1× the input price. */
const claude = (input: number, maxOut: number) => ({
  cache_write: input * 1.25,
  cache_read: input * 0.1,
  max_output_tokens: maxOut,
});

const ANTHROPIC_MODELS: Array<[string, number, number, number]> = [
  ['claude-3-5-sonnet-20241022', 3, 15, 8192],
  ['claude-3-5-sonnet-20240620', 3, 15, 8192],
  ['claude-3-7-sonnet-20250219', 3, 15, 64000],
  ['claude-sonnet-4-20250514', 3, 15, 64000],
  ['claude-sonnet-4-5', 3, 15, 64000],
  ['claude-3-5-haiku-20241022', 0.8, 4, 8192],
  ['claude-haiku-4-5', 1, 5, 64000],
  ['claude-3-haiku-20240307', 0.25, 1.25, 4096],
  ['claude-3-opus-20240229', 15, 75, 4096],
  ['claude-opus-4-20250514', 15, 75, 32000],
  ['claude-opus-4-1', 15, 75, 32000],
  ['claude-opus-4-5', 5, 25, 64000],
];

export const BUNDLED_PRICES: BundledPrice[] = [
  chat('openai', 'gpt-4o', 2.5, 10, { cache_read: 1.25, max_output_tokens: 16384 }),
  chat('openai', 'gpt-4o-mini', 0.15, 0.6, { cache_read: 0.075, max_output_tokens: 16384 }),
  chat('openai', 'gpt-4.1', 2, 8, { cache_read: 0.5, max_output_tokens: 32768 }),
  chat('openai', 'gpt-4.1-mini', 0.4, 1.6, { cache_read: 0.1, max_output_tokens: 32768 }),
  chat('openai', 'gpt-4.1-nano', 0.1, 0.4, { cache_read: 0.025, max_output_tokens: 32768 }),
  chat('openai', 'gpt-5', 1.25, 10, { cache_read: 0.125, max_output_tokens: 128000 }),
  chat('openai', 'gpt-5-mini', 0.25, 2, { cache_read: 0.025, max_output_tokens: 128000 }),
  chat('openai', 'gpt-5-nano', 0.05, 0.4, { cache_read: 0.005, max_output_tokens: 128000 }),
  chat('openai', 'o3', 2, 8, { cache_read: 0.5, max_output_tokens: 100000 }),
  chat('openai', 'o3-mini', 1.1, 4.4, { cache_read: 0.55, max_output_tokens: 100000 }),
  chat('openai', 'o4-mini', 1.1, 4.4, { cache_read: 0.275, max_output_tokens: 100000 }),
  chat('openai', 'gpt-3.5-turbo', 0.5, 1.5, { max_output_tokens: 4096 }),
  chat('openai', 'gpt-3.5-turbo-instruct', 1.5, 2, { max_output_tokens: 4096 }),
  embedding('openai', 'text-embedding-3-small', 0.02),
  embedding('openai', 'text-embedding-3-large', 0.13),
  embedding('openai', 'text-embedding-ada-002', 0.1),
  ...ANTHROPIC_MODELS.map(([model, input, output, maxOut]) =>
    chat('anthropic', model, input, output, claude(input, maxOut)),
  ),
  chat('gemini', 'gemini-1.5-flash', 0.075, 0.3, {
    tiers: [{ above_input_tokens: 128_000, input: 0.15, output: 0.6 }],
    max_output_tokens: 8192,
  }),
  chat('gemini', 'gemini-1.5-pro', 1.25, 5, {
    tiers: [{ above_input_tokens: 128_000, input: 2.5, output: 10 }],
    max_output_tokens: 8192,
  }),
  chat('gemini', 'gemini-2.0-flash', 0.1, 0.4, { cache_read: 0.025, max_output_tokens: 8192 }),
  chat('gemini', 'gemini-2.0-flash-lite', 0.075, 0.3, { max_output_tokens: 8192 }),
  chat('gemini', 'gemini-2.5-flash', 0.3, 2.5, { cache_read: 0.075, max_output_tokens: 65536 }),
  chat('gemini', 'gemini-2.5-pro', 1.25, 10, {
    cache_read: 0.31,
    tiers: [{ above_input_tokens: 200_000, input: 2.5, output: 15, cache_read: 0.625 }],
    max_output_tokens: 65536,
  }),
  chat('groq', 'llama-3.3-70b-versatile', 0.59, 0.79, { max_output_tokens: 32768 }),
  chat('groq', 'llama-3.1-8b-instant', 0.05, 0.08, { max_output_tokens: 131072 }),
  chat('mistral', 'mistral-large-latest', 2, 6),
  chat('mistral', 'mistral-small-latest', 0.1, 0.3),
  chat('mistral', 'codestral-latest', 0.3, 0.9),
  embedding('mistral', 'mistral-embed', 0.1),
  chat('cohere', 'command-r-plus', 2.5, 10, { max_output_tokens: 4096 }),
  chat('cohere', 'command-r', 0.15, 0.6, { max_output_tokens: 4096 }),
  chat('cohere', 'command-a-03-2025', 2.5, 10, { max_output_tokens: 8192 }),
  embedding('cohere', 'embed-english-v3.0', 0.1),
  chat('xai', 'grok-3', 3, 15),
  chat('xai', 'grok-3-mini', 0.3, 0.5),
  chat('deepseek', 'deepseek-chat', 0.27, 1.1, { cache_read: 0.07, max_output_tokens: 8192 }),
  chat('deepseek', 'deepseek-reasoner', 0.55, 2.19, { cache_read: 0.14, max_output_tokens: 65536 }),
  chat('bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 3, 15, claude(3, 8192)),
  chat('bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 3, 15, claude(3, 8192)),
  chat('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0', 0.25, 1.25, claude(0.25, 4096)),
  embedding('bedrock', 'amazon.titan-embed-text-v2:0', 0.02),
  embedding('bedrock', 'cohere.embed-english-v3', 0.1),
  chat('vertex', 'gemini-2.0-flash', 0.15, 0.6, { max_output_tokens: 8192 }),
  chat('vertex', 'gemini-2.5-pro', 1.25, 10, {
    tiers: [{ above_input_tokens: 200_000, input: 2.5, output: 15 }],
    max_output_tokens: 65536,
  }),
  chat('vertex', 'claude-3-5-sonnet-v2@20241022', 3, 15, claude(3, 8192)),
  chat('perplexity', 'sonar', 1, 1),
  chat('perplexity', 'sonar-pro', 3, 15),
  chat('cerebras', 'llama3.1-8b', 0.1, 0.1),
  chat('cerebras', 'llama-3.3-70b', 0.85, 1.2),
  chat('together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 0.88, 0.88),
];
