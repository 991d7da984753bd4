/**
 * A client-side codec: how answers reach a client that does not speak the canonical (OpenAI)
 * format, such as the Anthropic-compatible route. It turns the client's request into the
 * canonical body, and canonical JSON bodies, stream events and errors back into the client's
 * format. Requests without one are served in the canonical format unchanged.
 */
import type { GatewayError } from '../errors.ts';
import type { ProviderAdapter, StreamDecoder } from '../providers/adapter.ts';
import type { Target } from '../routing/targets.ts';
import type { JsonObject } from '../types.ts';

/** Encodes one stream's canonical events for the client. */
export interface ClientStreamEncoder {
  /** Text to write for one canonical event (may be empty). */
  event(event: string | undefined, data: string): string;
  /** Text that ends a stream which failed after its first byte. */
  error(error: GatewayError): string;
}

export interface ClientCodec {
  /** The client's parsed body → the canonical request body (throws a 400 GatewayError). */
  request(parsed: unknown): unknown;
  /** A canonical JSON answer → the client's body. */
  json(canonical: JsonObject, target: Target): string;
  /** The error envelope body. */
  error(error: GatewayError): string;
  /**
   * One attempt's stream: the encoder, and optionally a decoder replacing the adapter's (to pass
   * a provider's native events through when they already are in the client's format).
   */
  stream(adapter: ProviderAdapter | undefined): { decoder?: StreamDecoder; encoder: ClientStreamEncoder };
}
