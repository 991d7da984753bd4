/**
 * Issue 12, Tests (d): SIGTERM of a Redis-backed replica with streams in flight while the other
 * replicas serve load. The terminated replica lets its streams finish (every one ends with
 * [DONE]), settles and logs them, flushes, and exits 0; afterwards ledger = counters (DB, Redis)
 * = request-log cost with nothing lost anywhere — a drain is not a crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, type Replica } from './harness.ts';
import { drive, mixedUsage, send, type Outcome } from './load.ts';
import { figures, reconcileWhenSettled, strictConfig } from './faults.ts';
import { FAULT_SIZES, TIMEOUT_MS } from './sizes.ts';

const VK = 'vk-cluster-drain-secret-0001';
/** Marks the drained replica's streams in what the mock provider saw. */
const DRAIN_TEXT = 'drain ';
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({
    replicas: FAULT_SIZES.replicas,
    config: strictConfig({ id: 'drain-strict', usd: 50, vk: VK }),
  });
}, TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const streamsSeen = () =>
  cluster.mock.seen.filter(
    (s) => (s.body.mock as { chunk_text?: string } | undefined)?.chunk_text === DRAIN_TEXT,
  ).length;

describe('SIGTERM of a replica with streams in flight', () => {
  it(
    'completes its streams, settles and logs them, exits 0; ledger = counters = logs',
    async () => {
      const victim = cluster.replicas.at(-1)!;
      const survivors = cluster.replicas.filter((r) => r !== victim);
      // Streams of ~3 s (20 chunks, 150 ms apart): still running when the signal arrives.
      const streams = Array.from({ length: FAULT_SIZES.drainStreams }, (_, i) =>
        send(victim, VK, {
          stream: true,
          max_tokens: 600,
          prompt_tokens: 80 + i,
          completion_tokens: 300 + i,
          chunks: 20,
          interval_ms: 150,
          chunk_text: DRAIN_TEXT,
        }),
      );
      const load = drive(
        () => survivors,
        FAULT_SIZES.requests,
        FAULT_SIZES.concurrency,
        (replica: Replica, i: number): Promise<Outcome> => send(replica, VK, mixedUsage(i)),
      );
      // Every stream has reached the provider (so it is mid-flight) before the signal.
      for (let i = 0; i < 600 && streamsSeen() < FAULT_SIZES.drainStreams; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(streamsSeen()).toBe(FAULT_SIZES.drainStreams);
      const exitCode = await victim.terminate();
      const drained = await Promise.all(streams);
      const outcomes = [...drained, ...(await load)];

      expect(exitCode).toBe(0);
      expect(drained.map((o) => `${o.status} ${o.complete}`)).toEqual(drained.map(() => '200 true'));
      const report = await reconcileWhenSettled(cluster, { outcomes }, 20);
      console.info('cluster sigterm-drain run', await figures(cluster, outcomes, report));
      expect(report.problems).toEqual([]);
      expect(report.unmatched).toEqual([]);
      expect(report.answeredWithoutLog).toEqual([]);
      // Each drained stream is logged with the provider's usage, and its cost is what was settled.
      const ids = drained.map((o) => o.requestId!);
      const rows = await cluster.sql<{ id: string; cost_micros: string; output_tokens: number }>(
        'select id, cost_micros, output_tokens from request_logs where id = any($1)',
        [ids],
      );
      expect(rows.length).toBe(ids.length);
      for (const row of rows) expect(Number(row.cost_micros)).toBeGreaterThan(0);
      const budget = report.budgets.find((b) => b.id === 'drain-strict')!;
      expect(budget.ledgerSettled).toBeLessThanOrEqual(budget.limit);
    },
    TIMEOUT_MS,
  );
});
