/**
 * After 5,000 mixed requests — streamed and not, retried, fallen back, failed before and during
 * the stream — every budget's counter equals its ledger's settle sum (reconciliation check) and
 * the sum of the request-log costs of the requests it governs, to the micro-dollar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type MockSpec, type UsageMock } from './support/usage-mock.ts';

let mock: UsageMock;
const TOTAL = 5_000;
const pgs: TestDatabase[] = [];

function startMixed(databaseUrl?: string): Promise<Stack> {
  const retrying = { max_retries: 1, retry_backoff_initial: 1, retry_backoff_max: 2 };
  return startStack(
    {
      client: { enable_logging: true },
      providers: {
        openai: {
          keys: [{ name: 'oa', value: 'sk', models: ['*'] }],
          network_config: { base_url: `${mock.url}/oa`, ...retrying },
        },
        groq: {
          keys: [{ name: 'gq', value: 'gsk', models: ['*'] }],
          network_config: { base_url: `${mock.url}/gq`, ...retrying },
        },
      },
      governance: {
        budgets: [
          { id: 'vk-strict', max_limit: 10_000, reset_duration: '1d', mode: 'strict' },
          { id: 'team-soft', max_limit: 10_000, reset_duration: '1d', mode: 'soft' },
          { id: 'groq-provider', max_limit: 10_000, reset_duration: '1M', calendar_aligned: true },
        ],
        teams: [{ id: 'team', name: 'Team', budget_id: 'team-soft' }],
        virtual_keys: [
          {
            id: 'vk-mixed',
            name: 'mixed',
            value: 'vk-mixed-secret-value-0001',
            budget_id: 'vk-strict',
            team_id: 'team',
          },
        ],
        providers: [{ name: 'groq', budget_id: 'groq-provider' }],
      },
    },
    { governance: { logQueue: { capacity: 20_000 } }, ...(databaseUrl ? { databaseUrl } : {}) },
  );
}

beforeAll(async () => {
  mock = await startUsageMock();
});

afterAll(async () => {
  await mock?.close();
  for (const pg of pgs) await pg.drop();
});

function specFor(i: number): { stream: boolean; mock: MockSpec } {
  const stream = i % 2 === 1;
  const usage = { prompt_tokens: 5 + (i % 97), completion_tokens: 1 + ((i * 37) % 400) };
  switch (i % 10) {
    case 3: // openai fails, its retry fails, groq serves
      return { stream, mock: { ...usage, fault: 'status:500', fault_path: '/oa/' } };
    case 5: // connection reset on openai (retried), then groq
      return { stream, mock: { ...usage, fault: 'reset', fault_path: '/oa/' } };
    case 7: // (odd: streamed) the stream dies mid-way, without usage
      return { stream, mock: { ...usage, fault: 'midstream-reset', chunks: 5 } };
    case 8: // (even: plain) every provider fails
      return { stream, mock: { ...usage, fault: 'status:502' } };
    default:
      return { stream, mock: usage };
  }
}

describe.each(['sqlite', 'postgres'])('5,000-request mixed run on %s', (dialect) => {
  it('ledger settles = budget counters = request-log costs, to the micro-dollar', async () => {
    let url: string | undefined;
    if (dialect === 'postgres') {
      const pg = await createTestDatabase('heimdall_mixed');
      pgs.push(pg);
      url = pg.url;
    }
    const stack = await startMixed(url);
    try {
      await runMixed(stack);
    } finally {
      await stack.close();
    }
  }, 240_000);
});

async function runMixed(stack: Stack): Promise<void> {
  {
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        const { stream, mock: spec } = specFor(i);
        const reply = await post(
          stack.url,
          {
            model: 'openai/gpt-4o-mini',
            messages: [{ role: 'user', content: `request ${i}` }],
            max_tokens: 500,
            stream,
            mock: spec,
            fallbacks: ['groq/llama-3.1-8b-instant'],
          },
          { 'x-bf-vk': 'vk-mixed-secret-value-0001' },
        );
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 48 }, worker));
    await stack.settle();
    console.log(`mixed run (${stack.database.dialect}) statuses:`, Object.fromEntries(statuses));
    expect(statuses.get(200)).toBeGreaterThan(TOTAL * 0.8);
    expect(statuses.get(502)).toBe(TOTAL / 10);

    const logs = await listRequestLogs(stack.database, { limit: TOTAL + 10 });
    expect(logs).toHaveLength(TOTAL);
    const logSum = logs.reduce((sum, row) => sum + (row.costMicros ?? 0), 0);
    const groqSum = logs
      .filter((r) => r.provider === 'groq')
      .reduce((sum, row) => sum + (row.costMicros ?? 0), 0);
    expect(logs.some((r) => r.retries > 0)).toBe(true);
    expect(logs.some((r) => r.fallbackIndex > 0)).toBe(true);

    const checks = await Promise.all(
      ['vk-strict', 'team-soft', 'groq-provider'].map((id) => stack.service.reconcile(id)),
    );
    for (const check of checks) expect(check.ok, JSON.stringify(check)).toBe(true);
    const [vk, team, groq] = checks.map((c) => c.ledger.settled);
    console.log('mixed run µ$:', { logSum, vk, team, groq, groqSum });
    expect(vk).toBe(logSum);
    expect(team).toBe(logSum);
    expect(groq).toBe(groqSum);
    expect(checks[0]!.database.used).toBe(logSum);
  }
}
