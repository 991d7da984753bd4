/**
 * Google Vertex AI: Gemini models (`publishers/google/models/{m}:generateContent`,
 * `:streamGenerateContent?alt=sse`, `:predict` for text embeddings) and Anthropic models
 * (`publishers/anthropic/models/{m}:rawPredict` / `:streamRawPredict`, body in Anthropic's format
 * with `anthropic_version: vertex-2023-10-16`). `vertex_key_config`: `project_id`, `region`
 * (`global` uses the global endpoint), `auth_credentials`, `deployments`.
 */
import type { ProviderKeySnapshot, ProviderSnapshot } from '../../../clients/contract/snapshot.ts';
import { GatewayError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import { resolveEnv } from '../../util/env.ts';
import type { AttemptInfo, ProviderAdapter } from '../adapter.ts';
import { nativeOf } from '../anthropic/native.ts';
import { encodeAnthropicRequest } from '../anthropic/request.ts';
import { decodeAnthropicMessage, parseAnthropicError } from '../anthropic/response.ts';
import { encodeGeminiBody } from '../gemini/adapter.ts';
import { decodeGeminiChat, parseGoogleError } from '../gemini/response.ts';
import { embeddingList } from '../translate/canonical.ts';
import { droppedParams, embeddingInputs } from '../translate/openai-input.ts';
import { openAIUsage } from '../usage.ts';
import { GOOGLE_AUTH, vertexAccessToken } from './auth.ts';
import { VertexStreamDecoder } from './stream.ts';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

interface VertexKeyConfig {
  project_id?: unknown;
  region?: unknown;
  auth_credentials?: unknown;
  deployments?: unknown;
}

function config(key: ProviderKeySnapshot): VertexKeyConfig {
  return (key.vertex_key_config ?? {}) as VertexKeyConfig;
}

function text(value: unknown): string | undefined {
  const resolved = typeof value === 'string' ? resolveEnv(value) : undefined;
  return resolved === undefined || resolved === '' ? undefined : resolved;
}

function region(key: ProviderKeySnapshot): string {
  return text(config(key).region) ?? 'us-central1';
}

function project(key: ProviderKeySnapshot): string {
  const id = text(config(key).project_id);
  if (!id)
    throw new GatewayError(
      500,
      'server_error',
      'provider_misconfigured',
      'vertex: vertex_key_config.project_id is required',
    );
  return id;
}

export function isClaude(model: string): boolean {
  return model.startsWith('claude');
}

function keyBaseUrl(key: ProviderKeySnapshot, provider: ProviderSnapshot): string | undefined {
  if (provider.network_config?.base_url) return undefined;
  const where = region(key);
  return where === 'global'
    ? 'https://aiplatform.googleapis.com'
    : `https://${where}-aiplatform.googleapis.com`;
}

function resolvePath({ operation, stream, upstreamModel, key }: AttemptInfo): string {
  const where = region(key);
  const publisher = isClaude(upstreamModel) ? 'anthropic' : 'google';
  const base = `/v1/projects/${encodeURIComponent(project(key))}/locations/${where}/publishers/${publisher}/models/${encodeURIComponent(upstreamModel)}`;
  if (operation === 'embeddings') return `${base}:predict`;
  if (publisher === 'anthropic') return stream ? `${base}:streamRawPredict` : `${base}:rawPredict`;
  return stream ? `${base}:streamGenerateContent?alt=sse` : `${base}:generateContent`;
}

function encode(body: JsonObject, info: AttemptInfo): JsonObject {
  if (info.operation === 'embeddings') {
    info.dropped = droppedParams(body, new Set(['dimensions', 'encoding_format']));
    const parameters =
      typeof body.dimensions === 'number' ? { parameters: { outputDimensionality: body.dimensions } } : {};
    return { instances: embeddingInputs(body.input).map((content) => ({ content })), ...parameters };
  }
  if (!isClaude(info.upstreamModel)) return encodeGeminiBody(body, info);
  const native = nativeOf(body);
  let payload: JsonObject;
  if (native) {
    payload = { ...native.body };
    delete payload.model;
    info.dropped = [];
  } else {
    const encoded = encodeAnthropicRequest(body, info.upstreamModel, false);
    payload = encoded.payload;
    info.dropped = encoded.dropped;
  }
  return { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...payload };
}

function decodeEmbeddings(payload: JsonObject, model: string, request: JsonObject): JsonObject {
  const predictions = Array.isArray(payload.predictions) ? payload.predictions.filter(isJsonObject) : [];
  let tokens = 0;
  const vectors = predictions.map((prediction) => {
    const embeddings = isJsonObject(prediction.embeddings) ? prediction.embeddings : {};
    const stats = isJsonObject(embeddings.statistics) ? embeddings.statistics : {};
    tokens += typeof stats.token_count === 'number' ? stats.token_count : 0;
    return embeddings.values;
  });
  return embeddingList(model, vectors, tokens, request);
}

function decode(operation: string, payload: JsonObject, model: string, request: JsonObject): JsonObject {
  if (operation === 'embeddings') return decodeEmbeddings(payload, model, request);
  return payload.type === 'message'
    ? decodeAnthropicMessage(payload, false)
    : decodeGeminiChat(payload, model);
}

export const vertex: ProviderAdapter = {
  id: 'vertex',
  defaultBaseUrl: undefined,
  paths: { chat: '/v1/projects', embeddings: '/v1/projects' },
  // A key value is used as a ready OAuth access token; empty means auth_credentials or ADC.
  auth: { header: 'authorization', prefix: 'Bearer ', optional: true },
  streamUsageOption: true,
  keyBaseUrl,
  upstreamModel(model, key) {
    const deployments = config(key).deployments;
    const mapped = isJsonObject(deployments) ? deployments[model] : undefined;
    return typeof mapped === 'string' && mapped !== '' ? mapped : model;
  },
  resolvePath,
  encodeRequest: encode,
  decodeResponse: decode,
  createStreamDecoder: () => new VertexStreamDecoder(),
  extractUsage: openAIUsage,
  parseError(status, body) {
    return body.includes('"type":"error"') || body.includes('"type": "error"')
      ? parseAnthropicError(status, body)
      : parseGoogleError(status, body);
  },
  async prepare(request, info, secret) {
    if (secret !== '') return;
    const token = await vertexAccessToken(text(config(info.key).auth_credentials));
    request.headers.authorization = `Bearer ${token}`;
  },
  credentialLibrary: (key, secret) =>
    secret === '' && text(config(key).auth_credentials) === undefined ? GOOGLE_AUTH : undefined,
};
