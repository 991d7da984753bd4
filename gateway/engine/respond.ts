/**
 * Putting answers on the wire: a JSON body with the `x-heimdall-provider`/`x-heimdall-model`
 * headers once a provider was chosen, an error in the client's envelope (its codec writes the
 * body), and the SSE head for streams. What the bodies say is the client codec's business
 * (core/client-codec.ts); the engine and the routes both answer through here.
 */
import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../core/errors.ts';
import type { Target } from '../core/target.ts';
import type { ClientCodec } from '../core/client-codec.ts';
import { requestIdHeaders } from '../request-id.ts';

export const PROVIDER_HEADER = 'x-heimdall-provider';
export const MODEL_HEADER = 'x-heimdall-model';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Header values must be printable ASCII; model names need not be, so those are %-encoded. */
export function headerValue(value: string): string {
  return PRINTABLE_ASCII.test(value) ? value : encodeURIComponent(value);
}

/**
 * The head as one flat name, value list (the request ids first, as they were once set first):
 * with no header set before it, `writeHead` stores a list as it is; an object, or headers set
 * earlier (CORS, the dropped-parameters header, an error's own), take the slower merging path.
 */
function headList(res: ServerResponse, contentType: string): (string | number)[] {
  const ids = requestIdHeaders(res);
  const list: (string | number)[] = ids === undefined ? [] : [...ids];
  list.push('content-type', contentType);
  return list;
}

function pushTarget(list: (string | number)[], target: Target | undefined): void {
  if (target === undefined) return;
  list.push(PROVIDER_HEADER, headerValue(target.provider.name), MODEL_HEADER, headerValue(target.model));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  target: Target | undefined,
): void {
  const ids = requestIdHeaders(res);
  let head: (string | number)[];
  if (ids?.length === 2 && target !== undefined) {
    // The usual answer's head in one literal: no copy of the ids and no growing of the list.
    head = [
      ids[0]!,
      ids[1]!,
      'content-type',
      'application/json',
      'content-length',
      Buffer.byteLength(body),
      PROVIDER_HEADER,
      headerValue(target.provider.name),
      MODEL_HEADER,
      headerValue(target.model),
    ];
  } else {
    head = headList(res, 'application/json');
    head.push('content-length', Buffer.byteLength(body));
    pushTarget(head, target);
  }
  res.writeHead(status, head);
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
  const head = headList(res, 'text/event-stream; charset=utf-8');
  head.push('cache-control', 'no-cache', 'x-accel-buffering', 'no');
  pushTarget(head, target);
  res.writeHead(200, head);
}
