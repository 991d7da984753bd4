/**
 * One attempt against one target: governance pre-check, plugin interception (mocker), key
 * choice, the outgoing request, a concurrency slot, the upstream call and its answer (JSON or
 * stream). Every attempt is recorded and reported to `onAttemptSettled`, failures included.
 */
import type { RequestContext } from '../context.ts';
import type { AttemptRecord } from '../core/attempt.ts';
import { asGatewayError, causeFields, clientClosed, GatewayError } from '../core/errors.ts';
import type { GatewayHooks, StreamEventGuard } from '../hooks.ts';
import type { GatewayLogger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import { maskAttemptError } from '../providers/mask-credentials.ts';
import { parseOpenAIError } from '../providers/upstream-errors.ts';
import type { KeyHealth } from '../routing/key-health.ts';
import { directKey, selectKey } from '../routing/key-select.ts';
import type { Target } from '../core/target.ts';
import { StreamRelay } from './finish-stream.ts';
import { SseParser } from '../providers/sse-parser.ts';
import type { UpstreamResponse } from '../upstream/types.ts';
import { finishJson } from './finish-json.ts';
import { buildOutgoing } from './outgoing.ts';
import { parseRetryAfter, RETRYABLE_STATUSES, sleep } from './retry.ts';
import { staticResponse } from './static-body.ts';

export interface EngineDeps {
  hooks: GatewayHooks;
  metrics: GatewayMetrics;
  /** Internal errors (bugs) are logged with their cause; the client only sees `internal_error`. */
  logger: GatewayLogger;
  /** Key failures across requests: retries and new requests prefer keys that are not failing. */
  keyHealth: KeyHealth;
}

async function upstreamHttpError(
  target: Target,
  response: UpstreamResponse,
  adapter: ProviderAdapter | undefined,
): Promise<GatewayError> {
  let text = '';
  try {
    text = await response.body.text();
  } catch {
    // The status alone is enough to report.
  }
  const status = response.status;
  const detail = adapter?.parseError ? adapter.parseError(status, text) : parseOpenAIError(status, text);
  const retryAfterSeconds = parseRetryAfter(response.headers);
  return new GatewayError(
    status,
    'upstream_error',
    detail.code ?? `upstream_http_${status}`,
    `${target.provider.name} responded ${status}: ${detail.message}`,
    {
      param: detail.param,
      retryable: RETRYABLE_STATUSES.has(status),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    },
  );
}

function isJsonContent(response: UpstreamResponse): boolean {
  const type = response.contentType;
  return type !== undefined && type.includes('application/json');
}

/**
 * Serves a provider (or plugin) response; `adapter` undefined means it is already canonical.
 * Not async: a JSON answer is answered within this call (undefined: nothing to await); the rest
 * is serveOther's own promise (an async function returning a promise settles two microtasks later).
 */
function serve(
  ctx: RequestContext,
  target: Target,
  record: AttemptRecord,
  response: UpstreamResponse,
  adapter: ProviderAdapter | undefined,
  stripUsageChunk: boolean,
  attemptStart: number,
  guard: StreamEventGuard | undefined,
): Promise<void> | undefined {
  record.status = response.status;
  if (response.status < 400 && !ctx.stream) {
    finishJson(ctx, target, record, response, adapter, attemptStart);
    return undefined;
  }
  return serveOther(ctx, target, record, response, adapter, stripUsageChunk, guard);
}

/** An upstream error status: the attempt fails with it (retried or fallen back per its status). */
async function upstreamFailure(
  target: Target,
  response: UpstreamResponse,
  adapter: ProviderAdapter | undefined,
): Promise<never> {
  throw await upstreamHttpError(target, response, adapter);
}

/** JSON where a stream was asked for: the body is discarded and the attempt fails with a 502. */
async function jsonForStream(target: Target, response: UpstreamResponse): Promise<never> {
  await response.body.dump().catch(() => undefined);
  throw new GatewayError(
    502,
    'upstream_error',
    'upstream_invalid_response',
    `${target.provider.name} answered a stream request with JSON`,
  );
}

/**
 * An upstream error, or a stream. Not async, like serve: a stream's promise is its relay's own,
 * where an async layer around it was one more promise and one more await per streamed request
 * (an async_hooks init hook counted 13.8 promises per streamed request with it, 11.7 without).
 */
function serveOther(
  ctx: RequestContext,
  target: Target,
  record: AttemptRecord,
  response: UpstreamResponse,
  adapter: ProviderAdapter | undefined,
  stripUsageChunk: boolean,
  guard: StreamEventGuard | undefined,
): Promise<void> {
  if (response.status >= 400) return upstreamFailure(target, response, adapter);
  if (isJsonContent(response) && !adapter?.streamAsJson) return jsonForStream(target, response);
  const client = ctx.clientCodec.stream(adapter);
  const decoder =
    client.decoder ??
    (adapter?.createStreamDecoder ? adapter.createStreamDecoder(ctx.operation) : new SseParser());
  return new StreamRelay(
    ctx,
    target,
    record,
    response.body,
    decoder,
    stripUsageChunk,
    client.encoder,
    guard,
  ).run();
}

/** An attempt's call to its provider once the key is chosen and the request built. */
interface ProviderCall {
  provider: Target['provider'];
  adapter: ProviderAdapter;
  outgoing: ReturnType<typeof buildOutgoing>;
}

/** The key and the outgoing request of an attempt that goes to its provider (sync). */
function startCall(
  ctx: RequestContext,
  target: Target,
  record: AttemptRecord,
  keyHealth: KeyHealth,
): ProviderCall {
  const provider = target.provider;
  const adapter = provider.adapter;
  if (adapter === undefined) {
    throw new GatewayError(
      501,
      'server_error',
      'provider_unsupported',
      provider.unsupportedReason ?? `provider "${provider.name}" is not supported`,
    );
  }
  const key =
    ctx.directKey !== undefined
      ? directKey(provider, ctx.directKey)
      : selectKey(
          provider,
          target.model,
          ctx.pinnedKeyName,
          target.index === 0,
          target.keyNames,
          keyHealth.avoidance(provider.name, ctx.attempts),
        );
  record.keyId = key.id;
  record.keyName = key.name;
  const outgoing = buildOutgoing(ctx, target, key, adapter);
  record.upstreamModel = outgoing.upstreamModel;
  return { provider, adapter, outgoing };
}

/** What an attempt threw, its credentials masked once the request was built (headers as sent). */
function masked(thrown: unknown, call: ProviderCall | undefined): unknown {
  if (call === undefined || !(thrown instanceof GatewayError)) return thrown;
  return maskAttemptError(thrown, call.outgoing.request, call.outgoing.secret, call.adapter.auth.header);
}

async function serveIntercepted(
  ctx: RequestContext,
  target: Target,
  record: AttemptRecord,
  attemptStart: number,
  guard: StreamEventGuard | undefined,
): Promise<boolean> {
  const interceptors = ctx.snapshot.interceptors;
  for (let i = 0; i < interceptors.length; i++) {
    const intercepted = interceptors[i]!.intercept(ctx, target);
    if (intercepted === undefined) continue;
    record.mocked = true;
    if (intercepted.delayMs > 0) {
      const delayStart = performance.now();
      await sleep(intercepted.delayMs, ctx.abort);
      ctx.externalMs += performance.now() - delayStart;
    }
    await serve(
      ctx,
      target,
      record,
      staticResponse(intercepted),
      undefined,
      !ctx.clientWantsStreamUsage,
      attemptStart,
      guard,
    );
    return true;
  }
  return false;
}

function newRecord(target: Target, retry: number): AttemptRecord {
  return {
    provider: target.provider.name,
    model: target.model,
    upstreamModel: undefined,
    keyId: undefined,
    keyName: undefined,
    fallbackIndex: target.index,
    retry,
    mocked: false,
    status: 0,
    error: undefined,
    usage: undefined,
    latencyMs: 0,
  };
}

/** Runs one attempt; resolves when the client was served, throws the GatewayError otherwise. */
export async function runAttempt(
  ctx: RequestContext,
  target: Target,
  retry: number,
  deps: EngineDeps,
): Promise<void> {
  const record = newRecord(target, retry);
  ctx.attempts.push(record);
  const attemptStart = performance.now();
  // The provider call is written out here rather than in a function of its own: an async layer
  // per attempt is a promise and a resumption per request (see engine/finish-json.ts).
  let call: ProviderCall | undefined;
  try {
    const before = deps.hooks.beforeAttempt(ctx, target, record);
    const guard = (before instanceof Promise ? await before : before) || undefined;
    if (
      ctx.snapshot.interceptors.length > 0 &&
      (await serveIntercepted(ctx, target, record, attemptStart, guard))
    )
      return;
    call = startCall(ctx, target, record, deps.keyHealth);
    const { provider, adapter, outgoing } = call;
    if (adapter.prepare && outgoing.info)
      await adapter.prepare(outgoing.request, outgoing.info, outgoing.secret);
    const wait = provider.limiter.acquire(ctx.abort);
    if (wait) await wait;
    const sentAt = performance.now();
    try {
      const network = provider.network;
      const response = await provider.pools.send(outgoing.origin, {
        path: outgoing.request.path,
        headers: outgoing.request.headers,
        body: outgoing.bytes ?? outgoing.request.body,
        signal: ctx.abort,
        bodyTimeoutMs: ctx.stream ? network.streamIdleTimeoutMs : network.timeoutMs,
        readWhole: !ctx.stream,
      });
      const serving = serve(
        ctx,
        target,
        record,
        response,
        adapter,
        outgoing.injectedUsage,
        attemptStart,
        guard,
      );
      if (serving !== undefined) await serving;
    } finally {
      provider.limiter.release();
      ctx.externalMs += performance.now() - sentAt;
    }
  } catch (caught) {
    // Masked before anything answers, records or logs it.
    const thrown = masked(caught, call);
    const error = ctx.clientGone ? clientClosed() : asGatewayError(thrown);
    // The client and the request log get a bare `internal_error`; the cause goes to the log.
    if (!(thrown instanceof GatewayError) && !ctx.clientGone)
      deps.logger.error('inference attempt failed with an internal error', {
        requestId: ctx.id,
        provider: target.provider.name,
        model: target.model,
        ...causeFields(thrown),
      });
    record.status = error.status;
    record.error = { type: error.type, code: error.code, message: error.message };
    throw error;
  } finally {
    record.latencyMs = performance.now() - attemptStart;
    deps.hooks.onAttemptSettled(ctx, record);
    deps.metrics.observeAttempt(record);
    deps.keyHealth.observe(record);
  }
}
