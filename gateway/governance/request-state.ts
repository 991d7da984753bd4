/**
 * What governance remembers about one request between hooks, and the request-log row built from
 * it when the request ends.
 */
import type { RequestLogRow } from '../../clients/contract/governance.ts';
import type { RoutingRuleSnapshot } from '../../clients/contract/snapshot.ts';
import type { RequestContext } from '../context.ts';
import type { AttemptRecord, RequestLog } from '../core/attempt.ts';
import { operationRoute } from '../core/operations.ts';
import type { Operation } from '../core/types.ts';
import type { Principal } from './auth.ts';
import type { AttemptCharge } from './charges.ts';

export interface RequestState {
  principal: Principal | undefined;
  rule: RoutingRuleSnapshot | undefined;
  /** Governance chose the targets (rule or weighted providers), not the client's model field. */
  planned: boolean;
  /**
   * The charged attempts and their charges, pairwise (a request has one attempt or a few: a
   * scan beats a Map keyed by the record, which gives every record an identity hash).
   */
  chargedAttempts: AttemptRecord[];
  charges: AttemptCharge[];
  costMicros: number;
  /** An attempt with usage had no price. */
  unpriced: boolean;
  priceVersion: string | undefined;
}

/** This request's governance state, created on first use (kept on the context, see context.ts). */
export function stateOf(ctx: RequestContext): RequestState {
  let state = ctx.hookState as RequestState | undefined;
  if (state === undefined) {
    state = {
      principal: undefined,
      rule: undefined,
      planned: false,
      chargedAttempts: [],
      charges: [],
      costMicros: 0,
      unpriced: false,
      priceVersion: undefined,
    };
    ctx.hookState = state;
  }
  return state;
}

/** The charge begun for this attempt, if governance charged it. */
export function chargeOf(state: RequestState, attempt: AttemptRecord): AttemptCharge | undefined {
  const attempts = state.chargedAttempts;
  for (let i = 0; i < attempts.length; i++) if (attempts[i] === attempt) return state.charges[i];
  return undefined;
}

function errorText(log: RequestLog, contentLogging: boolean): string | null {
  if (!log.error) return null;
  return contentLogging ? `${log.error.code}: ${log.error.message}` : log.error.code;
}

/** Each operation's route, built once: a string built per row is flattened again when cloned. */
const ROUTES = new Map<Operation, string>();

function routeOf(operation: Operation): string {
  let route = ROUTES.get(operation);
  if (route === undefined) {
    route = operationRoute(operation);
    ROUTES.set(operation, route);
  }
  return route;
}

/** The attempt that served the request: the last with usage, else the last one. */
function servedAttempt(attempts: readonly AttemptRecord[]): AttemptRecord | undefined {
  for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]!.usage !== undefined) return attempts[i];
  return attempts[attempts.length - 1];
}

function retriesOf(attempts: readonly AttemptRecord[]): number {
  let retries = 0;
  for (const attempt of attempts) if (attempt.retry > 0) retries++;
  return retries;
}

export function logRow(ctx: RequestContext, log: RequestLog, state: RequestState): RequestLogRow {
  const principal = state.principal;
  const served = servedAttempt(log.attempts);
  const usage = log.usage;
  return {
    id: log.id,
    clientRequestId: log.clientRequestId ?? null,
    createdAt: log.startedAt,
    completedAt: log.startedAt + Math.round(log.durationMs),
    provider: log.provider ?? served?.provider ?? 'none',
    model: log.model ?? served?.model ?? log.requestedModel,
    endpoint: routeOf(log.operation),
    stream: log.stream,
    status: log.status >= 200 && log.status < 400 ? 'success' : 'error',
    statusCode: log.status,
    latencyMs: Math.round(log.durationMs),
    ttftMs: ctx.firstEventAt === undefined ? null : Math.round(ctx.firstEventAt - ctx.startedAt),
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedTokens: usage?.cachedInputTokens ?? 0,
    costMicros: state.unpriced ? null : state.costMicros,
    unpriced: state.unpriced,
    usageEstimated: usage?.estimated === true,
    priceBookVersion: state.priceVersion ?? null,
    virtualKeyId: principal?.vk.id ?? null,
    teamId: principal?.team?.id ?? null,
    customerId: principal?.customer?.id ?? null,
    providerKeyName: served?.keyName ?? null,
    retries: retriesOf(log.attempts),
    fallbackIndex: log.fallbackIndex ?? served?.fallbackIndex ?? 0,
    routingRuleId: state.rule?.id ?? null,
    error: errorText(log, !ctx.snapshot.client.disable_content_logging),
  };
}
