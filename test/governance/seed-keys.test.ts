/**
 * The seed documents' six virtual keys behave as described there, and every documented refusal
 * (401, 403 ×4, 402, 429) carries its error type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBudget, listLedgerEntries } from '../../db/index.ts';
import { errorType, post, startStack, type Stack } from './support/stack.ts';
import { SEED_TOKENS, seedConfig } from './support/seed-config.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

let mock: UsageMock;
let stack: Stack;

beforeAll(async () => {
  mock = await startUsageMock();
  stack = await startStack(seedConfig(mock.url));
});

afterAll(async () => {
  await stack?.close();
  await mock?.close();
});

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const vk = (token: string) => ({ 'x-bf-vk': token });

describe('the six seed virtual keys', () => {
  it('dev-all reaches every provider', async () => {
    for (const model of [
      'openai/gpt-4o',
      'anthropic/claude-3-5-sonnet-20241022',
      'groq/llama-3.3-70b-versatile',
    ]) {
      const reply = await post(stack.url, chat(model), vk(SEED_TOKENS.devAll));
      expect(reply.status, `${model}: ${reply.text}`).toBe(200);
      expect(reply.headers.get('x-heimdall-provider')).toBe(model.split('/')[0]);
    }
  });

  it('openai-prod may use only gpt-4o and gpt-4o-mini on openai', async () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'openai/gpt-4o'])
      expect((await post(stack.url, chat(model), vk(SEED_TOKENS.openaiProd))).status).toBe(200);
    const model = await post(stack.url, chat('openai/gpt-4.1'), vk(SEED_TOKENS.openaiProd));
    expect([model.status, errorType(model)]).toEqual([403, 'model_blocked']);
    const provider = await post(
      stack.url,
      chat('anthropic/claude-3-5-sonnet-20241022'),
      vk(SEED_TOKENS.openaiProd),
    );
    expect([provider.status, errorType(provider)]).toEqual([403, 'provider_blocked']);
  });

  it('multi splits a bare model ~50/25/25 over 4,000 requests (±3 points)', async () => {
    const counts: Record<string, number> = {};
    const total = 4_000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        const reply = await post(stack.url, chat('gpt-4o'), vk(SEED_TOKENS.multi));
        expect(reply.status).toBe(200);
        const provider = reply.headers.get('x-heimdall-provider') ?? 'none';
        counts[provider] = (counts[provider] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    const share = (p: string) => ((counts[p] ?? 0) / total) * 100;
    console.log('vk-multi split (%):', {
      openai: share('openai'),
      anthropic: share('anthropic'),
      groq: share('groq'),
    });
    expect(Math.abs(share('openai') - 50)).toBeLessThanOrEqual(3);
    expect(Math.abs(share('anthropic') - 25)).toBeLessThanOrEqual(3);
    expect(Math.abs(share('groq') - 25)).toBeLessThanOrEqual(3);
  }, 120_000);

  it('platform-team inherits the team budget and is pinned to openai-primary', async () => {
    mock.seen.length = 0;
    for (let i = 0; i < 10; i++)
      expect((await post(stack.url, chat('gpt-4o'), vk(SEED_TOKENS.platformTeam))).status).toBe(200);
    expect(new Set(mock.seen.map((r) => r.auth))).toEqual(new Set(['Bearer sk-primary']));
    await stack.settle();
    const settled = (await listLedgerEntries(stack.database, { budgetId: 'budget-enterprise' })).filter(
      (e) => e.kind === 'settle',
    );
    expect(settled).toHaveLength(10);
    expect((await getBudget(stack.database, 'budget-enterprise'))?.currentUsageMicros).toBe(10 * 225);
    const other = await post(stack.url, chat('groq/llama-3.3-70b-versatile'), vk(SEED_TOKENS.platformTeam));
    expect(errorType(other)).toBe('provider_blocked');
  });

  it('testing may use only gpt-4o-mini', async () => {
    expect((await post(stack.url, chat('gpt-4o-mini'), vk(SEED_TOKENS.testing))).status).toBe(200);
    const refused = await post(stack.url, chat('gpt-4o'), vk(SEED_TOKENS.testing));
    expect([refused.status, errorType(refused)]).toEqual([403, 'model_blocked']);
  });

  it('batch uses only the batch-flagged key, which other traffic gets by its weight too', async () => {
    mock.seen.length = 0;
    for (let i = 0; i < 6; i++)
      expect((await post(stack.url, chat('gpt-4o'), vk(SEED_TOKENS.batch))).status).toBe(200);
    expect(new Set(mock.seen.map((r) => r.auth))).toEqual(new Set(['Bearer sk-batch']));
    mock.seen.length = 0;
    // use_for_batch_api adds batch use (Bifrost): 1 in 3 here, none in 60 has odds (2/3)^60 ≈ 3e-11.
    for (let i = 0; i < 60; i++) await post(stack.url, chat('openai/gpt-4o'), vk(SEED_TOKENS.devAll));
    expect(mock.seen.some((r) => r.auth === 'Bearer sk-batch')).toBe(true);
  });
});

describe('documented refusals and their error types', () => {
  it('401 virtual_key_required without a key (is_vk_mandatory)', async () => {
    const reply = await post(stack.url, chat('gpt-4o'));
    expect([reply.status, errorType(reply)]).toEqual([401, 'virtual_key_required']);
    const notAKey = await post(stack.url, chat('gpt-4o'), { authorization: 'Bearer sk-some-provider-key' });
    expect([notAKey.status, errorType(notAKey)]).toEqual([401, 'virtual_key_required']);
  });

  it('403 virtual_key_not_found and virtual_key_blocked, through every accepted header', async () => {
    const unknown: Array<Record<string, string>> = [
      { 'x-bf-vk': 'nope' },
      { authorization: 'Bearer sk-bf-unknown' },
      { 'x-api-key': 'sk-bf-unknown' },
      { 'x-goog-api-key': 'sk-bf-unknown' },
    ];
    for (const headers of unknown) {
      const reply = await post(stack.url, chat('gpt-4o'), headers);
      expect([reply.status, errorType(reply)]).toEqual([403, 'virtual_key_not_found']);
    }
    const inactive: Array<Record<string, string>> = [
      { 'x-bf-vk': SEED_TOKENS.inactive },
      { authorization: `Bearer ${SEED_TOKENS.inactive}` },
      { 'x-api-key': SEED_TOKENS.inactive },
      { 'x-goog-api-key': SEED_TOKENS.inactive },
    ];
    for (const headers of inactive) {
      const reply = await post(stack.url, chat('gpt-4o'), headers);
      expect([reply.status, errorType(reply)]).toEqual([403, 'virtual_key_blocked']);
    }
  });

  it('402 budget_exceeded once the budget is spent (soft: the crossing request succeeded)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await post(stack.url, chat('openai/gpt-4o'), vk(SEED_TOKENS.broke))).status);
    expect(statuses).toEqual([200, 200, 402, 402]);
    const reply = await post(stack.url, chat('openai/gpt-4o'), vk(SEED_TOKENS.broke));
    expect(errorType(reply)).toBe('budget_exceeded');
  });

  it('429 rate_limited with Retry-After and x-ratelimit-* headers', async () => {
    const ok = [];
    for (let i = 0; i < 2; i++)
      ok.push((await post(stack.url, chat('openai/gpt-4o'), vk(SEED_TOKENS.throttled))).status);
    expect(ok).toEqual([200, 200]);
    const reply = await post(stack.url, chat('openai/gpt-4o'), vk(SEED_TOKENS.throttled));
    expect([reply.status, errorType(reply)]).toEqual([429, 'rate_limited']);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(reply.headers.get('x-ratelimit-limit')).toBe('2');
    expect(reply.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(reply.headers.get('x-ratelimit-reset'))).toBeGreaterThan(3500);
  });
});
