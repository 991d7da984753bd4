/**
 * A grant whose answer was lost (timeout, dropped connection) is asked for again with the same
 * seq and gets the same lease back — on every counter store — so it is neither granted twice
 * nor stranded until it expires; the gateway's account does the asking.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { GovernanceChannel, LeaseRequest } from '../../clients/contract/governance.ts';
import { MeterAccount } from '../../gateway/governance/accounts.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { startStack, type Stack } from './support/stack.ts';

const config = {
  governance: { budgets: [{ id: 'replay-budget', max_limit: 10, reset_duration: '1d', mode: 'strict' }] },
};
const stacks: Stack[] = [];
const pgs: TestDatabase[] = [];

afterAll(async () => {
  for (const stack of stacks) await stack.close();
  for (const pg of pgs) await pg.drop();
});

async function stackOn(store: 'memory' | 'database' | 'redis'): Promise<Stack> {
  if (store === 'memory') return track(await startStack(config));
  const pg = await createTestDatabase('heimdall_replay');
  pgs.push(pg);
  if (store === 'database') return track(await startStack(config, { databaseUrl: pg.url }));
  process.env.HEIMDALL_REDIS_PREFIX = `heimdall-test-${randomBytes(4).toString('hex')}:`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  return track(await startStack(config, { databaseUrl: pg.url, store: 'redis', redisUrl }));
}

function track(stack: Stack): Stack {
  stacks.push(stack);
  return stack;
}

const reserved = async (stack: Stack) => {
  await stack.settle();
  return (await stack.service.reconcile('replay-budget')).ledger.outstanding;
};

describe.each(['memory', 'database', 'redis'] as const)('lease replay on the %s store', (store) => {
  it('answers a replayed seq with the same grant, an older seq with nothing', async () => {
    const stack = await stackOn(store);
    expect(stack.service.store.name).toBe(store);
    const ask = (seq: number, want: number): LeaseRequest => ({
      holder: 'replica-x',
      kind: 'budget',
      id: 'replay-budget',
      seq,
      want,
      min: 1,
    });
    const first = await stack.service.acquireLease(ask(7, 3_000_000));
    expect(first.granted).toBe(3_000_000);
    const again = await stack.service.acquireLease(ask(7, 5_000_000));
    expect(again.granted).toBe(3_000_000);
    expect(await reserved(stack)).toBe(3_000_000);
    const next = await stack.service.acquireLease(ask(8, 1_000_000));
    expect(next.granted).toBe(1_000_000);
    const stale = await stack.service.acquireLease(ask(7, 1_000_000));
    expect(stale.granted).toBe(0);
    expect(await reserved(stack)).toBe(4_000_000);
  });

  it('a gateway account whose grant answer was lost gets that grant on its next try', async () => {
    const stack = await stackOn(store);
    let loseNext = true;
    const lossy: GovernanceChannel = {
      async acquireLease(request) {
        const grant = await stack.service.acquireLease(request);
        if (loseNext) {
          loseNext = false;
          throw new Error('control plane: operation timed out');
        }
        return grant;
      },
      reportUsage: (report) => stack.service.reportUsage(report),
      writeRequestLogs: () => Promise.resolve(),
    };
    const account = new MeterAccount('budget', 'replay-budget', 10_000_000, {
      channel: lossy,
      holder: `gateway-${store}`,
      now: Date.now,
      release: () => undefined,
      flushSoon: () => undefined,
      flush: () => Promise.resolve(),
    });
    await expect(account.reserveUpTo(2_000_000, 2_000_000, Date.now() + 1_000)).rejects.toThrow(/timed out/);
    const taken = await account.reserveUpTo(2_000_000, 2_000_000, Date.now() + 1_000);
    expect(taken).toBe(2_000_000);
    // What the control plane holds for this gateway is exactly what the account holds: one lease.
    expect(await reserved(stack)).toBe(account.held);
  });
});
