/**
 * `npm start`: runs control plane and gateway in one process, or only the gateway when
 * HEIMDALL_CONTROL_PLANE_URL points at a control plane elsewhere (api/start-gateway.ts). Exits
 * non-zero, with the reason, when the config is invalid or the database cannot be reached.
 */
import { ConfigError } from '../db/config/issues.ts';
import { createLogger, parseLogLevel } from './logger.ts';
import { startGatewayOnly } from './start-gateway.ts';
import { startHeimdall } from './start.ts';

const logger = createLogger(parseLogLevel(process.env.LOG_LEVEL));

try {
  const running = process.env.HEIMDALL_CONTROL_PLANE_URL?.trim()
    ? await startGatewayOnly({ logger })
    : await startHeimdall({ logger });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Streams in flight get the grace period to finish (the Helm chart's
    // terminationGracePeriodSeconds should exceed it); then the process exits regardless.
    const graceMs = Number(process.env.HEIMDALL_SHUTDOWN_GRACE_SECONDS ?? 55) * 1000;
    const force = setTimeout(() => process.exit(1), graceMs);
    force.unref();
    running.stop().then(
      () => process.exit(0),
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
