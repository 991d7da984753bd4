/**
 * The codec of the OpenAI routes (`/v1/*`): the canonical format is theirs, so requests pass
 * through, a provider's JSON text is passed on unparsed when nothing changed, and errors use the
 * OpenAI envelope. One shared instance; nothing in it is per request.
 */
import type { ClientCodec, ClientStreamEncoder, ExtraFields } from '../core/client-codec.ts';
import type { GatewayError } from '../core/errors.ts';
import type { JsonObject } from '../core/types.ts';
import { formatEvent } from '../providers/sse-parser.ts';

/** A number as JSON.stringify writes it. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/** A field added to ExtraFields must be written by `extraFieldsJson` too: this fails to compile. */
type Unwritten = Exclude<keyof ExtraFields, 'provider' | 'model_requested' | 'latency' | 'fallback_index'>;
export const EXTRA_FIELDS_ALL_WRITTEN: [Unwritten] extends [never] ? true : never = true;

/** provider name → model → `{"provider":…,"model_requested":…,"latency":` (their JSON text). */
const extraPrefixes = new Map<string, Map<string, string>>();
/** Models are the client's words: a provider's memo is dropped whole past this many. */
const EXTRA_PREFIX_MODELS = 256;

/** The text of `extra` up to its latency: the same for every answer of one provider and model. */
function extraPrefix(provider: string, model: string): string {
  let models = extraPrefixes.get(provider);
  if (models === undefined) {
    models = new Map();
    extraPrefixes.set(provider, models);
  }
  let prefix = models.get(model);
  if (prefix === undefined) {
    prefix = `{"provider":${JSON.stringify(provider)},"model_requested":${JSON.stringify(model)},"latency":`;
    if (models.size >= EXTRA_PREFIX_MODELS) models.clear();
    models.set(model, prefix);
  }
  return prefix;
}

/**
 * `JSON.stringify(extra)`, written field by field: the same text without walking an object
 * (it is built for every non-streamed answer), the quoted provider and model memoised (two
 * JSON.stringify calls per answer were most of this function's 0.9 % of the serving thread).
 */
export function extraFieldsJson(extra: ExtraFields): string {
  return (
    `${extraPrefix(extra.provider, extra.model_requested)}${jsonNumber(extra.latency)}` +
    `,"fallback_index":${jsonNumber(extra.fallback_index)}}`
  );
}

/** Inserts `"extra_fields":{…}` before the last `}`; undefined when the text does not allow it. */
export function spliceExtraFields(text: string, extra: ExtraFields): string | undefined {
  const end = text.lastIndexOf('}');
  if (end < 0) return undefined;
  let i = end - 1;
  let code = text.charCodeAt(i);
  // Skip JSON whitespace: space, \n, \r, \t.
  while (code === 32 || code === 10 || code === 13 || code === 9) code = text.charCodeAt(--i);
  const separator = code === 123 /* { */ ? '' : ',';
  return `${text.slice(0, end)}${separator}"extra_fields":${extraFieldsJson(extra)}${text.slice(end)}`;
}

/**
 * The event that ends a stream which failed after its first byte. The OpenAI SDKs throw an
 * APIError on it (`data.error`), so a broken stream never looks like a clean end.
 */
export function streamErrorEvent(error: GatewayError): string {
  return `event: error\ndata: ${JSON.stringify(error.toJSON())}\n\n`;
}

function json(
  canonical: JsonObject,
  _target: unknown,
  upstreamText: string | undefined,
  extra: ExtraFields | undefined,
): string {
  if (extra === undefined) return upstreamText ?? JSON.stringify(canonical);
  if (upstreamText !== undefined && !('extra_fields' in canonical)) {
    const spliced = spliceExtraFields(upstreamText, extra);
    if (spliced !== undefined) return spliced;
  }
  return JSON.stringify({ ...canonical, extra_fields: extra });
}

const encoder: ClientStreamEncoder = { event: formatEvent, error: streamErrorEvent };
const stream = { encoder };

export const OPENAI_CODEC: ClientCodec = {
  extraFields: true,
  request: (parsed) => parsed,
  json,
  error: (error) => JSON.stringify(error.toJSON()),
  stream: () => stream,
};
