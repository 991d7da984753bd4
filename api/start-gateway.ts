/**
 * Gateway-only start-up (`HEIMDALL_CONTROL_PLANE_URL` set): this process serves inference and
 * nothing else. No database, no migrations, no reconciliation, no GraphQL server: the config
 * snapshot, configChanged, budget and rate-limit leases, usage and request logs all go through
 * the remote control-plane client (graphql-ws) with an API token holding the `gateway` scope.
 * Provider secrets arrive sealed and are opened here with the deployment's shared encryption key
 * (HEIMDALL_ENCRYPTION_KEY / BIFROST_ENCRYPTION_KEY, as on the control plane).
 */
import WebSocket from 'ws';
import { ControlPlaneError, createRemoteControlPlane } from '../clients/remote-control-plane.ts';
import { configuredKey, createSecretBox, openSecret, type SecretBox } from '../db/index.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { drainHttpServer, ShutdownState } from './drain.ts';
import { createHttpServer, listen } from './http-server.ts';
import { warnIfInferenceOpen } from './inference-auth.ts';
import { warmUpBeforeListening } from './warm-up.ts';
import type { Logger } from './logger.ts';
import { secondsFromEnv } from './env-seconds.ts';
import type { RunningHeimdall, StopOptions } from './start.ts';

export interface StartGatewayOptions {
  logger: Logger;
  /** HEIMDALL_CONTROL_PLANE_URL/TOKEN, HEIMDALL_ENCRYPTION_KEY, PORT, HOST. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Overrides PORT; 0 picks a free port (tests). */
  port?: number;
  host?: string;
  /** Overrides HEIMDALL_CONTROL_PLANE_WAIT_SECONDS: how long to wait for the first snapshot. */
  waitForControlPlaneMs?: number;
  /** Requests of the start-up warm-up before listening (api/warm-up.ts). @default 0: none (tests); `npm start` reads HEIMDALL_WARMUP_REQUESTS */
  warmUpRequests?: number;
  /** How long one control-plane operation may take before it fails. @default 10000 */
  operationTimeoutMs?: number;
}

/**
 * The control plane's graphql-ws endpoint from HEIMDALL_CONTROL_PLANE_URL: `http(s)://` becomes
 * `ws(s)://`, and a URL without a path gets `/graphql`. Undefined when the variable is unset.
 */
export function controlPlaneUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.HEIMDALL_CONTROL_PLANE_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`HEIMDALL_CONTROL_PLANE_URL: not a URL: ${raw}`);
  }
  const schemes: Record<string, string> = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' };
  const protocol = schemes[url.protocol];
  if (!protocol)
    throw new Error(`HEIMDALL_CONTROL_PLANE_URL: expected ws://, wss://, http:// or https://, got ${raw}`);
  url.protocol = protocol;
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  return url.toString();
}

/** Opens sealed secrets with the shared key; without one, a sealed secret is a start-up error. */
function secretOpener(env: NodeJS.ProcessEnv): (value: string) => string {
  const key = configuredKey({ env });
  const box: SecretBox | undefined = key ? createSecretBox(key) : undefined;
  return (value) => {
    if (box) return openSecret(box, value);
    if (value.startsWith('enc:v1:'))
      throw new Error(
        'the control plane sent sealed provider secrets but no encryption key is set: give this gateway the control plane’s HEIMDALL_ENCRYPTION_KEY',
      );
    return value;
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startGatewayOnly(options: StartGatewayOptions): Promise<RunningHeimdall> {
  const env = options.env ?? process.env;
  const { logger } = options;
  const url = controlPlaneUrl(env);
  if (!url) throw new Error('gateway-only mode needs HEIMDALL_CONTROL_PLANE_URL');
  const waitMs =
    options.waitForControlPlaneMs ??
    secondsFromEnv(env, 'HEIMDALL_CONTROL_PLANE_WAIT_SECONDS', { fallback: 60 });
  const token = env.HEIMDALL_CONTROL_PLANE_TOKEN?.trim() || undefined;
  if (!token)
    logger.warn(
      'HEIMDALL_CONTROL_PLANE_TOKEN is not set: only a control plane with auth disabled will answer',
    );
  const controlPlane = createRemoteControlPlane({
    url,
    ...(token ? { token } : {}),
    webSocketImpl: WebSocket,
    openSecret: secretOpener(env),
    operationTimeoutMs: options.operationTimeoutMs ?? 10_000,
  });
  try {
    await firstSnapshot(() => controlPlane.getSnapshot(), waitMs, logger, url);
    // No adminCredentials check: the credential stores are the control plane's, so when its admin
    // auth covers inference (inference_auth_required in the snapshot) only virtual keys pass here.
    const gateway = await createGateway({ controlPlane, logger });
    // No database here: the process is healthy once it serves a snapshot, which createGateway
    // loaded before the server listens; the snapshot follows configChanged from then on.
    const shutdown = new ShutdownState();
    const server = createHttpServer({ gateway, pingDatabase: () => Promise.resolve(), shutdown });
    await warmUpBeforeListening(options.warmUpRequests, logger);
    const bound = await listen(server, options, env);
    warnIfInferenceOpen(server, gateway, logger);
    logger.info('heimdall gateway listening (control plane remote)', {
      port: bound,
      control_plane: url,
      config_version: gateway.snapshotVersion(),
    });
    return {
      url: `http://127.0.0.1:${bound}`,
      port: bound,
      async stop(stopOptions: StopOptions = {}) {
        await drainHttpServer(server, shutdown, {
          delayMs: stopOptions.delayMs ?? 0,
          ...(stopOptions.cutAfterMs === undefined ? {} : { cutAfterMs: stopOptions.cutAfterMs }),
          logger,
        });
        // Flushes queued usage and request logs to the control plane before the socket closes
        // (first, as closing the upstream pools may wait for aborted streams).
        await gateway.flush();
        await gateway.close();
        await controlPlane.close();
      },
    };
  } catch (error) {
    await controlPlane.close().catch(() => undefined);
    throw error;
  }
}

/** Waits for the control plane to serve a snapshot (it may start after the gateways). */
async function firstSnapshot(
  load: () => Promise<unknown>,
  waitMs: number,
  logger: Logger,
  url: string,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      await load();
      return;
    } catch (error) {
      // Refusals (bad token, missing scope) and unopenable secrets do not heal by waiting.
      const transient = error instanceof ControlPlaneError && error.kind !== 'graphql';
      if (!transient || Date.now() + delay > deadline) throw error;
      logger.warn('control plane not answering yet; retrying', {
        control_plane: url,
        error: (error as Error).message,
      });
      await pause(delay);
    }
  }
}
