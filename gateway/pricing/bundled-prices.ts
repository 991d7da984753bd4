/**
 * The bundled price book's shape and Heimdall's own few entries. Prices are USD per 1M tokens.
 * The book itself is the `@pydantic/genai-prices` catalogue (catalogue.ts); its version is
 * recorded on every ledger entry and request log, so a later price change never rewrites
 * history. Control-plane overrides (price entries) take precedence over both.
 *
 * Tiers: some models charge more once the prompt exceeds a context threshold (Gemini 2.5 Pro and
 * Claude Sonnet 4.x above 200k); the whole request is then billed at the higher rate.
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

/** The version of Heimdall's own entries below (bump when one changes). */
export const SUPPLEMENT_VERSION = 'heimdall-supplement@2026-12-04';

const embedding = (provider: string, model: string, input: number): BundledPrice => ({
  provider,
  model,
  input,
  output: 0,
  kind: 'embedding',
});

/**
 * Models the provider docs name that the catalogue lacks (Cohere v3 embeddings) or prices by a
 * neighbour's rule: it bills Titan v2 at Titan v1's $0.10 (AWS lists $0.02), and Gemini 2.0 Flash
 * on Vertex at AI Studio's $0.10/$0.40 (Vertex lists $0.15/$0.60). Looked up before the catalogue.
 */
export const SUPPLEMENT_PRICES: readonly BundledPrice[] = [
  {
    provider: 'vertex',
    model: 'gemini-2.0-flash',
    input: 0.15,
    output: 0.6,
    kind: 'chat',
    max_output_tokens: 8192,
  },
  embedding('cohere', 'embed-english-v3.0', 0.1),
  embedding('cohere', 'embed-multilingual-v3.0', 0.1),
  embedding('bedrock', 'amazon.titan-embed-text-v2:0', 0.02),
  embedding('bedrock', 'cohere.embed-english-v3', 0.1),
  embedding('bedrock', 'cohere.embed-multilingual-v3', 0.1),
];
