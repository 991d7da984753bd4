/**
 * A successful non-streamed answer: read the body, check it is a JSON object (else 502), bring
 * it to canonical form, capture usage, add Bifrost's `extra_fields` unless
 * `client.send_extra_fields` is false, and send it. Without a decoder the provider's bytes are
 * kept and `extra_fields` is spliced in before the closing brace, avoiding a re-serialisation.
 */
import type { AttemptRecord, RequestContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { sendJson } from '../http/respond.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import { openAIUsage } from '../providers/usage.ts';
import type { Target } from '../routing/targets.ts';
import type { JsonObject } from '../types.ts';
import { isJsonObject } from '../types.ts';
import { mapTransportError } from '../upstream/error-map.ts';
import type { UpstreamResponse } from '../upstream/types.ts';

export interface ExtraFields {
  provider: string;
  model_requested: string;
  /** Milliseconds of the attempt that answered. */
  latency: number;
  /** 0 when the primary answered, n for the n-th fallback. */
  fallback_index: number;
}

function invalidJson(provider: string): GatewayError {
  return new GatewayError(
    502,
    'upstream_error',
    'upstream_invalid_response',
    `${provider} returned a body that is not a JSON object`,
  );
}

/** Inserts `"extra_fields":{…}` before the last `}`; undefined when the text does not allow it. */
export function spliceExtraFields(text: string, extra: ExtraFields): string | undefined {
  const end = text.lastIndexOf('}');
  if (end < 0) return undefined;
  let i = end - 1;
  while (
    i >= 0 &&
    (text.charCodeAt(i) === 32 ||
      text.charCodeAt(i) === 10 ||
      text.charCodeAt(i) === 13 ||
      text.charCodeAt(i) === 9)
  )
    i--;
  const separator = text.charCodeAt(i) === 123 /* { */ ? '' : ',';
  return `${text.slice(0, end)}${separator}"extra_fields":${JSON.stringify(extra)}${text.slice(end)}`;
}

function render(
  ctx: RequestContext,
  target: Target,
  text: string,
  payload: JsonObject,
  canonical: JsonObject,
  attemptStart: number,
): string {
  if (!ctx.snapshot.client.send_extra_fields) return canonical === payload ? text : JSON.stringify(canonical);
  const extra: ExtraFields = {
    provider: target.provider.name,
    model_requested: target.model,
    latency: Math.round(performance.now() - attemptStart),
    fallback_index: target.index,
  };
  if (canonical === payload && !('extra_fields' in payload)) {
    const spliced = spliceExtraFields(text, extra);
    if (spliced !== undefined) return spliced;
  }
  return JSON.stringify({ ...canonical, extra_fields: extra });
}

export async function finishJson(
  ctx: RequestContext,
  target: Target,
  record: AttemptRecord,
  response: UpstreamResponse,
  adapter: ProviderAdapter | undefined,
  attemptStart: number,
): Promise<void> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw mapTransportError(error, target.provider.name);
  }
  let payload: unknown;
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
  const body = ctx.client
    ? ctx.client.json(canonical, target)
    : render(ctx, target, text, payload, canonical, attemptStart);
  sendJson(ctx.res, 200, body, target);
}
