/**
 * Base URLs: an origin plus an optional path prefix. The provider's standard path is appended to
 * the prefix, and a prefix that already ends in the path's version segment (`…/v1` + `/v1/…`)
 * is not doubled, so `https://host/v1` and `https://host` both work.
 */
import { GatewayError } from '../core/errors.ts';

export interface BaseUrl {
  /** `scheme://host[:port]`, the key of the connection pool. */
  origin: string;
  /** Path without trailing slash; empty for none. */
  prefix: string;
}

const cache = new Map<string, BaseUrl>();
const CACHE_LIMIT = 1024;

export function parseBaseUrl(raw: string, provider: string): BaseUrl {
  const hit = cache.get(raw);
  if (hit) return hit;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GatewayError(
      500,
      'server_error',
      'provider_misconfigured',
      `provider "${provider}" has an invalid base URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GatewayError(
      500,
      'server_error',
      'provider_misconfigured',
      `provider "${provider}" base URL must be http(s)`,
    );
  }
  let prefix = url.pathname;
  while (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  const parsed = { origin: url.origin, prefix };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(raw, parsed);
  return parsed;
}

const VERSION_SEGMENT = /^\/v\d+[a-z0-9]*$/;

/** Joins prefix and path, dropping the path's version segment when the prefix already ends with it. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  const second = path.indexOf('/', 1);
  if (second > 0) {
    const first = path.slice(0, second);
    if (VERSION_SEGMENT.test(first) && prefix.endsWith(first)) return prefix + path.slice(second);
  }
  return prefix + path;
}

/** A `.` or `..` path segment, literal or %-encoded (`%2e`), which servers and proxies resolve. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

function hasDotSegment(text: string, separator: RegExp | string): boolean {
  if (!text.includes('.') && !text.includes('%')) return false;
  for (const segment of text.split(separator)) if (DOT_SEGMENT.test(segment)) return true;
  return false;
}

/**
 * Refuses (400, naming `model`) a model that would climb out of its place in the provider URL:
 * `huggingface/../../admin` must never reach `/hf-inference/models/../../admin` with the
 * operator's key. The model is checked for `.`/`..` segments between `/` or `\` (some servers
 * also split on a decoded `%2F`), and the finished path (before its query) as a last guard for
 * adapters that put other text in it.
 */
export function assertNoPathTraversal(
  model: string,
  path: string,
  modelInPath: boolean,
  provider: string,
): void {
  const query = path.indexOf('?');
  const pathOnly = query < 0 ? path : path.slice(0, query);
  if ((modelInPath && hasDotSegment(model, /[\\/]/)) || hasDotSegment(pathOnly, '/')) {
    throw new GatewayError(
      400,
      'invalid_request_error',
      'invalid_value',
      `model "${model.slice(0, 200)}" cannot be sent to provider "${provider}": a model name ` +
        'used in the provider URL may not contain "." or ".." path segments',
      { param: 'model', fallbackAllowed: false },
    );
  }
}
