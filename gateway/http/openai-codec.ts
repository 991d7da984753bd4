/**
 * The codec of the OpenAI routes (`/v1/*`): the canonical format is theirs, so requests pass
 * through, a provider's JSON text is passed on unparsed when nothing changed, and errors use the
 * OpenAI envelope. One shared instance; nothing in it is per request.
 */
import type { ClientCodec, ClientStreamEncoder, ExtraFields } from '../core/client-codec.ts';
import type { GatewayError } from '../core/errors.ts';
import type { JsonObject } from '../core/types.ts';
import { formatEvent } from '../providers/sse-parser.ts';

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
