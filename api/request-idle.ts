/**
 * An idle limit for request bodies that the gateway does not read itself (/graphql: yoga reads
 * them). The gateway's own bodies have theirs in gateway/http/body.ts. Without it a client that
 * sends headers and part of a body holds a socket (and yoga's pending read) forever, because the
 * server sets no overall request timeout: inference bodies may be large and slow.
 *
 * It uses the socket's inactivity timer (through `req.setTimeout`, so Node's server hands the
 * timeout to us instead of destroying the socket silently) rather than a 'data' listener, which
 * would switch the request into flowing mode and could hand chunks past the reader that comes
 * later. It is armed
 * only while a body is still arriving and disarmed at its end, so an open SSE subscription or a
 * keep-alive connection between requests is never cut by it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** @default 30 s, as for inference bodies. */
export const REQUEST_BODY_IDLE_MS = 30_000;

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function limitBodyIdle(
  req: IncomingMessage,
  res: ServerResponse,
  idleMs = REQUEST_BODY_IDLE_MS,
): void {
  if (req.complete || !hasBody(req)) return;
  const socket = req.socket;
  const stalled = () => {
    if (!res.headersSent) {
      const text = JSON.stringify({
        error: {
          message: `no request body data arrived for ${idleMs / 1000} s; send the whole body without pausing`,
          type: 'invalid_request_error',
          code: 'request_timeout',
          param: null,
        },
      });
      res.writeHead(408, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        connection: 'close',
      });
      res.end(text);
    }
    // The rest of the body will never be read: the connection cannot be reused.
    socket.destroySoon();
  };
  req.setTimeout(idleMs, stalled);
  req.once('end', () => {
    req.setTimeout(0);
    req.off('timeout', stalled);
  });
}
