/**
 * Writing responses: JSON bodies and errors in the OpenAI envelope, always with the
 * `x-heimdall-provider`/`x-heimdall-model` headers once a provider was chosen, and the SSE head
 * and error event for streams.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.ts';
import type { Target } from '../routing/targets.ts';
import type { ClientCodec } from './client-codec.ts';

export const PROVIDER_HEADER = 'x-heimdall-provider';
/** The request's id, as in its request log row and ledger entries (GraphQL `requestLogs`). */
export const REQUEST_ID_HEADER = 'x-request-id';
export const MODEL_HEADER = 'x-heimdall-model';
/**
 * The caller's own `x-request-id`, echoed back when it was usable (gateway/request-id.ts): the
 * caller's id cannot stay in `x-request-id`, which names Heimdall's log row.
 */
export const CLIENT_REQUEST_ID_HEADER = 'x-client-request-id';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Header values must be printable ASCII; model names need not be, so those are %-encoded. */
export function headerValue(value: string): string {
  return PRINTABLE_ASCII.test(value) ? value : encodeURIComponent(value);
}

/** Names the request in every answer (JSON, stream, error): Heimdall's id and the caller's. */
export function setRequestIdHeaders(
  res: ServerResponse,
  id: string,
  clientRequestId: string | undefined,
): void {
  res.setHeader(REQUEST_ID_HEADER, id);
  if (clientRequestId !== undefined) res.setHeader(CLIENT_REQUEST_ID_HEADER, clientRequestId);
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
  client?: ClientCodec,
): void {
  if (res.headersSent || res.destroyed) return;
  try {
    if (error.retryAfterSeconds !== undefined) {
      res.setHeader('retry-after', String(Math.max(0, Math.ceil(error.retryAfterSeconds))));
    }
    // A body we refused to read (too large, or stalled) is still on the wire: do not reuse the
    // connection.
    if (error.status === 413 || error.status === 408) res.setHeader('connection', 'close');
    sendJson(res, error.status, client ? client.error(error) : JSON.stringify(error.toJSON()), target);
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

/**
 * The event that ends a stream which failed after its first byte. The OpenAI SDKs throw an
 * APIError on it (`data.error`), so a broken stream never looks like a clean end.
 */
export function streamErrorEvent(error: GatewayError): string {
  return `event: error\ndata: ${JSON.stringify(error.toJSON())}\n\n`;
}
