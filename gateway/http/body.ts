/**
 * Reads a request body under the `max_request_body_size_mb` limit (413 past it, checked on
 * Content-Length first) and an idle timeout (408 when the client stops sending), and parses it as
 * JSON once (400 when it is not JSON or is nested past MAX_JSON_DEPTH).
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, GatewayError } from '../core/errors.ts';
import { depthExceededAt, MAX_JSON_DEPTH } from './json-depth.ts';

/**
 * How long a request body may go without a byte before the request is answered 408 and its
 * connection closed. The HTTP server has no request timeout (streams may last for hours), so
 * without this a client that sends headers and part of a body holds a socket forever.
 */
export const BODY_IDLE_TIMEOUT_MS = 30_000;

function tooLarge(limit: number): GatewayError {
  return new GatewayError(
    413,
    'invalid_request_error',
    'request_too_large',
    `request body exceeds the limit of ${limit} bytes`,
    {
      fallbackAllowed: false,
    },
  );
}

function bodyStalled(idleMs: number): GatewayError {
  return new GatewayError(
    408,
    'invalid_request_error',
    'request_timeout',
    `no request body data arrived for ${idleMs / 1000} s; send the whole body without pausing`,
    { fallbackAllowed: false },
  );
}

export function readBody(
  req: IncomingMessage,
  limit: number,
  idleMs: number = BODY_IDLE_TIMEOUT_MS,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  // Anonymous listeners on purpose: tsx compiles with keepNames, so each named closure made per
  // request would also pay an Object.defineProperty for its `name`. `on`, not `once`: once wraps
  // each listener in a bound function per request, and `settled` already ignores repeats.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // One timer per body still arriving, refreshed per chunk; it only covers reading, never the
    // response. None for a body that came with the head (the common case): a Timeout per request
    // (set, refresh, clear) was ~2 % of a pass-through request's serving thread.
    let idle: NodeJS.Timeout | undefined;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      idle?.refresh();
      size += chunk.length;
      if (size > limit) {
        // Whatever else arrives is discarded; the caller answers 413 and closes the connection.
        settled = true;
        clearTimeout(idle);
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(idle);
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (error: Error) => {
      clearTimeout(idle);
      if (settled) return;
      settled = true;
      reject(error);
    });
    // By the next tick the parser has read all it has of this message: `complete` means the
    // whole body is in hand and only its events are left to run, so nothing can stall.
    process.nextTick(() => {
      if (settled || req.complete) return;
      idle = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(bodyStalled(idleMs));
      }, idleMs);
      idle.unref();
    });
  });
}

/** The body as text (invalid UTF-8 becomes U+FFFD), as JSON.parse reads it and as it is forwarded. */
export function bodyText(body: Buffer): string {
  return body.toString('utf8');
}

export function parseJson(text: string): unknown {
  if (text.length === 0) throw badRequest('invalid_json', 'request body is empty; expected a JSON object');
  const tooDeep = depthExceededAt(text);
  if (tooDeep >= 0)
    throw badRequest(
      'invalid_json',
      `request body is nested deeper than ${MAX_JSON_DEPTH} levels (at character ${tooDeep}); flatten it`,
    );
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'parse error';
    throw badRequest('invalid_json', `request body is not valid JSON: ${reason}`);
  }
}
