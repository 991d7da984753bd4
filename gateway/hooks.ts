/**
 * Hook points for governance (issue 5) and anything else that must see every request. All are
 * no-ops by default; the engine calls them at fixed points:
 *
 *   parse → authenticate → route → [per attempt: beforeAttempt → upstream → onAttemptSettled]
 *         → onRequestFinished
 *
 * `authenticate`/`beforeAttempt` may throw a GatewayError (401/403/402/429) to refuse; a refusal
 * in `beforeAttempt` counts as that target failing, so fallbacks still run. `onAttemptSettled` is
 * where usage settles against budgets (it runs for failures too, with `usage` undefined), and
 * `onRequestFinished` is where a request log row is queued. Neither may block the response.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestContext } from './context.ts';
import type { AttemptRecord, RequestLog } from './core/attempt.ts';
import type { ModelListEntry } from './core/compiled-snapshot.ts';
import type { GatewayError } from './core/errors.ts';
import type { Target } from './core/target.ts';

/** What `authenticate` may answer besides admitting the caller. */
export interface Admission {
  /** A caller's own provider key (`client.allow_direct_keys`), used instead of configured keys. */
  directKey: string | undefined;
}

/** What `beforeAttempt` may answer for a streamed attempt: it sees each event before it is forwarded. */
export interface StreamEventGuard {
  /** An error ends the stream with that error event (governance's strict-budget cut-off). */
  check(event: string | undefined, data: string): GatewayError | undefined;
}

/**
 * Hooks act on a request only through what they return (targets, an admission, a stream guard)
 * and what they throw (a GatewayError, which carries its own headers); what they remember about
 * a request lives in `ctx.hookState`.
 */
export interface GatewayHooks {
  /** Virtual-key authentication (the principal goes into `ctx.hookState`). */
  authenticate(ctx: RequestContext): void | Admission | Promise<void | Admission>;
  /**
   * Targets decided before model resolution (a matching routing rule, a virtual key's weighted
   * providers for a bare model); undefined leaves resolution to the data plane.
   */
  planTargets(ctx: RequestContext): Target[] | undefined;
  /** Routing rules (CEL) and VK provider weights may reorder or replace the targets. */
  route(ctx: RequestContext, targets: Target[]): Target[];
  /**
   * Budget/rate-limit pre-check and reservation for this target; may answer a guard for the
   * attempt's stream.
   */
  beforeAttempt(
    ctx: RequestContext,
    target: Target,
    attempt: AttemptRecord,
  ): void | StreamEventGuard | Promise<void | StreamEventGuard>;
  /** After each attempt, success or failure; usage is set when the provider reported it. */
  onAttemptSettled(ctx: RequestContext, attempt: AttemptRecord): void;
  /** Once per request, after the response ended or the client left. */
  onRequestFinished(ctx: RequestContext, log: RequestLog): void;
  /** Filters `GET /v1/models` to what the caller (authenticated from `req`'s headers) may use. */
  filterModels(
    req: IncomingMessage,
    entries: readonly ModelListEntry[],
  ): readonly ModelListEntry[] | Promise<readonly ModelListEntry[]>;
}

const nothing = (): undefined => undefined;

export const NOOP_HOOKS: GatewayHooks = {
  authenticate: nothing,
  planTargets: nothing,
  route: (_ctx, targets) => targets,
  beforeAttempt: nothing,
  onAttemptSettled: nothing,
  onRequestFinished: nothing,
  filterModels: (_req, entries) => entries,
};

export function withDefaultHooks(hooks: Partial<GatewayHooks> | undefined): GatewayHooks {
  return hooks ? { ...NOOP_HOOKS, ...hooks } : NOOP_HOOKS;
}
