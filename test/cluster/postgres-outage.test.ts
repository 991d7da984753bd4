/**
 * Issue 12, Tests (b): Postgres stopped under load (all-in-one replicas, counters in Redis) for
 * ~8 s (20 s under `npm run test:cluster`), then started again. Meanwhile readiness (/health) is
 * 503 and liveness (/livez) 200 on every replica, so Kubernetes routes around them without
 * restarting them. Once the database is back no usage is lost: usage reports and request-log
 * batches that failed are re-sent, ledger = counters (DB, Redis) = request-log cost, and every
 * request answered 200 has its log row and its settle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, type Replica } from './harness.ts';
import { drive, mixedUsage, send, type Outcome } from './load.ts';
import { figures, reconcileWhenSettled, statuses, strictConfig } from './faults.ts';
import { FAULT_SIZES, FULL, TIMEOUT_MS } from './sizes.ts';

const VK = 'vk-cluster-pg-outage-secret-0001';
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({
    replicas: 2,
    // Small enough that a lease (5 % of the limit) covers only ~60 requests: replicas need grants
    // during the outage too.
    config: strictConfig({ id: 'pg-outage-strict', usd: FULL ? 2 : 0.25, vk: VK }),
  });
}, TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const probe = async (url: string): Promise<number> => {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
};

interface Probes {
  health: number[];
  livez: number[];
}

/** Halts Postgres, probes every replica once a second while it is down, starts it again. */
async function outage(): Promise<Probes> {
  const probes: Probes = { health: [], livez: [] };
  await cluster.postgres.halt();
  const end = Date.now() + FAULT_SIZES.postgresOutageSeconds * 1000;
  while (Date.now() < end) {
    await pause(1_000);
    for (const replica of cluster.replicas) {
      probes.health.push(await probe(`${replica.url}/health`));
      probes.livez.push(await probe(`${replica.url}/livez`));
    }
  }
  await cluster.postgres.resume();
  return probes;
}

describe('Postgres stopped under load, then started again', () => {
  it(
    '/health 503 and /livez 200 meanwhile; afterwards no usage lost, ledger = counters = logs',
    async () => {
      const request = (replica: Replica, i: number): Promise<Outcome> =>
        send(replica, VK, {
          ...mixedUsage(i),
          // Streams take ~0.3 s: some are in flight when Postgres stops.
          interval_ms: 100,
        });
      const outcomes = await drive(
        () => cluster.replicas,
        FAULT_SIZES.requests / 2,
        FAULT_SIZES.concurrency,
        request,
      );
      // Load runs on for the whole outage, in rounds, while the fault task halts and resumes.
      let down = true;
      const fault = outage().finally(() => (down = false));
      const during: Outcome[] = [];
      while (down) {
        during.push(
          ...(await drive(() => cluster.replicas, FAULT_SIZES.concurrency, FAULT_SIZES.concurrency, request)),
        );
        await pause(100); // refusals are quick: bounds the count, not the outcome
      }
      outcomes.push(...during);
      const probes = await fault;
      // Back up: readiness returns, and the replicas serve on.
      for (const replica of cluster.replicas) {
        for (let i = 0; i < 100 && (await probe(`${replica.url}/health`)) !== 200; i++) await pause(200);
        expect(await probe(`${replica.url}/health`)).toBe(200);
      }
      const after = await drive(
        () => cluster.replicas,
        FAULT_SIZES.requests / 2,
        FAULT_SIZES.concurrency,
        request,
      );
      outcomes.push(...after);

      const report = await reconcileWhenSettled(cluster, { outcomes }, 40);
      console.info('cluster postgres-outage run', {
        outageSeconds: FAULT_SIZES.postgresOutageSeconds,
        health: probes.health.join(' '),
        livez: probes.livez.join(' '),
        duringOutage: statuses(during),
        refusalErrors: await cluster.sql(
          `select status_code, error, count(*) as n from request_logs where status_code <> 200 group by 1, 2`,
        ),
        ...(await figures(cluster, outcomes, report)),
      });
      expect(probes.health.length).toBeGreaterThan(0);
      expect(probes.health.every((s) => s === 503)).toBe(true);
      expect(probes.livez.every((s) => s === 200)).toBe(true);
      expect(after.filter((o) => o.status === 200).length).toBe(after.length);
      expect(report.problems).toEqual([]);
      expect(report.unmatched).toEqual([]);
      expect(report.answeredWithoutLog).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
