/**
 * Rate limits use fixed windows: a request limit counts requests admitted since the window began
 * (anchored at its start, `1m` = consecutive minutes), a token limit admits while tokens used <
 * limit and then counts the tokens the provider reported; both restart when the window ends.
 * Leases: grants never exceed what remains, so two holders together never overshoot; a lease
 * whose holder went silent is released by the control plane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBudget } from '../../db/index.ts';
import { recordLedgerAt } from '../../db/repositories/meters.ts';
import { errorType, post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

let mock: UsageMock;
let stack: Stack;
let now = Date.parse('2027-05-05T12:00:00Z');

beforeAll(async () => {
  mock = await startUsageMock();
  stack = await startStack(
    {
      providers: {
        openai: { keys: [{ name: 'k', value: 'sk', models: ['*'] }], network_config: { base_url: mock.url } },
      },
      governance: {
        budgets: [{ id: 'lease-budget', max_limit: 1, reset_duration: '1d', mode: 'strict' }],
        rate_limits: [
          { id: 'three-a-minute', request_max_limit: 3, request_reset_duration: '1m' },
          { id: 'tokens', token_max_limit: 100, token_reset_duration: '1h' },
        ],
        virtual_keys: [
          { id: 'vk-r', name: 'r', value: 'vk-requests-secret-value-0001', rate_limit_id: 'three-a-minute' },
          { id: 'vk-t', name: 't', value: 'vk-tokens-secret-value-0001', rate_limit_id: 'tokens' },
        ],
      },
    },
    { now: () => now },
  );
});

afterAll(async () => {
  await stack?.close();
  await mock?.close();
});

const ask = (vk: string, tokens = 20) =>
  post(
    stack.url,
    {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      mock: { prompt_tokens: 0, completion_tokens: tokens },
    },
    { 'x-bf-vk': vk },
  );

describe('rate limits (fixed windows)', () => {
  it('counts requests per window and starts again in the next one', async () => {
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await ask('vk-requests-secret-value-0001')).status);
    expect(first).toEqual([200, 200, 200, 429]);
    const refused = await ask('vk-requests-secret-value-0001');
    expect(errorType(refused)).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    now += 60_000;
    expect((await ask('vk-requests-secret-value-0001')).status).toBe(200);
  });

  it('admits while tokens used < limit, then refuses until the window ends', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await ask('vk-tokens-secret-value-0001', 40)).status);
    // 0 → 40 → 80 → 120 (crossing, served) → refused
    expect(statuses).toEqual([200, 200, 200, 429]);
    now += 3_600_000;
    expect((await ask('vk-tokens-secret-value-0001', 40)).status).toBe(200);
  });
});

describe('leases', () => {
  it('grants never exceed what remains, whoever asks', async () => {
    const grants = [];
    for (let i = 0; i < 10; i++) {
      const holder = i % 2 === 0 ? 'replica-a' : 'replica-b';
      grants.push(
        await stack.service.acquireLease({
          holder,
          kind: 'budget',
          id: 'lease-budget',
          seq: 100 + i,
          want: 300_000,
          min: 1,
        }),
      );
    }
    const total = grants.reduce((sum, g) => sum + g.granted, 0);
    expect(total).toBe(1_000_000);
    expect(grants.slice(4).every((g) => g.granted === 0 || g.granted < 300_000)).toBe(true);
    // A replayed grant (same holder and seq) is not granted twice.
    await stack.service.acquireLease({
      holder: 'replica-a',
      kind: 'budget',
      id: 'lease-budget',
      seq: 100,
      want: 300_000,
      min: 1,
    });
    await stack.settle();
    expect((await stack.service.reconcile('lease-budget')).ledger.outstanding).toBe(1_000_000);
  });

  it('releases leases whose holder went silent (a crashed replica)', async () => {
    const pg = stack.database;
    await stack.settle();
    // On the database store this is periodic; call it directly with an old lease in the ledger.
    await recordLedgerAt(
      pg,
      [{ requestId: 'lease:ghost', attempt: 1, kind: 'reserve', budgetId: 'lease-budget', amountMicros: 5 }],
      now - 3_600_000,
    );
    const before = (await getBudget(pg, 'lease-budget'))!.reservedMicros;
    const expired = await stack.service.expireLeases();
    expect(expired).toBeGreaterThanOrEqual(1);
    await stack.settle();
    expect((await getBudget(pg, 'lease-budget'))!.reservedMicros).toBeLessThan(before);
  });
});
