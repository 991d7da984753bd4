/**
 * A client codec: the wire format of the route a request came in on. It turns the client's
 * request into the canonical (OpenAI) body, and canonical JSON bodies, stream events and errors
 * back into the client's format. Every request has one: the OpenAI routes' codec
 * (http/openai-codec.ts) passes the canonical format through; the Anthropic route's
 * (http/anthropic/codec.ts) translates. The engine writes only through it.
 *
 * One upward arrow, type-only: a codec may replace the adapter's stream decoder, so it names
 * the adapter contract (providers/adapter.ts, which imports nothing that names a codec).
 */
import type { ProviderAdapter, StreamDecoder } from '../providers/adapter.ts';
import type { GatewayError } from './errors.ts';
import type { Target } from './target.ts';
import type { JsonObject, Usage } from './types.ts';

/** Encodes one stream's canonical events for the client. */
export interface ClientStreamEncoder {
  /** Text to write for one canonical event (may be empty). */
  event(event: string | undefined, data: string): string;
  /** Text that ends a stream which failed after its first byte. */
  error(error: GatewayError): string;
  /**
   * For a format that states usage at its end (Anthropic's `message_delta`): the usage Heimdall
   * charges a stream the provider ended without any (engine/delivered.ts's estimate), given
   * before `[DONE]` is encoded, so the client is told what it is charged.
   */
  finalUsage?(usage: Usage): void;
}

/** Bifrost's `extra_fields`, added to JSON answers when `client.send_extra_fields` is set. */
export interface ExtraFields {
  provider: string;
  model_requested: string;
  /** Milliseconds of the attempt that answered. */
  latency: number;
  /** 0 when the primary answered, n for the n-th fallback. */
  fallback_index: number;
}

export interface ClientCodec {
  /** Whether this format carries Bifrost's `extra_fields` (else none are built). */
  readonly extraFields: boolean;
  /** The client's parsed body → the canonical request body (throws a 400 GatewayError). */
  request(parsed: unknown): unknown;
  /**
   * A canonical JSON answer → the client's body. `upstreamText` is the provider's own text when
   * `canonical` is exactly what it parsed to (so it can be passed on without re-serialising);
   * `extra` is set when the client asked for extra fields.
   */
  json(
    canonical: JsonObject,
    target: Target,
    upstreamText: string | undefined,
    extra: ExtraFields | undefined,
  ): string;
  /** The error envelope body. */
  error(error: GatewayError): string;
  /**
   * One attempt's stream: the encoder, and optionally a decoder replacing the adapter's (to pass
   * a provider's native events through when they already are in the client's format).
   */
  stream(adapter: ProviderAdapter | undefined): { decoder?: StreamDecoder; encoder: ClientStreamEncoder };
}
