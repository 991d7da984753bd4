/**
 * Acceptance: listing 500 virtual keys with their team, customer, budget and rate limit runs a
 * constant number of SQL statements (DataLoader batches per relation), on both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBudget,
  createCustomer,
  createRateLimit,
  createTeam,
  createVirtualKey,
  type Database,
} from '../../db/index.ts';
import { createTestControlPlane, DIALECTS, type TestControlPlane } from './harness.ts';

const QUERY = `query($first: Int) {
  virtualKeys(first: $first) {
    totalCount
    edges { node {
      id name
      team { id name customer { id name } budget { id remaining } }
      customer { id name }
      budget { id maxLimit remaining resetsAt }
      rateLimit { id requestRemaining }
      providerConfigs { provider weight budget { id } rateLimit { id } }
    } }
  }
}`;

async function seedKeys(db: Database, from: number, to: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = from; i < to; i++) {
      const n = String(i).padStart(4, '0');
      await createBudget(tx, { id: `b-${n}`, maxLimitMicros: 1_000_000 * (i + 1), resetDuration: '1d' });
      await createRateLimit(tx, { id: `rl-${n}`, requestMaxLimit: 100, requestResetDuration: '1m' });
      if (i % 10 === 0) await createCustomer(tx, { id: `c-${n}`, name: `Customer ${n}`, budgetId: `b-${n}` });
      const customerId = `c-${String(i - (i % 10)).padStart(4, '0')}`;
      if (i % 5 === 0)
        await createTeam(tx, { id: `t-${n}`, name: `Team ${n}`, customerId, budgetId: `b-${n}` });
      const teamId = i % 2 === 0 ? `t-${String(i - (i % 5)).padStart(4, '0')}` : null;
      await createVirtualKey(tx, {
        id: `vk-${n}`,
        name: `Key ${n}`,
        value: `vk-value-${n}-${Math.random()}`,
        teamId,
        customerId: teamId ? null : customerId,
        budgetId: `b-${n}`,
        rateLimitId: `rl-${n}`,
        providerConfigs: [
          { provider: 'openai', weight: 1, allowedModels: ['*'], keyIds: [], budgetId: `b-${n}` },
        ],
      });
    }
  });
}

describe.each(DIALECTS)('virtual key listing without N+1 (%s)', (dialect) => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await createTestControlPlane(dialect, { maxCost: 1_000_000 });
  });
  afterAll(() => cp.close());

  const statementsFor = async (first: number) => {
    let count = 0;
    const off = cp.database.onStatement(() => (count += 1));
    const data = await cp.ok<{ virtualKeys: { edges: Array<{ node: Record<string, unknown> }> } }>(QUERY, {
      first,
    });
    off();
    return { count, nodes: data.virtualKeys.edges.map((e) => e.node) };
  };

  it('runs the same small number of statements for 50 and for 500 keys', async () => {
    await seedKeys(cp.database, 0, 50);
    const small = await statementsFor(50);
    await seedKeys(cp.database, 50, 500);
    const large = await statementsFor(500);
    expect(large.nodes).toHaveLength(500);
    expect(large.nodes[2]).toMatchObject({
      team: { id: 't-0000', customer: { id: 'c-0000' } },
      budget: { id: 'b-0002' },
    });
    expect(large.nodes[3]).toMatchObject({ team: null, customer: { id: 'c-0000' } });
    expect(large.count).toBe(small.count);
    // keys + provider configs, then one batch each: teams, customers, budgets, rate limits.
    expect(large.count).toBeLessThanOrEqual(8);
    console.log(`[${dialect}] 500 virtual keys with relations: ${large.count} SQL statements`);
  });
});
