/**
 * Putting answers on the wire: a JSON body with the `x-heimdall-provider`/`x-heimdall-model`
 * headers once a provider was chosen, an error in the client's envelope (its codec writes the
 * body), and the SSE head for streams. What the bodies say is the client codec's business
 * (core/client-codec.ts); the engine and the routes both answer through here.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { GatewayError } from '../core/errors.ts';
import type { Target } from '../core/target.ts';
import type { ClientCodec } from '../core/client-codec.ts';

export const PROVIDER_HEADER = 'x-heimdall-provider';
export const MODEL_HEADER = 'x-heimdall-model';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Header values must be printable ASCII; model names need not be, so those are %-encoded. */
export function headerValue(value: string): string {
  return PRINTABLE_ASCII.test(value) ? value : encodeURIComponent(value);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  target: Target | undefined,
): void {
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  };
  if (target !== undefined) {
    headers[PROVIDER_HEADER] = headerValue(target.provider.name);
    headers[MODEL_HEADER] = headerValue(target.model);
  }
  res.writeHead(status, headers);
  res.end(body);
}

/** Sends the error envelope; never throws (a response that cannot be written is destroyed). */
export function sendError(
  res: ServerResponse,
  error: GatewayError,
  target: Target | undefined,
  codec: ClientCodec,
): void {
  if (res.headersSent || res.destroyed) return;
  try {
    const headers = error.headers;
    if (headers !== undefined) for (const name in headers) res.setHeader(name, headers[name]!);
    if (error.retryAfterSeconds !== undefined) {
      res.setHeader('retry-after', String(Math.max(0, Math.ceil(error.retryAfterSeconds))));
    }
    // A body we refused to read (too large, or stalled) is still on the wire: do not reuse the
    // connection.
    if (error.status === 413 || error.status === 408) res.setHeader('connection', 'close');
    sendJson(res, error.status, codec.error(error), target);
  } catch {
    res.destroy();
  }
}

export function writeStreamHead(res: ServerResponse, target: Target): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    [PROVIDER_HEADER]: headerValue(target.provider.name),
    [MODEL_HEADER]: headerValue(target.model),
  });
}
