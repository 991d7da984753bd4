/**
 * Rate-limit admission on one replica: a burst on a fresh limit is admitted up to exactly the
 * limit. Callers that find the local lease empty wait for the control plane's answer (one
 * coalesced ask) instead of being refused, and a 429 says `x-ratelimit-remaining: 0` — a refusal
 * happens only when the shared counter has no room. Run on the counter stores whose grants are a
 * real round trip (Postgres, Redis), where lost races used to refuse 15–85 % of a burst.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { post, startStack, type Reply, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const REQUEST_VK = 'vk-rate-admission-requests-01';
const TOKEN_VK = 'vk-rate-admission-tokens-0001';

function config(mockUrl: string): Record<string, unknown> {
  return {
    providers: {
      openai: { keys: [{ name: 'k', value: 'sk', models: ['*'] }], network_config: { base_url: mockUrl } },
    },
    governance: {
      rate_limits: [
        { id: 'hundred-requests', request_max_limit: 100, request_reset_duration: '1m' },
        { id: 'hundred-tokens', token_max_limit: 100, token_reset_duration: '1m' },
      ],
      virtual_keys: [
        { id: 'vk-requests', name: 'requests', value: REQUEST_VK, rate_limit_id: 'hundred-requests' },
        { id: 'vk-tokens', name: 'tokens', value: TOKEN_VK, rate_limit_id: 'hundred-tokens' },
      ],
    },
  };
}

/** One chat request whose provider answer reports exactly `tokens` tokens. */
const ask = (url: string, vk: string, tokens = 1): Promise<Reply> =>
  post(
    url,
    {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      mock: { prompt_tokens: 0, completion_tokens: tokens },
    },
    { 'x-bf-vk': vk },
  );

const burst = (url: string, vk: string, count: number) =>
  Promise.all(Array.from({ length: count }, () => ask(url, vk)));

const remainingOnRefusals = (replies: Reply[]) =>
  replies.filter((r) => r.status === 429).map((r) => Number(r.headers.get('x-ratelimit-remaining')));

let mock: UsageMock;
let database: TestDatabase;

beforeAll(async () => {
  mock = await startUsageMock();
  database = await createTestDatabase('heimdall_rate_single');
});

afterAll(async () => {
  await mock?.close();
  await database?.drop();
});

describe.each(['database', 'redis'] as const)('one replica, counters in %s', (store) => {
  let stack: Stack;

  beforeAll(async () => {
    process.env.HEIMDALL_REDIS_PREFIX = `heimdall-test-${randomBytes(4).toString('hex')}:`;
    // Each store starts from a clean database: a fresh window for both limits.
    const db = store === 'database' ? database : await createTestDatabase('heimdall_rate_single');
    stack = await startStack(config(mock.url), {
      databaseUrl: db.url,
      store,
      redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    if (db !== database) {
      const close = stack.close.bind(stack);
      stack.close = async () => {
        await close();
        await db.drop();
      };
    }
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('admits exactly 100 of 100 concurrent requests on a fresh 100/min limit, then 429 with remaining 0', async () => {
    const replies = await burst(stack.url, REQUEST_VK, 100);
    const admitted = replies.filter((r) => r.status === 200).length;
    console.log(`one replica (${store}): ${admitted} of 100 admitted`);
    expect(replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    expect(admitted).toBe(100);

    const next = await ask(stack.url, REQUEST_VK);
    expect(next.status).toBe(429);
    expect(next.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(next.headers.get('x-ratelimit-limit')).toBe('100');
  });

  it('admits a burst on a fresh token limit while tokens used < limit; refusals say remaining 0', async () => {
    // 1 token each: the 100 admitted use the limit exactly.
    const replies = await burst(stack.url, TOKEN_VK, 100);
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    const next = await ask(stack.url, TOKEN_VK);
    expect(next.status).toBe(429);
    expect(remainingOnRefusals([next])).toEqual([0]);
  });
});
