/**
 * `npm start`: runs control plane and gateway in one process, or only the gateway when
 * HEIMDALL_CONTROL_PLANE_URL points at a control plane elsewhere (api/start-gateway.ts). Exits
 * non-zero, with the reason, when the config is invalid or the database cannot be reached.
 */
import { ConfigError } from '../db/index.ts';
import { shutdownDelayMs, shutdownGraceMs } from './drain.ts';
import { createLogger, parseLogLevel } from './logger.ts';
import { startGatewayOnly } from './start-gateway.ts';
import { startHeimdall } from './start.ts';
import { warmUpRequestsFromEnv } from './warm-up.ts';

const logger = createLogger(parseLogLevel(process.env.LOG_LEVEL));
/** The end of the grace period kept for settling and flushing what was cut (at most half of it). */
const FLUSH_RESERVE_MS = 2_000;

// Read before starting, so a bad value stops start-up rather than the shutdown.
let delayMs: number;
let graceMs: number;
let warmUpRequests: number;
try {
  delayMs = shutdownDelayMs(process.env);
  graceMs = shutdownGraceMs(process.env);
  warmUpRequests = warmUpRequestsFromEnv(process.env);
} catch (error) {
  process.stderr.write(`heimdall: ${(error as Error).message}\n`);
  process.exit(1);
}

try {
  const running = process.env.HEIMDALL_CONTROL_PLANE_URL?.trim()
    ? await startGatewayOnly({ logger, warmUpRequests })
    : await startHeimdall({ logger, warmUpRequests });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const began = Date.now();
    logger.info('shutting down', { signal, grace_ms: graceMs });
    // New requests are served for the delay (api/drain.ts), then streams in flight get the grace
    // period to finish (the Helm chart's terminationGracePeriodSeconds must cover preStop + delay
    // + grace). Streams still running FLUSH_RESERVE_MS before its end are cut, so their usage and
    // log rows are settled and flushed in time; the process exits regardless at the end.
    const force = setTimeout(() => {
      logger.error('shutdown: grace period over before usage and request logs were flushed; exiting');
      process.exit(1);
    }, delayMs + graceMs);
    force.unref();
    const cutAfterMs = Math.max(0, graceMs - Math.min(FLUSH_RESERVE_MS, graceMs / 2));
    // Ctrl-C in a terminal has no load balancer to wait for.
    running.stop({ delayMs: signal === 'SIGINT' ? 0 : delayMs, cutAfterMs }).then(
      () => {
        logger.info('shutdown complete: usage and request logs flushed', { total_ms: Date.now() - began });
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`heimdall: ${error.message}\n`);
  } else {
    logger.error('start-up failed', { error });
  }
  process.exit(1);
}
