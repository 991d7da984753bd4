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
