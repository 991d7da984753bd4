/**
 * Reads a request body under the `max_request_body_size_mb` limit (413 past it, checked on
 * Content-Length first) and parses it as JSON once (400 when it is not JSON).
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, GatewayError } from '../errors.ts';

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

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  // Anonymous listeners on purpose: tsx compiles with keepNames, so each named closure made per
  // request would also pay an Object.defineProperty for its `name`.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        // Whatever else arrives is discarded; the caller answers 413 and closes the connection.
        settled = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.once('error', (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
  });
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw badRequest('invalid_json', 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'parse error';
    throw badRequest('invalid_json', `request body is not valid JSON: ${reason}`);
  }
}
