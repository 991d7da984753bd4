/**
 * One inference request from start to finish: read and parse the body once, validate it,
 * authenticate (hook), resolve targets, pin a key (`x-bf-api-key`), run the engine, then record
 * metrics and hand the request log to `onRequestFinished`. Never rejects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestContext } from '../context.ts';
import type { EngineDeps } from '../engine/attempt.ts';
import { execute } from '../engine/execute.ts';
import { asGatewayError, causeFields, CLIENT_CLOSED_STATUS } from '../core/errors.ts';
import { NOOP_HOOKS, type Admission } from '../hooks.ts';
import type { GatewayLogger } from '../logger.ts';
import { buildTargets } from '../routing/targets.ts';
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';
import type { Operation } from '../core/types.ts';
import { bodyText, parseJson, readBody } from './body.ts';
import { OPENAI_CODEC } from './openai-codec.ts';
import type { ClientCodec } from '../core/client-codec.ts';
import { sendError } from '../engine/respond.ts';
import { setRequestIdHeaders } from '../request-id.ts';
import { acceptBody } from './validate.ts';

export interface ServeDeps extends EngineDeps {
  /** The snapshot in force now; a request keeps the one it started with. */
  current(): CompiledSnapshot;
  logger: GatewayLogger;
  /** Idle limit while reading a request body (408 past it). @default BODY_IDLE_TIMEOUT_MS (30 s) */
  bodyIdleTimeoutMs?: number;
}

/** Header naming the provider key to use (by its configured name). */
export const PIN_KEY_HEADER = 'x-bf-api-key';

/**
 * Validation, authentication, key pin and targets for a body that has been read: what every
 * inference route does first. Undefined when done within this call, which is the usual case
 * (authentication hooks answer at once); a promise only when the authentication hook returns one.
 * Not async, with the body read by the caller: each async layer is a promise and a resumption per
 * request (what this and finishJson's sync path saved is measured in engine/finish-json.ts).
 */
export function prepareRequest(ctx: RequestContext, deps: ServeDeps, raw: Buffer): Promise<void> | undefined {
  const text = bodyText(raw);
  const parsed = parseJson(text);
  const canonical = ctx.clientCodec.request(parsed);
  // The client's text can be forwarded only while the canonical body is its exact parse.
  if (canonical === parsed) {
    ctx.clientText = text;
    ctx.clientBytes = raw;
  }
  acceptBody(ctx, canonical);
  const auth = deps.hooks.authenticate(ctx);
  if (auth instanceof Promise) return auth.then((admission) => admit(ctx, deps, admission));
  admit(ctx, deps, auth);
  return undefined;
}

/** After authentication: the caller's own provider key, a pinned key, and the targets. */
function admit(ctx: RequestContext, deps: ServeDeps, admission: Admission | void): void {
  if (admission) ctx.directKey = admission.directKey;
  const pinned = ctx.req.headers[PIN_KEY_HEADER];
  if (typeof pinned === 'string' && pinned !== '') ctx.pinnedKeyName = pinned;
  const targets =
    deps.hooks.planTargets(ctx) ??
    buildTargets(
      ctx.snapshot,
      ctx.operation,
      ctx.requestedModel,
      ctx.requestedProvider,
      ctx.requestedFallbacks,
    );
  ctx.targets = deps.hooks.route(ctx, targets);
}

function finish(ctx: RequestContext, deps: ServeDeps): void {
  if (ctx.clientGone && ctx.status === 0) ctx.status = CLIENT_CLOSED_STATUS;
  // The request log first and apart: a metrics failure must not lose it.
  try {
    if (deps.hooks.onRequestFinished !== NOOP_HOOKS.onRequestFinished)
      deps.hooks.onRequestFinished(ctx, ctx.toLog());
  } catch (error) {
    deps.logger.error('request accounting failed', { error });
  }
  try {
    deps.metrics.observeRequest(ctx);
  } catch (error) {
    deps.logger.error('request metrics failed', { error });
  }
}

/**
 * What one route does after the common preparation (body, validation, authentication, key pin,
 * targets), and whether its requests are recorded (request log row, request metrics).
 */
export interface RouteRun {
  run(ctx: RequestContext, deps: ServeDeps): Promise<void>;
  /** Process-log message of an internal error. */
  failure: string;
  recorded: boolean;
}

const INFERENCE: RouteRun = { run: execute, failure: 'inference request failed', recorded: true };

/** The one pipeline of every inference-like route: prepare, run, answer errors, finish. */
export async function serveRoute(
  deps: ServeDeps,
  route: RouteRun,
  operation: Operation,
  req: IncomingMessage,
  res: ServerResponse,
  codec: ClientCodec,
): Promise<void> {
  const ctx = new RequestContext(req, res, deps.current(), operation, codec);
  // Every answer (JSON, stream, error) names the request-log row it produced.
  setRequestIdHeaders(res, ctx.id, ctx.clientRequestId);
  // `on`, not `once` (which wraps the listener in a bound function per request): a response
  // closes once.
  res.on('close', () => ctx.responseClosed());
  try {
    const raw = await readBody(ctx.req, ctx.snapshot.maxBodyBytes, deps.bodyIdleTimeoutMs);
    const admitting = prepareRequest(ctx, deps, raw);
    if (admitting !== undefined) await admitting;
    await route.run(ctx, deps);
  } catch (thrown) {
    const error = asGatewayError(thrown);
    if (error.code === 'internal_error')
      deps.logger.error(route.failure, { requestId: ctx.id, ...causeFields(error.cause) });
    ctx.error = error;
    ctx.status = ctx.clientGone ? CLIENT_CLOSED_STATUS : error.status;
    if (!ctx.clientGone) sendError(res, error, ctx.targets[0], codec);
  } finally {
    if (route.recorded) finish(ctx, deps);
  }
}

export function serveInference(
  deps: ServeDeps,
  operation: Operation,
  req: IncomingMessage,
  res: ServerResponse,
  /** The wire format of the route (the Anthropic route passes its own). */
  codec: ClientCodec = OPENAI_CODEC,
): Promise<void> {
  return serveRoute(deps, INFERENCE, operation, req, res, codec);
}
