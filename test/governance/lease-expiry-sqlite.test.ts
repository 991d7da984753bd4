/**
 * A gateway in another process can crash holding a lease on a SQLite control plane too (split
 * mode): the in-memory counter store expires silent leases like the database and Redis stores,
 * while the in-process gateway's own lease stays alive through its heartbeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.ts';

let now = Date.parse('2027-06-01T08:00:00Z');
let stack: Stack;

beforeAll(async () => {
  stack = await startStack(
    {
      governance: {
        budgets: [{ id: 'expiry-budget', max_limit: 10, reset_duration: '1M', mode: 'strict' }],
      },
    },
    { now: () => now, leaseSweepMs: 50 },
  );
});

afterAll(async () => {
  await stack?.close();
});

describe('lease expiry on the SQLite (memory) store', () => {
  it('counts on the memory store', () => {
    expect(stack.service.store.name).toBe('memory');
  });

  it('releases a lease whose remote holder went silent, and only that one', async () => {
    const grant = await stack.service.acquireLease({
      holder: 'remote-gateway-that-crashed',
      kind: 'budget',
      id: 'expiry-budget',
      seq: 1,
      want: 4_000_000,
      min: 1,
    });
    expect(grant.granted).toBe(4_000_000);
    await stack.settle();
    expect((await stack.service.store.budgetCounters('expiry-budget'))?.reserved).toBe(4_000_000);

    now += 30_000; // silent for 30 s: still within the default lease TTL (60 s)
    expect(await stack.service.expireLeases()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await stack.service.store.budgetCounters('expiry-budget'))?.reserved).toBe(4_000_000);

    now += 31_000; // silent for 61 s: past the TTL
    // The periodic sweep (every 50 ms here) finds it without being asked.
    await expect
      .poll(async () => (await stack.service.store.budgetCounters('expiry-budget'))?.reserved, {
        timeout: 3_000,
        interval: 50,
      })
      .toBe(0);
    await stack.settle();
    const check = await stack.service.reconcile('expiry-budget');
    expect(check.ledger.outstanding).toBe(0);
    // The headroom is grantable again.
    const again = await stack.service.acquireLease({
      holder: 'another-gateway',
      kind: 'budget',
      id: 'expiry-budget',
      seq: 1,
      want: 10_000_000,
      min: 1,
    });
    expect(again.granted).toBe(10_000_000);
  });
});
