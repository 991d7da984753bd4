/**
 * Request-log search, stats and usage series on a small data set whose answers are known,
 * plus budgetStatus along key → team → customer. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRequestLogs } from '../../db/index.ts';
import { DAY, smallLogs } from './fixtures.ts';
import { createTestControlPlane, DIALECTS, type TestControlPlane } from './harness.ts';

describe.each(DIALECTS)('request logs and usage (%s)', (dialect) => {
  let cp: TestControlPlane;
  const logs = smallLogs();
  beforeAll(async () => {
    cp = await createTestControlPlane(dialect);
    await insertRequestLogs(cp.database, logs);
  });
  afterAll(() => cp.close());

  it('groups spend by day and model', async () => {
    const { usage } = await cp.ok<{ usage: Array<Record<string, unknown>> }>(`{
      usage(range: { from: "2025-01-01T00:00:00Z", to: "2025-02-01T00:00:00Z" }, groupBy: [DAY, MODEL]) {
        bucketStart provider model requests errors inputTokens outputTokens costMicros unpricedRequests } }`);
    expect(usage).toHaveLength(4);
    for (const point of usage) {
      const day = Date.parse(point.bucketStart as string);
      const rows = logs.filter((l) => Math.floor(l.createdAt / DAY) * DAY === day && l.model === point.model);
      expect(point).toMatchObject({
        requests: rows.length,
        errors: rows.filter((l) => l.status === 'error').length,
        inputTokens: String(rows.reduce((s, l) => s + (l.inputTokens ?? 0), 0)),
        costMicros: String(rows.reduce((s, l) => s + (l.costMicros ?? 0), 0)),
        unpricedRequests: rows.filter((l) => l.unpriced).length,
      });
    }
  });

  it('computes stats (count, success rate, avg and p99 latency, tokens, cost)', async () => {
    const { requestLogStats: stats } = await cp.ok<{ requestLogStats: Record<string, unknown> }>(
      '{ requestLogStats(filter: { providers: ["openai"] }) { count successRate avgLatencyMs p99LatencyMs totalTokens cost unpricedCount } }',
    );
    const rows = logs.filter((l) => l.provider === 'openai');
    const latencies = rows.map((l) => l.latencyMs!).sort((a, b) => a - b);
    expect(stats).toMatchObject({
      count: 20,
      successRate: rows.filter((l) => l.status === 'success').length / 20,
      avgLatencyMs: latencies.reduce((a, b) => a + b, 0) / 20,
      p99LatencyMs: latencies[Math.ceil(0.99 * 20) - 1],
      totalTokens: String(rows.reduce((s, l) => s + l.inputTokens! + l.outputTokens!, 0)),
      unpricedCount: 0,
    });
  });

  it('searches with Bifrost’s filters and pages with keyset cursors', async () => {
    const query = `query($filter: RequestLogFilter, $after: String) {
      requestLogs(filter: $filter, first: 3, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const filter = {
      statuses: ['SUCCESS'],
      virtualKeyIds: ['vk-b'],
      minLatencyMs: 110,
      maxTokens: 400,
      minCost: 0.001,
    };
    const expected = logs
      .filter((l) => l.status === 'success' && l.virtualKeyId === 'vk-b' && l.latencyMs! >= 110)
      .filter((l) => l.inputTokens! + l.outputTokens! <= 400 && (l.costMicros ?? -1) >= 1000)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((l) => l.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      type Page = {
        requestLogs: {
          edges: Array<{ node: { id: string } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const page: Page = await cp.ok<Page>(query, { filter, after });
      seen.push(...page.requestLogs.edges.map((e) => e.node.id));
      if (!page.requestLogs.pageInfo.hasNextPage) break;
      after = page.requestLogs.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    const unpriced = await cp.ok<{ requestLogs: { edges: unknown[] } }>(
      '{ requestLogs(filter: { unpricedOnly: true }) { edges { node { id cost unpriced } } } }',
    );
    expect(unpriced.requestLogs.edges).toHaveLength(4);
  });

  it('shows which budget binds along key → team → customer', async () => {
    const mutation = `mutation {
      c: upsertBudget(input: { id: "b-customer", maxLimit: 100, resetDuration: "1M" }) { __typename }
      t: upsertBudget(input: { id: "b-team", maxLimit: 10, resetDuration: "1M" }) { __typename }
      k: upsertBudget(input: { id: "b-key", maxLimit: 50, resetDuration: "1d" }) { __typename }
      upsertCustomer(input: { id: "cust", name: "C", budgetId: "b-customer" }) { __typename }
      upsertTeam(input: { id: "team-x", name: "T", customerId: "cust", budgetId: "b-team" }) { __typename }
      upsertVirtualKey(input: { id: "vk-x", name: "X", teamId: "team-x", budgetId: "b-key" }) { __typename }
    }`;
    await cp.ok(mutation);
    const { budgetStatus } = await cp.ok<{ budgetStatus: Record<string, unknown> }>(
      '{ budgetStatus(virtualKeyId: "vk-x") { allowed levels { level ownerId budget { id } } binding { level budget { id remaining } } } }',
    );
    expect(budgetStatus).toEqual({
      allowed: true,
      levels: [
        { level: 'VIRTUAL_KEY', ownerId: 'vk-x', budget: { id: 'b-key' } },
        { level: 'TEAM', ownerId: 'team-x', budget: { id: 'b-team' } },
        { level: 'CUSTOMER', ownerId: 'cust', budget: { id: 'b-customer' } },
      ],
      binding: { level: 'TEAM', budget: { id: 'b-team', remaining: 10 } },
    });
  });
});
