/**
 * Governance as gateway hooks: virtual-key authentication and access control, CEL routing rules
 * and weighted virtual-key routing, budgets and rate limits on leases, the usage ledger, costs
 * and request logs. Built by createGateway; talks to the control plane only through its
 * governance channel (or an in-process stand-in when the control plane offers none).
 */
import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import type { ControlPlaneClient } from '../../clients/control-plane.ts';
import type { RequestContext } from '../context.ts';
import type { GatewayHooks } from '../hooks.ts';
import type { GatewayLogger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';
import { AttemptAccounting } from './attempts.ts';
import { authenticateRequest, type AdminCredentialCheck, type Credentials } from './auth.ts';
import { governanceView } from './compile.ts';
import { LocalChannel } from './local-channel.ts';
import { LogQueue, type LogQueueOptions } from './log-queue.ts';
import { MeterRegistry } from './meter-registry.ts';
import { planTargets, routeTargets } from './planning.ts';
import { logRow, stateOf } from './request-state.ts';
import { USAGE_FLUSH_MS, UsageQueue } from './usage-queue.ts';
import { filterModelsFor } from './models.ts';

export interface GovernanceOptions {
  /** Clock for windows and lease bookkeeping. @default Date.now */
  now?: () => number;
  /** Longest a strict reservation waits for in-flight requests to settle. @default 2000 */
  reserveWaitMs?: number;
  /** Ledger batches and request-log rows are sent at least this often. @default 500 */
  usageFlushMs?: number;
  logQueue?: LogQueueOptions;
}

export interface GovernanceDeps {
  controlPlane: ControlPlaneClient;
  metrics: GatewayMetrics;
  logger: GatewayLogger;
  current(): CompiledSnapshot;
  /** Admin credentials on inference when admin auth covers it; api/ supplies it. */
  adminCheck?: AdminCredentialCheck | undefined;
}

export interface Governance {
  hooks: Partial<GatewayHooks>;
  /** Sends queued usage and logs now (tests, drain). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Keeps the principal in the hooks' slot and answers the direct key (Credentials is an Admission). */
function admit(ctx: RequestContext, credentials: Credentials): Credentials {
  stateOf(ctx).principal = credentials.principal;
  return credentials;
}

export function createGovernance(deps: GovernanceDeps, options: GovernanceOptions = {}): Governance {
  const now = options.now ?? Date.now;
  const holder = randomUUID();
  if (!deps.controlPlane.governance)
    deps.logger.warn(
      'governance: the control plane offers no lease channel; budgets and rate limits are counted in this process only',
    );
  const channel = deps.controlPlane.governance ?? new LocalChannel(() => governanceView(deps.current()), now);
  const usageFlushMs = options.usageFlushMs ?? USAGE_FLUSH_MS;
  const usage = new UsageQueue(channel, holder, deps.logger, usageFlushMs);
  const meters = new MeterRegistry(channel, holder, usage, now, options.reserveWaitMs ?? 2_000);
  const registry = deps.metrics.registry;
  const unpriced = new Counter({
    name: 'heimdall_unpriced_requests_total',
    help: 'Attempts with usage on a model the price book does not know (cost recorded as null)',
    labelNames: ['provider', 'model'] as const,
    registers: [registry],
  });
  const droppedLogs = new Counter({
    name: 'heimdall_request_logs_dropped_total',
    help: 'Request-log rows dropped because the bounded queue was full or a batch failed',
    registers: [registry],
  });
  // Logs flush in the usage window: a crash then loses the same requests from both.
  const logs = new LogQueue(channel, deps.logger, droppedLogs, {
    flushMs: usageFlushMs,
    ...options.logQueue,
  });
  const attempts = new AttemptAccounting(meters, usage, deps.metrics, unpriced);

  const hooks: Partial<GatewayHooks> = {
    authenticate(ctx) {
      const view = governanceView(ctx.snapshot);
      const credentials = authenticateRequest(ctx.req, ctx.snapshot, view, deps.adminCheck);
      // Only an uncached admin-credential check is asynchronous; virtual keys stay synchronous
      // (and make no closure per request).
      if (credentials instanceof Promise) return credentials.then((resolved) => admit(ctx, resolved));
      return admit(ctx, credentials);
    },
    planTargets: (ctx) => planTargets(ctx, stateOf(ctx), meters),
    route: (ctx, targets) => routeTargets(ctx, stateOf(ctx), targets),
    beforeAttempt: (ctx, target, attempt) => attempts.before(ctx, target, attempt),
    onAttemptSettled: (ctx, attempt) => attempts.settled(ctx, attempt),
    onRequestFinished(ctx, log) {
      if (!ctx.snapshot.client.enable_logging) return;
      logs.push(logRow(ctx, log, stateOf(ctx)));
    },
    filterModels: (req, entries) => filterModelsFor(req, entries, deps.current(), deps.adminCheck),
  };

  return {
    hooks,
    async flush() {
      await usage.flush();
      await logs.flush();
    },
    async close() {
      meters.close();
      await usage.close();
      await logs.close();
    },
  };
}
