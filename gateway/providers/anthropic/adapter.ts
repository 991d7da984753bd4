/**
 * Anthropic Messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version`). Canonical chat
 * requests are translated (messages, images, tools, thinking, stop sequences, sampling) and
 * answers and streams translated back; a request that arrived on the `/anthropic` route is sent
 * as it came (pass-through) and its answer kept for the client verbatim.
 */
import type { AttemptInfo, ProviderAdapter } from '../adapter.ts';
import type { JsonObject } from '../../core/types.ts';
import { openAIUsage } from '../usage.ts';
import { betaHeader } from './beta.ts';
import { nativeOf } from './native.ts';
import { encodeAnthropicRequest } from './request.ts';
import { decodeAnthropicMessage, parseAnthropicError } from './response.ts';
import { AnthropicStreamDecoder } from './stream.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Betas the pass-through route asked for, per attempt (read again in `prepare`). */
const requestedBetas = new WeakMap<AttemptInfo, string[]>();

/** Marks adapters whose upstream speaks Anthropic's wire format (pass-through possible). */
export const ANTHROPIC_WIRE = Symbol('heimdall.anthropic.wire');

export function speaksAnthropic(adapter: ProviderAdapter | undefined): boolean {
  return adapter !== undefined && (adapter as unknown as Record<symbol, unknown>)[ANTHROPIC_WIRE] === true;
}

function encode(body: JsonObject, info: AttemptInfo): JsonObject {
  const native = nativeOf(body);
  if (native) {
    requestedBetas.set(info, native.betas);
    info.dropped = [];
    return { ...native.body, model: info.upstreamModel };
  }
  const { payload, dropped } = encodeAnthropicRequest(body, info.upstreamModel);
  info.dropped = dropped;
  return payload;
}

export const anthropic: ProviderAdapter = {
  id: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  paths: { chat: '/v1/messages' },
  listModels: { path: '/v1/models?limit=1000', format: 'anthropic' },
  auth: { header: 'x-api-key', prefix: '', optional: false },
  staticHeaders: { 'anthropic-version': ANTHROPIC_VERSION },
  // Anthropic reports stream usage unasked; asking makes the relay strip the chunk for clients
  // that did not ask, while usage is still captured.
  streamUsageOption: true,
  encodeRequest: encode,
  decodeResponse: (_operation, payload) => decodeAnthropicMessage(payload, true),
  createStreamDecoder: () => new AnthropicStreamDecoder(),
  extractUsage: openAIUsage,
  parseError: parseAnthropicError,
  prepare(request, info) {
    const configured = request.headers['anthropic-beta'];
    const beta = betaHeader(info.provider, requestedBetas.get(info) ?? [], configured);
    if (beta === undefined) delete request.headers['anthropic-beta'];
    else request.headers['anthropic-beta'] = beta;
  },
};
Object.defineProperty(anthropic, ANTHROPIC_WIRE, { value: true, enumerable: true });
