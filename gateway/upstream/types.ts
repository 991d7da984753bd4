/**
 * What the rest of the gateway sees of an upstream exchange, without importing undici (lint
 * keeps undici inside gateway/upstream/). Mocked responses implement the same shapes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AbortWatch } from '../util/client-abort.ts';

/** Where a body's bytes go, in order: chunks, then exactly one of end or error. */
export interface BodySink {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(error: unknown): void;
}

/**
 * A response body, read once: streamed to one sink (with backpressure: `pause` stops the upstream
 * socket until `resume`), read whole, or thrown away. Not a Node Readable: a stream object per
 * response, and every chunk pushed through it, were ~10 % of the serving thread on SSE.
 */
export interface UpstreamBody {
  /** Delivers the body to `sink`, chunks that arrived before this call first. */
  read(sink: BodySink): void;
  /** No more chunks until `resume` (the current chunk finishes). */
  pause(): void;
  resume(): void;
  /** Stops reading: an exchange not yet complete is aborted, and the sink hears nothing more. */
  cancel(): void;
  text(): Promise<string>;
  /**
   * The text of a body that is already complete and unread (an answer read whole), without the
   * promise and the resumption `text()` costs; undefined while it is still arriving. Throws the
   * error that cut it.
   */
  textNow(): string | undefined;
  dump(): Promise<void>;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /**
   * The content-type header as `headers` would give it, undefined when absent or repeated (an
   * array there). Read on its own because a stream checks it on every answer, and parsing all the
   * headers into an object for it was ~0.7 % of the serving thread on the SSE bench.
   */
  readonly contentType: string | undefined;
  body: UpstreamBody;
}

/** One request to a provider: a POST with a body (inference), or a GET without (model lists). */
export interface UpstreamCall {
  /** @default 'POST' */
  method?: 'POST' | 'GET';
  /** Path and query, already joined with the base URL's prefix. */
  path: string;
  headers: Record<string, string>;
  /** Undefined only for a GET. Bytes: the client's own, forwarded unchanged. */
  body: string | Buffer | undefined;
  /**
   * Aborts the request when the client leaves: usually the request's `ClientAbort` (cheaper than
   * an `AbortSignal`, see util/client-abort.ts); undici accepts it as it is.
   */
  signal: AbortWatch;
  /** Longest silence allowed between body chunks. */
  bodyTimeoutMs: number;
  /**
   * The answer is read whole (a non-streamed exchange): `send` resolves once the body is in,
   * without a stream per response. Left out for streams, whose body is read as it comes.
   */
  readWhole?: boolean;
}

/** How a provider's connections are made; equal settings share pools across snapshots. */
export interface DispatchSettings {
  /** `max_conns_per_host`: connections per origin. */
  connections: number;
  connectTimeoutMs: number;
  /** `default_request_timeout_in_seconds`: wait for response headers. */
  headersTimeoutMs: number;
  proxy?: ProxySettings | undefined;
}

export interface ProxySettings {
  type: 'http' | 'socks5' | 'environment';
  url?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  caCertPem?: string | undefined;
}
