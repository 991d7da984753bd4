/**
 * Builds the request for one attempt: the key's secret (resolved from `env.VAR` at use), the
 * model id after aliases and the adapter's mapping, the base URL (key URL, then
 * `network_config.base_url`, then the adapter's default), headers, and the body. The parsed body
 * is reused: only `model` and `stream_options` change between attempts; the client's own text
 * is forwarded when those are as the client sent them (or spliced when only `model` differs).
 */
import { isUtf8 } from 'node:buffer';
import type { ProviderKeySnapshot } from '../../clients/contract/snapshot.ts';
import type { RequestContext } from '../context.ts';
import { GatewayError } from '../core/errors.ts';
import type { AttemptInfo, OutgoingRequest, ProviderAdapter } from '../providers/adapter.ts';
import { assertNoPathTraversal, joinPath, parseBaseUrl } from '../providers/base-url.ts';
import type { Target } from '../core/target.ts';
import { refersToOwnCredential, resolveEnv } from '../util/env.ts';
import { topLevelStringSpan } from '../util/json-top-level.ts';

/** Response header listing the canonical parameters the serving provider dropped. */
export const DROPPED_HEADER = 'x-heimdall-dropped-params';

export interface Outgoing {
  origin: string;
  request: OutgoingRequest;
  upstreamModel: string;
  secret: string;
  /** Set when the adapter has transforms that need it. */
  info: AttemptInfo | undefined;
  /** Heimdall added `stream_options.include_usage` (the client did not ask). */
  injectedUsage: boolean;
  /**
   * The client's bytes when `request.body` is exactly their text and nothing rewrites it later
   * (no `prepare`): sent as they are, so the text is not encoded again.
   */
  bytes: Buffer | undefined;
}

function misconfigured(message: string): GatewayError {
  return new GatewayError(500, 'server_error', 'provider_misconfigured', message);
}

export function resolveSecret(target: Target, key: ProviderKeySnapshot, adapter: ProviderAdapter): string {
  const secret = resolveEnv(key.value);
  if (secret === undefined) {
    const why = refersToOwnCredential(key.value)
      ? "one of Heimdall's own credentials, which are never sent to a provider; reference the provider's key instead"
      : 'which is not set';
    throw misconfigured(
      `key "${key.name}" of provider "${target.provider.name}" references ${key.value}, ${why}`,
    );
  }
  if (secret === '' && !adapter.auth.optional) {
    throw misconfigured(`key "${key.name}" of provider "${target.provider.name}" has no value`);
  }
  return secret;
}

function baseUrlFor(target: Target, key: ProviderKeySnapshot, adapter: ProviderAdapter): string {
  const fromKey = adapter.keyBaseUrl?.(key, target.provider.config);
  const raw = fromKey ?? target.provider.network.baseUrl ?? adapter.defaultBaseUrl;
  if (raw === undefined || raw === '')
    throw misconfigured(`provider "${target.provider.name}" needs network_config.base_url`);
  const resolved = resolveEnv(raw);
  if (resolved === undefined || resolved === '')
    throw misconfigured(`provider "${target.provider.name}" base URL ${raw} is not set`);
  return resolved;
}

/** Sets (or restores) `stream_options` for this attempt; returns whether usage was injected. */
function prepareStreamOptions(ctx: RequestContext, adapter: ProviderAdapter): boolean {
  const body = ctx.body;
  if (!ctx.stream || (ctx.operation !== 'chat' && ctx.operation !== 'completions')) return false;
  if (ctx.clientWantsStreamUsage || !adapter.streamUsageOption) {
    if (ctx.clientStreamOptions === undefined) delete body.stream_options;
    else body.stream_options = ctx.clientStreamOptions;
    return false;
  }
  const own = ctx.clientStreamOptions;
  body.stream_options =
    typeof own === 'object' && own !== null ? { ...own, include_usage: true } : { include_usage: true };
  return true;
}

/**
 * The body to send when the adapter sends the canonical body: the client's own text when only
 * `model` may differ (spliced when it does), else `body` serialised. Same meaning either way;
 * the text keeps the client's spelling (spacing, number forms).
 */
function canonicalBodyText(ctx: RequestContext, upstreamModel: string, injectedUsage: boolean): string {
  const text = ctx.clientText;
  if (text === undefined || injectedUsage) return JSON.stringify(ctx.body);
  let span = ctx.clientModelSpan;
  if (span === undefined) span = ctx.clientModelSpan = topLevelStringSpan(text, 'model') ?? null;
  if (span === null) return JSON.stringify(ctx.body);
  if (upstreamModel === ctx.requestedModel) return text;
  return text.slice(0, span.start) + JSON.stringify(upstreamModel) + text.slice(span.end);
}

export function buildOutgoing(
  ctx: RequestContext,
  target: Target,
  key: ProviderKeySnapshot,
  adapter: ProviderAdapter,
): Outgoing {
  const secret = resolveSecret(target, key, adapter);
  const aliased = key.aliases?.[target.model] ?? target.model;
  const upstreamModel = adapter.upstreamModel ? adapter.upstreamModel(aliased, key) : aliased;
  const base = parseBaseUrl(baseUrlFor(target, key, adapter), target.provider.name);
  const needsInfo = adapter.resolvePath ?? adapter.encodeRequest ?? adapter.prepare;
  const info: AttemptInfo | undefined = needsInfo
    ? { operation: ctx.operation, stream: ctx.stream, provider: target.provider.config, key, upstreamModel }
    : undefined;
  const operationPath =
    adapter.resolvePath && info ? adapter.resolvePath(info) : adapter.paths[ctx.operation]!;
  assertNoPathTraversal(
    upstreamModel,
    operationPath,
    adapter.resolvePath !== undefined,
    target.provider.name,
  );

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (adapter.staticHeaders) Object.assign(headers, adapter.staticHeaders);
  const extra = target.provider.network.extraHeaders;
  for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
  if (secret !== '') headers[adapter.auth.header] = adapter.auth.prefix + secret;

  const injectedUsage = prepareStreamOptions(ctx, adapter);
  ctx.body.model = upstreamModel;
  const body =
    adapter.encodeRequest && info
      ? JSON.stringify(adapter.encodeRequest(ctx.body, info))
      : canonicalBodyText(ctx, upstreamModel, injectedUsage);
  // Parameters this provider cannot take are reported, never silently ignored.
  if (info?.dropped && info.dropped.length > 0) ctx.res.setHeader(DROPPED_HEADER, info.dropped.join(','));
  else if (ctx.res.hasHeader(DROPPED_HEADER)) ctx.res.removeHeader(DROPPED_HEADER);
  const bytes = ctx.clientBytes;
  return {
    origin: base.origin,
    request: { path: joinPath(base.prefix, operationPath), headers, body },
    upstreamModel,
    secret,
    info,
    injectedUsage,
    // Invalid UTF-8 was decoded to U+FFFD in the text the gateway read: send that text instead.
    bytes:
      body === ctx.clientText && bytes !== undefined && !adapter.prepare && isUtf8(bytes) ? bytes : undefined,
  };
}
