/**
 * How big the cluster runs are: reduced in `npm test` (the whole of test/cluster/ in about two
 * minutes on two cores), full with `npm run test:cluster` (HEIMDALL_CLUSTER_FULL=1).
 */
export const FULL = process.env.HEIMDALL_CLUSTER_FULL === '1';

export const SIZES = FULL
  ? { replicas: 3, requests: 3_000, concurrency: 48, budgetUsd: 0.4 }
  : { replicas: 2, requests: 500, concurrency: 16, budgetUsd: 0.06 };

/** Per-file timeout: start-up, load, one lease TTL for the dead replica's leases, checks. */
export const TIMEOUT_MS = FULL ? 600_000 : 150_000;

/**
 * The fault scenarios (one file each: control-plane-kill, postgres-outage, disconnects,
 * sigterm-drain), reduced so that each file stays well under a minute in `npm test`.
 */
export const FAULT_SIZES = FULL
  ? {
      replicas: 3,
      requests: 1_500,
      concurrency: 32,
      streams: 300,
      streamConcurrency: 30,
      drainStreams: 40,
      postgresOutageSeconds: 20,
      controlPlaneDownSeconds: 5,
    }
  : {
      replicas: 2,
      requests: 240,
      concurrency: 12,
      streams: 60,
      streamConcurrency: 12,
      drainStreams: 12,
      postgresOutageSeconds: 8,
      controlPlaneDownSeconds: 2,
    };
