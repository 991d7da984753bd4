/**
 * CORS from `client.allowed_origins` (Bifrost's key). The seed documents say nothing about its
 * semantics, so they are conservative: an empty list allows no cross-origin access, `*` allows any
 * origin, anything else is an exact origin (`https://app.example.com`, compared case-insensitively,
 * a trailing `/` ignored). No origin is implicitly allowed (not even localhost).
 *
 * Only called for requests that carry an `Origin` header; the list is read from the snapshot in
 * force at request time, so a config change applies to the next request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Every method our routes answer (inference, /graphql, /health, /metrics). */
const ALLOW_METHODS = 'GET, POST, PUT, DELETE, OPTIONS';
/** Sent when a preflight names no headers; otherwise the requested ones are echoed. */
const DEFAULT_ALLOW_HEADERS =
  'authorization, content-type, x-bf-vk, x-api-key, anthropic-version, anthropic-beta, x-goog-api-key';
/** What a browser client may read: the request id and the rate-limit / back-off headers. */
const EXPOSE_HEADERS = [
  'x-request-id',
  'x-client-request-id',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-heimdall-provider',
  'x-heimdall-model',
  'x-heimdall-dropped-params',
  'x-heimdall-token-count',
].join(', ');
const MAX_AGE_SECONDS = '600';

interface Policy {
  any: boolean;
  origins: ReadonlySet<string>;
}

/** Compiled once per snapshot: a new snapshot carries a new array, so its identity is the key. */
const compiled = new WeakMap<readonly string[], Policy>();

const normalize = (origin: string): string => origin.trim().toLowerCase().replace(/\/+$/, '');

function policyFor(list: readonly string[]): Policy {
  let policy = compiled.get(list);
  if (!policy) {
    const origins = new Set(list.map(normalize));
    policy = { any: origins.has('*'), origins };
    compiled.set(list, policy);
  }
  return policy;
}

function isOriginAllowed(origin: string, list: readonly string[]): boolean {
  const policy = policyFor(list);
  return policy.any || policy.origins.has(normalize(origin));
}

/** `origin`'s host (and port) is the `host` header's, default ports ignored; the scheme is not
 * compared, because behind a TLS-terminating proxy the request's own scheme is unknown. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const url = new URL(origin);
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false; // `null` (sandboxed frames, file://) and malformed origins are never ours
  }
}

/**
 * Whether a browser page on `origin` may open a connection to `host` that no CORS preflight
 * guards (a WebSocket upgrade, which browsers send cross-site with the page's cookies and
 * without asking): only from the server's own origin or one in client.allowed_origins.
 */
export function isOriginAllowedToConnect(
  origin: string,
  host: string | undefined,
  list: readonly string[],
): boolean {
  return isSameOrigin(origin, host) || isOriginAllowed(origin, list);
}

/**
 * Adds CORS headers for an allowed `origin`; answers a preflight itself (204, or 403 for an origin
 * that is not allowed). Returns true when the response was sent, false when routing goes on; a
 * disallowed actual request is served as before, without CORS headers, so the browser blocks it.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  list: readonly string[],
): boolean {
  const allowed = isOriginAllowed(origin, list);
  const requestedMethod = req.headers['access-control-request-method'];
  if (req.method === 'OPTIONS' && requestedMethod !== undefined) {
    if (!allowed) {
      const text = JSON.stringify({
        error: {
          message: `origin ${origin} is not in client.allowed_origins`,
          type: 'invalid_request_error',
          code: 'origin_not_allowed',
          param: null,
        },
      });
      res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return true;
    }
    res.writeHead(204, {
      'access-control-allow-origin': origin,
      vary: 'Origin',
      'access-control-allow-methods': ALLOW_METHODS,
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? DEFAULT_ALLOW_HEADERS,
      'access-control-max-age': MAX_AGE_SECONDS,
      'content-length': 0,
    });
    res.end();
    return true;
  }
  if (allowed) {
    // The origin is echoed rather than `*`, so a later switch to credentialed requests stays valid.
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
  }
  return false;
}
