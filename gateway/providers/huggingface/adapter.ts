/**
 * Hugging Face Inference Providers. Chat goes to the router's OpenAI-compatible
 * `/v1/chat/completions` unchanged (model ids like `meta-llama/Llama-3.1-8B-Instruct`, optionally
 * `:provider`; key `aliases` map logical names). Embeddings use the feature-extraction pipeline
 * (`/hf-inference/models/{model}/pipeline/feature-extraction`, `{inputs}` → array of vectors).
 */
import type { JsonObject } from '../../core/types.ts';
import type { AttemptInfo, ProviderAdapter } from '../adapter.ts';
import { SseParser } from '../sse-parser.ts';
import { embeddingList } from '../translate/canonical.ts';
import { droppedParams, embeddingInputs } from '../translate/openai-input.ts';
import { openAIUsage } from '../usage.ts';

function encode(body: JsonObject, info: AttemptInfo): JsonObject {
  if (info.operation !== 'embeddings') return body;
  info.dropped = droppedParams(body, new Set(['encoding_format']));
  return { inputs: embeddingInputs(body.input) };
}

function decode(operation: string, payload: JsonObject, model: string, request: JsonObject): JsonObject {
  if (operation !== 'embeddings') return payload;
  const items = Array.isArray(payload.items) ? payload.items : [];
  // One input may come back as a single vector rather than a list of one.
  const vectors = items.length > 0 && typeof items[0] === 'number' ? [items] : items;
  return embeddingList(model, vectors, 0, request);
}

export const huggingface: ProviderAdapter = {
  id: 'huggingface',
  defaultBaseUrl: 'https://router.huggingface.co',
  paths: { chat: '/v1/chat/completions', embeddings: '/hf-inference/models' },
  auth: { header: 'authorization', prefix: 'Bearer ', optional: false },
  streamUsageOption: true,
  resolvePath: ({ operation, upstreamModel }) =>
    operation === 'embeddings'
      ? `/hf-inference/models/${upstreamModel.split('/').map(encodeURIComponent).join('/')}/pipeline/feature-extraction`
      : '/v1/chat/completions',
  encodeRequest: encode,
  decodeResponse: decode,
  createStreamDecoder: () => new SseParser(),
  extractUsage: openAIUsage,
};
