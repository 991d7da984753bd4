/** The ClientCodec of the `/anthropic` route: Anthropic in, Anthropic out, whatever the provider. */
import type { IncomingMessage } from 'node:http';
import { speaksAnthropic } from '../../providers/anthropic/adapter.ts';
import { splitBetas } from '../../providers/anthropic/native.ts';
import type { ClientCodec } from '../client-codec.ts';
import { canonicalFromAnthropic } from './request.ts';
import { anthropicErrorBody, messageFromCanonical } from './response.ts';
import { AnthropicStreamEncoder, nativeStream } from './stream-encoder.ts';

export function anthropicCodec(req: IncomingMessage): ClientCodec {
  const betas = splitBetas(req.headers['anthropic-beta']);
  return {
    request: (parsed) => canonicalFromAnthropic(parsed, betas),
    json: (canonical) => JSON.stringify(messageFromCanonical(canonical)),
    error: (error) => JSON.stringify(anthropicErrorBody(error)),
    stream: (adapter) =>
      speaksAnthropic(adapter) ? nativeStream() : { encoder: new AnthropicStreamEncoder() },
  };
}
