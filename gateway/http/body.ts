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
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
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
