/**
 * The gateway's public entry, called by the composition root in api/. Everything else in
 * gateway/ is internal.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControlPlaneClient } from '../clients/control-plane.ts';
import { acceptsAnonymous, type AdminCredentialCheck } from './governance/auth.ts';
import { governanceView } from './governance/compile.ts';
import { composeHooks } from './governance/compose.ts';
import { createGovernance, type GovernanceOptions } from './governance/index.ts';
import { withDefaultHooks, type GatewayHooks } from './hooks.ts';
import { createHandler } from './http/router.ts';
import type { ServeDeps } from './http/serve.ts';
import { SILENT_LOGGER, type GatewayLogger } from './logger.ts';
import { registerKeyHealthMetrics } from './metrics/key-health-metrics.ts';
import { GatewayMetrics } from './metrics/metrics.ts';
import { gateByPlugins, ungovernedAndOpen } from './governance/plugin-gates.ts';
import { KeyHealth } from './routing/key-health.ts';
import { SnapshotStore } from './snapshot/store.ts';

export type { GatewayHooks } from './hooks.ts';
export type { RequestContext } from './context.ts';
export type { AttemptRecord, RequestLog } from './core/attempt.ts';
export type { GatewayLogger } from './logger.ts';
export type { GovernanceOptions } from './governance/index.ts';
export type { AdminCredentialCheck } from './governance/auth.ts';
export { checkCelExpression, CEL_VARIABLES, type CelProblem } from './governance/rules.ts';

export interface GatewayOptions {
  controlPlane: ControlPlaneClient;
  /** @default silent */
  logger?: GatewayLogger;
  /**
   * Hook points (governance, request logs). Each missing hook is a no-op. Internal to Heimdall:
   * the governance room (issue 5) supplies them; tests use them to observe attempts.
   * @default all no-ops
   */
  hooks?: Partial<GatewayHooks>;
  /**
   * Governance (virtual keys, budgets, rate limits, routing rules, request logs); `false` turns
   * it off entirely (the plain data plane).
   * @default on, with default options
   */
  governance?: GovernanceOptions | false;
  /**
   * Whether a request carries admin credentials, for inference when admin auth covers it (the
   * snapshot's `inference_auth_required`). api/ supplies it (the credential stores are not the
   * gateway's); without it such a gateway accepts only virtual keys.
   * @default none
   */
  adminCredentials?: AdminCredentialCheck;
  /**
   * How long a request body may go without data before the request is answered 408 and its
   * connection closed (only while reading the body; responses and streams are not affected).
   * @default 30 000 (BODY_IDLE_TIMEOUT_MS in http/body.ts)
   */
  bodyIdleTimeoutMs?: number;
}

export interface Gateway {
  /** Serves the request if the path is an inference route (/v1/*, /anthropic/*); returns false otherwise, without touching req/res. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Prometheus exposition text of the gateway's metrics (served by api/ at GET /metrics). */
  metrics(): Promise<string>;
  /** The snapshot currently in force (for tests and /health details). */
  snapshotVersion(): number;
  /** True when inference serves callers without credentials under the snapshot in force. */
  acceptsAnonymousInference(): boolean;
  /** `client.allowed_origins` of the snapshot in force (api/ applies CORS with it per request). */
  allowedOrigins(): readonly string[];
  /** Sends queued usage (ledger) and request logs to the control plane now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Loads the first snapshot, subscribes to configChanged, and rebuilds + swaps atomically on each change. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? SILENT_LOGGER;
  const store = await SnapshotStore.open(options.controlPlane, logger);
  const metrics = new GatewayMetrics(() => store.current);
  const keyHealth = new KeyHealth();
  registerKeyHealthMetrics(metrics.registry, keyHealth);
  const governance =
    options.governance === false
      ? undefined
      : createGovernance(
          {
            controlPlane: options.controlPlane,
            metrics,
            logger,
            current: () => store.current,
            adminCheck: options.adminCredentials,
          },
          options.governance,
        );
  const deps: ServeDeps = {
    hooks: governance
      ? composeHooks(
          gateByPlugins(governance.hooks, () => store.current),
          options.hooks,
        )
      : withDefaultHooks(options.hooks),
    metrics,
    logger,
    keyHealth,
    current: () => store.current,
    ...(options.bodyIdleTimeoutMs !== undefined ? { bodyIdleTimeoutMs: options.bodyIdleTimeoutMs } : {}),
  };
  const handle = createHandler(deps);
  return {
    handle,
    metrics: () => metrics.text(),
    snapshotVersion: () => store.current.version,
    // Without governance nothing checks credentials at all.
    acceptsAnonymousInference: () =>
      governance === undefined ||
      ungovernedAndOpen(store.current) ||
      acceptsAnonymous(store.current, governanceView(store.current)),
    allowedOrigins: () => store.current.client.allowed_origins,
    flush: async () => {
      await governance?.flush();
    },
    close: async () => {
      await store.close();
      await governance?.close();
    },
  };
}
