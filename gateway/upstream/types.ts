/**
 * What the rest of the gateway sees of an upstream exchange, without importing undici (lint
 * keeps undici inside gateway/upstream/). Mocked responses implement the same shapes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { AbortWatch } from '../util/client-abort.ts';

/** A response body: a byte stream that can also be read whole or thrown away. */
export type UpstreamBody = Readable & {
  text(): Promise<string>;
  dump(): Promise<void>;
};

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
}

/** One POST to a provider. */
export interface UpstreamCall {
  /** Path and query, already joined with the base URL's prefix. */
  path: string;
  headers: Record<string, string>;
  body: string;
  /**
   * Aborts the request when the client leaves: usually the request's `ClientAbort` (cheaper than
   * an `AbortSignal`, see util/client-abort.ts); undici accepts it as it is.
   */
  signal: AbortWatch;
  /** Longest silence allowed between body chunks. */
  bodyTimeoutMs: number;
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
