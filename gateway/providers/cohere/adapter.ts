/** Cohere v2: `POST /v2/chat` (plain and SSE) and `POST /v2/embed`, Bearer key. */
import type { JsonObject } from '../../core/types.ts';
import type { AttemptInfo, ProviderAdapter } from '../adapter.ts';
import { embeddingInputs } from '../translate/openai-input.ts';
import { openAIUsage } from '../usage.ts';
import { encodeCohereChat, encodeCohereEmbed } from './request.ts';
import { CohereStreamDecoder, decodeCohereChat, decodeCohereEmbed } from './response.ts';

function encode(body: JsonObject, info: AttemptInfo): JsonObject {
  const { payload, dropped } =
    info.operation === 'embeddings'
      ? encodeCohereEmbed(body, info.upstreamModel, embeddingInputs(body.input))
      : encodeCohereChat(body, info.upstreamModel);
  info.dropped = dropped;
  return payload;
}

export const cohere: ProviderAdapter = {
  id: 'cohere',
  defaultBaseUrl: 'https://api.cohere.com',
  paths: { chat: '/v2/chat', embeddings: '/v2/embed' },
  listModels: { path: '/v1/models?page_size=1000', format: 'cohere' },
  auth: { header: 'authorization', prefix: 'Bearer ', optional: false },
  streamUsageOption: true,
  encodeRequest: encode,
  decodeResponse: (operation, payload, model, request) =>
    operation === 'embeddings'
      ? decodeCohereEmbed(payload, model, request)
      : decodeCohereChat(payload, model),
  createStreamDecoder: () => new CohereStreamDecoder(),
  extractUsage: openAIUsage,
};
