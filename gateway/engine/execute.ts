/**
 * The request loop, written once for every provider: each target in order (primary, then
 * fallbacks), each with up to `max_retries` retries on retryable failures (connect errors, 429,
 * 500, 502–504), waiting the provider's Retry-After or a jittered exponential backoff. A client
 * cancel stops everything; a failure that forbids fallbacks (bad input) stops at once. When all
 * targets fail the client gets the primary's error, annotated with what was tried.
 *
 * A failure that belongs to the key (401/403/429/5xx/connect error, see routing/key-health.ts)
 * is retried on another key of the provider while one is left that has not failed in this
 * request, without waiting: the backoff and Retry-After are about the key that failed.
 */
import type { RequestContext } from '../context.ts';
import { clientClosed, GatewayError } from '../core/errors.ts';
import { sendError } from './respond.ts';
import { isKeySpecificFailure } from '../routing/key-health.ts';
import { untriedKeyLeft } from '../routing/key-select.ts';
import type { Target } from '../core/target.ts';
import { runAttempt, type EngineDeps } from './attempt.ts';
import { retryDelayMs, sleep } from './retry.ts';

/** Whether the failed attempt's key is to blame and the next attempt can use another key. */
function anotherKeyHelps(
  ctx: RequestContext,
  target: Target,
  error: GatewayError,
  deps: EngineDeps,
): boolean {
  if (!isKeySpecificFailure(error.status, error.type)) return false;
  const provider = target.provider;
  const pinned =
    ctx.directKey !== undefined ||
    (ctx.pinnedKeyName !== undefined && (target.index === 0 || provider.keysByName.has(ctx.pinnedKeyName)));
  return untriedKeyLeft(
    provider,
    target.model,
    pinned,
    target.keyNames,
    deps.keyHealth.avoidance(provider.name, ctx.attempts),
  );
}

/**
 * How long to wait before retrying `target` after `error` (0: at once, on another key);
 * undefined when its attempts end here.
 */
function retryDelay(
  ctx: RequestContext,
  target: Target,
  retry: number,
  error: GatewayError,
  deps: EngineDeps,
): number | undefined {
  const network = target.provider.network;
  if (retry >= network.maxRetries) return undefined;
  const switchKey = anotherKeyHelps(ctx, target, error, deps);
  if (!error.retryable && !switchKey) return undefined;
  return switchKey ? 0 : retryDelayMs(network, retry, error.retryAfterSeconds);
}

function noTarget(): GatewayError {
  return new GatewayError(
    403,
    'permission_error',
    'no_allowed_target',
    'no provider/model may serve this request',
  );
}

/** Targets named in the `[tried: …]` annotation; the rest are counted, so the message stays short. */
export const MAX_TRIED_LISTED = 10;

function annotate(error: GatewayError, ctx: RequestContext): GatewayError {
  const tried = new Set<string>();
  for (const attempt of ctx.attempts) tried.add(`${attempt.provider}/${attempt.model} (${attempt.status})`);
  if (tried.size < 2) return error;
  const listed = [...tried].slice(0, MAX_TRIED_LISTED);
  const more = tried.size - listed.length;
  const rest = more > 0 ? ` and ${more} more` : '';
  return error.withMessage(`${error.message} [tried: ${listed.join(', ')}${rest}]`);
}

export async function execute(ctx: RequestContext, deps: EngineDeps): Promise<void> {
  const targets = ctx.targets;
  let primaryError: GatewayError | undefined;
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i]!;
    // Each target with its retries, in this one async function: a function of its own per
    // target was one more promise and resumption per request, on the way in and out.
    let error: GatewayError;
    for (let retry = 0; ; retry++) {
      try {
        await runAttempt(ctx, target, retry, deps);
        return;
      } catch (thrown) {
        error = thrown as GatewayError;
      }
      if (ctx.clientGone) break;
      const delay = retryDelay(ctx, target, retry, error, deps);
      if (delay === undefined) break;
      const waitStart = performance.now();
      try {
        await sleep(delay, ctx.abort);
      } catch {
        error = clientClosed();
        break;
      } finally {
        ctx.externalMs += performance.now() - waitStart;
      }
    }
    if (ctx.clientGone) break;
    primaryError ??= error;
    if (!error.fallbackAllowed) break;
  }
  if (ctx.clientGone) {
    ctx.status = clientClosed().status;
    ctx.error ??= clientClosed();
    return;
  }
  // No targets at all means the route hook (governance) left nothing the caller may use.
  const final = annotate(primaryError ?? noTarget(), ctx);
  ctx.status = final.status;
  ctx.error = final;
  sendError(ctx.res, final, targets[0], ctx.clientCodec);
}
