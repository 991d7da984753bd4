/**
 * Graceful shutdown of the HTTP server, in the order Kubernetes needs. A pod
 * that got SIGTERM keeps receiving new connections until its endpoints are updated everywhere
 * (kube-proxy, load balancers, ingress), which takes seconds. So:
 *
 * 1. `draining` (HEIMDALL_SHUTDOWN_DELAY_SECONDS, default 5): readiness (/health) answers 503 at
 *    once so the pod leaves the Service; everything else, inference included, is served as usual
 *    and new connections are still accepted. /livez stays 200 (a restart now would cut streams).
 * 2. `closing`: the listener closes (new connections are refused); requests that still arrive on
 *    open keep-alive connections get 503 `shutting_down` with `Connection: close`; connections
 *    are closed as soon as they are idle; requests and streams in flight run to their end.
 *
 * The caller then flushes usage and request logs and exits (api/main.ts).
 */
import type { Server, ServerResponse } from 'node:http';
import { secondsFromEnv } from './env-seconds.ts';
import type { Logger } from './logger.ts';

export type ShutdownPhase = 'serving' | 'draining' | 'closing';

/** Shared by the request handler (reads it per request) and the drain (moves it forward). */
export class ShutdownState {
  phase: ShutdownPhase = 'serving';
}

/** How often idle keep-alive connections are looked for while in-flight requests finish. */
const IDLE_SWEEP_MS = 100;

/** The answer to a request that arrives after the listener closed: 503, and this connection ends. */
export function refuseWhileClosing(res: ServerResponse): void {
  const text = JSON.stringify({
    error: {
      message:
        'Heimdall is shutting down and closes this connection; retry on a new connection (another replica answers it)',
      type: 'server_error',
      code: 'shutting_down',
      param: null,
    },
  });
  res.shouldKeepAlive = false;
  res.writeHead(503, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.end(text);
}

/** How a running Heimdall stops (api/main.ts on SIGTERM; tests). */
export interface StopOptions {
  /**
   * How long to keep accepting (and serving) new requests with readiness already off, before the
   * listener closes. @default 0
   */
  delayMs?: number;
  /** After the delay, how long requests in flight may run before they are cut. @default never */
  cutAfterMs?: number;
}

export interface DrainTimings {
  /** How long new connections were still accepted after the drain began. */
  acceptedForMs: number;
  /** From closing the listener until the last connection (request or stream in flight) ended. */
  inFlightDoneAfterMs: number;
}

/**
 * Runs both phases and resolves once no connection is left. `beforeClose` runs when the delay is
 * over, before the listener closes (the control plane ends its WebSocket sessions there).
 */
export async function drainHttpServer(
  server: Server,
  state: ShutdownState,
  options: {
    delayMs: number;
    logger: Logger;
    beforeClose?: () => Promise<void>;
    /**
     * After the listener closed, how long requests in flight may run before their connections are
     * cut (a stream cut here is settled and logged like a client disconnect, then flushed, which
     * beats being killed with its usage unsent). @default never
     */
    cutAfterMs?: number;
  },
): Promise<DrainTimings> {
  const started = Date.now();
  state.phase = 'draining';
  if (options.delayMs > 0) {
    options.logger.info('shutdown: readiness off; still serving while endpoints update', {
      delay_ms: options.delayMs,
    });
    await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  await options.beforeClose?.();
  state.phase = 'closing';
  const closing = Date.now();
  options.logger.info('shutdown: no new connections; finishing requests in flight');
  await new Promise<void>((done) => {
    // Node's close() stops listening and ends the connections idle right now; one whose request
    // finishes later stays open for keep-alive (65 s) unless it is ended once idle, as here.
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const cut =
      options.cutAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            server.getConnections((_error, open) =>
              options.logger.warn('shutdown: grace period over; cutting requests still in flight', {
                connections: open,
              }),
            );
            server.closeAllConnections();
          }, options.cutAfterMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      done();
    });
  });
  const timings = { acceptedForMs: closing - started, inFlightDoneAfterMs: Date.now() - closing };
  options.logger.info('shutdown: connections drained', {
    accepted_for_ms: timings.acceptedForMs,
    in_flight_done_after_ms: timings.inFlightDoneAfterMs,
  });
  return timings;
}

/** HEIMDALL_SHUTDOWN_DELAY_SECONDS (default 5) in ms; a clear error when it is not a number ≥ 0. */
export function shutdownDelayMs(env: NodeJS.ProcessEnv): number {
  return secondsFromEnv(env, 'HEIMDALL_SHUTDOWN_DELAY_SECONDS', { fallback: 5 });
}

/** HEIMDALL_SHUTDOWN_GRACE_SECONDS (default 55) in ms: how long in-flight work may run after the delay. */
export function shutdownGraceMs(env: NodeJS.ProcessEnv): number {
  return secondsFromEnv(env, 'HEIMDALL_SHUTDOWN_GRACE_SECONDS', { fallback: 55 });
}
