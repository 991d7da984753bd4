/**
 * Issue 12, item 2: a Redis-backed replica SIGKILLed under load. Survivors run on until a strict
 * budget is spent to exhaustion; once the dead replica's leases have expired (one lease TTL),
 * the ledger, the database counters, Redis and the request logs agree to the micro-dollar, the
 * strict budget ends at or below its limit, nothing is reserved any more (no stranded
 * headroom), and the only requests missing a log row or a settle are ones the killed process
 * had in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './harness.ts';
import { drive, mixedUsage, send, type Outcome } from './load.ts';
import { reconcile } from './reconcile.ts';
import { SIZES, TIMEOUT_MS } from './sizes.ts';

const VK = 'vk-cluster-crash-secret-0001';
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({
    replicas: SIZES.replicas,
    config: (mockUrl) => ({
      client: { enable_logging: true },
      providers: {
        openai: {
          keys: [{ name: 'oa', value: 'sk-mock', models: ['*'] }],
          network_config: { base_url: mockUrl },
        },
      },
      governance: {
        budgets: [{ id: 'crash-strict', max_limit: SIZES.budgetUsd, reset_duration: '1d', mode: 'strict' }],
        virtual_keys: [{ id: 'vk-crash', name: 'crash', value: VK, budget_id: 'crash-strict' }],
      },
    }),
  });
}, TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('SIGKILL of a Redis-backed replica under load', () => {
  it(
    'leaves ledger = counters (DB, Redis) = logs, a strict budget within its limit, nothing stranded',
    async () => {
      const victim = cluster.replicas.at(-1)!;
      const killed = new Set<string>();
      const request = (replica: Cluster['replicas'][number], i: number): Promise<Outcome> =>
        send(replica, VK, mixedUsage(i));
      const outcomes = await drive(
        () => cluster.replicas,
        SIZES.requests,
        SIZES.concurrency,
        request,
        async (sent) => {
          if (sent === Math.floor(SIZES.requests * 0.4)) {
            killed.add(victim.name);
            await victim.kill();
          }
        },
      );
      // Survivors spend the budget to exhaustion: keep going until they refuse with 402.
      const spendToExhaustion = async () => {
        for (let round = 0; round < 20; round++) {
          const more = await drive(() => cluster.replicas, SIZES.concurrency * 4, SIZES.concurrency, request);
          outcomes.push(...more);
          if (more.every((o) => o.status === 402)) break;
        }
      };
      // The dead replica's leases expire one TTL (30 s here) after its last activity; the
      // survivors hand back idle leases after 10 s. Then nothing may stay reserved.
      const untilNothingReserved = async () => {
        let result = await reconcile(cluster, { outcomes, killed });
        for (
          let waited = 0;
          waited < 75 && (result.problems.length > 0 || reservedAnywhere(result));
          waited++
        ) {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          result = await reconcile(cluster, { outcomes, killed });
        }
        return result;
      };
      await spendToExhaustion();
      expect(outcomes.filter((o) => o.status === 402).length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(SIZES.requests / 4);
      // What the dead replica held comes back once its leases expire, and the survivors spend it
      // too: "exhausted" then means the limit, however large the dead replica's share was when it
      // died (under a loaded machine it was once 14 %, and the budget ended at 86 % of its limit).
      await untilNothingReserved();
      await spendToExhaustion();
      const result = await untilNothingReserved();
      const budget = result.budgets.find((b) => b.id === 'crash-strict')!;
      expect(result.problems).toEqual([]);
      expect(budget.ledgerSettled).toBeLessThanOrEqual(budget.limit);
      expect(budget.ledgerSettled).toBeGreaterThan(budget.limit * 0.9);
      expect(budget.database.reserved).toBe(0);
      expect(budget.redis?.reserved).toBe(0);
      // What the SIGKILL lost: only requests the killed process had in flight (at most the
      // driver's concurrency) or answered within the write-behind windows before it died. Those
      // windows hold more on a loaded machine: 5–29 lost in twelve runs of this reduced size, 34
      // once, against 2 × concurrency = 32, so the bound is 3 × concurrency. Losing what was
      // flushed long before would show far above it: the victim answers ~100 requests first.
      expect(result.lostOnKilled.length).toBeLessThanOrEqual(SIZES.concurrency * 3);
      console.info('cluster crash run', {
        answered: outcomes.filter((o) => o.status === 200).length,
        refused402: outcomes.filter((o) => o.status === 402).length,
        failed: outcomes.filter((o) => o.status !== 200 && o.status !== 402).length,
        limitMicros: budget.limit,
        settledMicros: budget.ledgerSettled,
        lostOnKilled: result.lostOnKilled.length,
      });
    },
    TIMEOUT_MS,
  );
});

function reservedAnywhere(result: Awaited<ReturnType<typeof reconcile>>): boolean {
  return result.budgets.some((b) => b.database.reserved !== 0 || (b.redis?.reserved ?? 0) !== 0);
}
