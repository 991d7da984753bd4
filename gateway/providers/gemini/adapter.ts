/**
 * Gemini (Google AI Studio API key, `x-goog-api-key`): `models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse` and `:batchEmbedContents`.
 */
import type { AttemptInfo, ProviderAdapter } from '../adapter.ts';
import type { JsonObject } from '../../core/types.ts';
import { droppedParams, embeddingInputs } from '../translate/openai-input.ts';
import { openAIUsage } from '../usage.ts';
import { encodeGeminiRequest } from './request.ts';
import { decodeGeminiChat, decodeGeminiEmbeddings, parseGoogleError } from './response.ts';
import { GeminiStreamDecoder } from './stream.ts';

const VERSION = '/v1beta';

export function geminiModelPath(model: string): string {
  return encodeURIComponent(model.startsWith('models/') ? model.slice('models/'.length) : model);
}

function encodeEmbeddings(body: JsonObject, info: AttemptInfo): JsonObject {
  info.dropped = droppedParams(body, new Set(['dimensions', 'encoding_format']));
  const model = `models/${decodeURIComponent(geminiModelPath(info.upstreamModel))}`;
  const dimensions = typeof body.dimensions === 'number' ? { outputDimensionality: body.dimensions } : {};
  return {
    requests: embeddingInputs(body.input).map((text) => ({
      model,
      content: { parts: [{ text }] },
      ...dimensions,
    })),
  };
}

export function encodeGeminiBody(body: JsonObject, info: AttemptInfo): JsonObject {
  if (info.operation === 'embeddings') return encodeEmbeddings(body, info);
  const { payload, dropped } = encodeGeminiRequest(body);
  info.dropped = dropped;
  return payload;
}

export const gemini: ProviderAdapter = {
  id: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  paths: { chat: `${VERSION}/models`, embeddings: `${VERSION}/models` },
  listModels: { path: `${VERSION}/models?pageSize=1000`, format: 'gemini' },
  auth: { header: 'x-goog-api-key', prefix: '', optional: false },
  streamUsageOption: true,
  resolvePath({ operation, stream, upstreamModel }) {
    const base = `${VERSION}/models/${geminiModelPath(upstreamModel)}`;
    if (operation === 'embeddings') return `${base}:batchEmbedContents`;
    return stream ? `${base}:streamGenerateContent?alt=sse` : `${base}:generateContent`;
  },
  encodeRequest: encodeGeminiBody,
  decodeResponse: (operation, payload, model, request) =>
    operation === 'embeddings'
      ? decodeGeminiEmbeddings(payload, model, request)
      : decodeGeminiChat(payload, model),
  createStreamDecoder: () => new GeminiStreamDecoder(''),
  extractUsage: openAIUsage,
  parseError: parseGoogleError,
};
