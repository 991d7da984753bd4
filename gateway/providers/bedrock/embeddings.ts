/**
 * Bedrock embeddings through InvokeModel: Amazon Titan (`amazon.titan-embed-*`: one `inputText`
 * per call, `inputTextTokenCount` reported) and Cohere (`cohere.embed-*`: `texts` batch,
 * `input_type` defaulting to `search_document`; Bedrock reports no token count in the body).
 */
import { badRequest } from '../../core/errors.ts';
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import { embeddingList } from '../translate/canonical.ts';
import { droppedParams, embeddingInputs } from '../translate/openai-input.ts';

function isTitan(model: string): boolean {
  return model.includes('titan-embed');
}

export function encodeBedrockEmbeddings(
  body: JsonObject,
  model: string,
): { payload: JsonObject; dropped: string[] } {
  const inputs = embeddingInputs(body.input);
  if (isTitan(model)) {
    if (inputs.length !== 1)
      throw badRequest('invalid_value', 'Titan embedding models take exactly one input per request', 'input');
    const payload: JsonObject = { inputText: inputs[0] };
    if (typeof body.dimensions === 'number') payload.dimensions = body.dimensions;
    return { payload, dropped: droppedParams(body, new Set(['dimensions', 'encoding_format'])) };
  }
  const inputType = typeof body.input_type === 'string' ? body.input_type : 'search_document';
  return {
    payload: { texts: inputs, input_type: inputType },
    dropped: droppedParams(body, new Set(['input_type', 'encoding_format'])),
  };
}

export function decodeBedrockEmbeddings(payload: JsonObject, model: string, request: JsonObject): JsonObject {
  if (Array.isArray(payload.embedding))
    return embeddingList(model, [payload.embedding], Number(payload.inputTextTokenCount ?? 0), request);
  const embeddings = payload.embeddings;
  const vectors = Array.isArray(embeddings)
    ? embeddings
    : isJsonObject(embeddings) && Array.isArray(embeddings.float)
      ? embeddings.float
      : [];
  return embeddingList(model, vectors, 0, request);
}
