/** The ClientCodec of the `/anthropic` route: Anthropic in, Anthropic out, whatever the provider. */
import type { IncomingMessage } from 'node:http';
import { speaksAnthropic } from '../../providers/anthropic/adapter.ts';
import { splitBetas } from '../../providers/anthropic/native.ts';
import { isJsonObject } from '../../core/types.ts';
import type { ClientCodec } from '../../core/client-codec.ts';
import { InputEstimate } from './input-estimate.ts';
import { canonicalFromAnthropic } from './request.ts';
import { anthropicErrorBody, messageFromCanonical } from './response.ts';
import { AnthropicStreamEncoder, nativeStream } from './stream-encoder.ts';

export function anthropicCodec(req: IncomingMessage): ClientCodec {
  const betas = splitBetas(req.headers['anthropic-beta']);
  let inputEstimate: InputEstimate | undefined;
  return {
    extraFields: false,
    request: (parsed) => {
      const canonical = canonicalFromAnthropic(parsed, betas);
      // Counted from the start, so the count is likely ready by the stream's first event.
      if (isJsonObject(canonical) && canonical.stream === true) inputEstimate = new InputEstimate(canonical);
      return canonical;
    },
    json: (canonical) => JSON.stringify(messageFromCanonical(canonical)),
    error: (error) => JSON.stringify(anthropicErrorBody(error)),
    stream: (adapter) =>
      speaksAnthropic(adapter) ? nativeStream() : { encoder: new AnthropicStreamEncoder(inputEstimate) },
  };
}
