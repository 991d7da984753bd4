/**
 * A successful non-streamed answer: read the body, check it is a JSON object (else 502), bring
 * it to canonical form, capture usage, and send what the client codec renders of it, with
 * Bifrost's `extra_fields` unless `client.send_extra_fields` is false (OpenAI codec: without a
 * decoder the provider's bytes are kept and `extra_fields` spliced in, no re-serialisation).
 */
import type { RequestContext } from '../context.ts';
import type { AttemptRecord } from '../core/attempt.ts';
import type { ExtraFields } from '../core/client-codec.ts';
import { GatewayError } from '../core/errors.ts';
import { sendJson } from './respond.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import { openAIUsage } from '../providers/usage.ts';
import type { Target } from '../core/target.ts';
import { isJsonObject } from '../core/types.ts';
import { mapTransportError } from '../upstream/error-map.ts';
import type { UpstreamResponse } from '../upstream/types.ts';

function invalidJson(provider: string): GatewayError {
  return new GatewayError(
    502,
    'upstream_error',
    'upstream_invalid_response',
    `${provider} returned a body that is not a JSON object`,
  );
}

/** Bifrost's `extra_fields`, only when the client asked for them (no object otherwise). */
function extraFields(ctx: RequestContext, target: Target, attemptStart: number): ExtraFields | undefined {
  if (!ctx.clientCodec.extraFields || !ctx.snapshot.client.send_extra_fields) return undefined;
  return {
    provider: target.provider.name,
    model_requested: target.model,
    latency: Math.round(performance.now() - attemptStart),
    fallback_index: target.index,
  };
}

/**
 * Answers a JSON exchange, whose body is already in: provider answers to non-streamed requests are
 * read whole (`readWhole` in engine/attempt.ts) and plugin answers are built whole. Synchronous, so
 * no promise and resumption of an async function, nor of `text()`: with the async layers dropped
 * from serve.ts and attempt.ts, a pass-through request went from ~518k to ~494k instructions
 * (test/bench/instructions.ts, medians of 4 rounds) and ~4-5 % less CPU in ad hoc A/B pairs.
 */
export function finishJson(
  ctx: RequestContext,
  target: Target,
  record: AttemptRecord,
  response: UpstreamResponse,
  adapter: ProviderAdapter | undefined,
  attemptStart: number,
): void {
  let text: string | undefined;
  try {
    text = response.body.textNow();
  } catch (error) {
    throw mapTransportError(error, target.provider.name);
  }
  // A programming error, not the provider's: answered as an internal error and logged.
  if (text === undefined) throw new Error('finishJson needs an answer read whole (readWhole)');
  let payload: unknown;
  // Parsed whole even when the provider's text is forwarded as it is: it is the validity check
  // and the usage. A JavaScript scan that validated the text and parsed only `usage` was slower
  // than V8's JSON.parse on the bench answer (~1.9-2.6 against ~1.4-2.3 µs, micro-bench).
  try {
    payload = JSON.parse(text);
  } catch {
    throw invalidJson(target.provider.name);
  }
  // A translating adapter may read a top-level array (Hugging Face feature extraction) as `{items}`.
  if (Array.isArray(payload) && adapter?.decodeResponse) payload = { items: payload };
  if (!isJsonObject(payload)) throw invalidJson(target.provider.name);
  const canonical = adapter?.decodeResponse
    ? adapter.decodeResponse(ctx.operation, payload, target.model, ctx.body)
    : payload;
  const usage = adapter?.extractUsage
    ? adapter.extractUsage(ctx.operation, canonical)
    : openAIUsage(ctx.operation, canonical);
  record.usage = usage;
  ctx.usage = usage;
  ctx.served = target;
  ctx.status = 200;
  if (ctx.clientGone) return;
  const body = ctx.clientCodec.json(
    canonical,
    target,
    canonical === payload ? text : undefined,
    extraFields(ctx, target, attemptStart),
  );
  sendJson(ctx.res, 200, body, target);
}
