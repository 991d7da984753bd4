/**
 * Issue 11, Medium 8: fallbacks and retries cannot amplify a request past its rate limits.
 * Every upstream attempt — each retry and each fallback target — counts as one request against
 * the request rate limits that apply to it (virtual key, provider, …), while a request served
 * at the first attempt still counts exactly once. The `[tried: …]` annotation of a failed
 * request names at most MAX_TRIED_LISTED targets and counts the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TRIED_LISTED } from '../../gateway/engine/execute.ts';
import { errorType, post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const VK = 'sk-bf-security-attempt-limits-0001';
const FAILING = { fault: 'status:503' };
/** One retry on the primary, milliseconds apart, so a failing primary makes two attempts. */
const RETRY_ONCE = { max_retries: 1, retry_backoff_initial: 1, retry_backoff_max: 2 };
const FALLBACK_PROVIDERS = ['groq', 'mistral', 'xai', 'cerebras', 'openrouter'];

function config(mockUrl: string) {
  const provider = (extra: object = {}) => ({
    keys: [{ name: 'k', value: 'sk-test', models: ['*'] }],
    network_config: { base_url: mockUrl, ...extra },
  });
  return {
    providers: {
      openai: provider(RETRY_ONCE),
      anthropic: provider(RETRY_ONCE),
      ...Object.fromEntries(FALLBACK_PROVIDERS.map((name) => [name, provider()])),
    },
    governance: {
      rate_limits: [
        { id: 'vk-six', request_max_limit: 6, request_reset_duration: '1h' },
        { id: 'anthropic-two', request_max_limit: 2, request_reset_duration: '1h' },
      ],
      providers: [{ name: 'anthropic', rate_limit_id: 'anthropic-two' }],
      virtual_keys: [{ id: 'vk-attempts', name: 'attempts', value: VK, rate_limit_id: 'vk-six' }],
    },
  };
}

let mock: UsageMock;
let stack: Stack;

beforeAll(async () => {
  mock = await startUsageMock();
  stack = await startStack(config(mock.url));
});

afterAll(async () => {
  await stack?.close();
  await mock?.close();
});

const ask = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  post(stack.url, { messages: [{ role: 'user', content: 'hi' }], ...body }, headers);

describe('request rate limits count upstream attempts', () => {
  it('a virtual key: a retried primary and two failing fallbacks use four of six units', async () => {
    mock.seen.length = 0;
    const failed = await ask(
      { model: 'openai/gpt-4o-mini', fallbacks: ['groq/llama-3.1-8b-instant', 'mistral/m'], mock: FAILING },
      { 'x-bf-vk': VK },
    );
    expect(failed.status, failed.text).toBe(503);
    expect(mock.seen).toHaveLength(4);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await ask({ model: 'openai/gpt-4o-mini' }, { 'x-bf-vk': VK })).status);
    // 4 attempts + 1 + 1 = 6: the limit; a request served at once counts exactly one unit.
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('a provider: each retry against it is one of its requests', async () => {
    // Anthropic's translated body carries no `mock` field: fail its path instead.
    mock.failPaths.set('/v1/messages', 503);
    const failed = await ask({ model: 'anthropic/claude-3-5-haiku-20241022' });
    mock.failPaths.clear();
    expect(failed.status, failed.text).toBe(503);
    const refused = await ask({ model: 'anthropic/claude-3-5-haiku-20241022' });
    expect(refused.status, refused.text).toBe(429);
    expect(errorType(refused)).toBe('rate_limited');
  });
});

describe('the [tried: …] annotation', () => {
  it(`names at most ${MAX_TRIED_LISTED} targets and counts the others`, async () => {
    // Ten fallbacks (the most a request may name), each failing with its own status line.
    const fallbacks = Array.from({ length: 10 }, (_, i) => `${FALLBACK_PROVIDERS[i % 5]}/model-${i}`);
    const failed = await ask({ model: 'xai/grok-primary', fallbacks, mock: FAILING });
    expect(failed.status, failed.text).toBe(503);
    const message = (failed.body.error as { message: string }).message;
    const tried = /\[tried: (.*)\]$/.exec(message)?.[1] ?? '';
    expect(tried.split(', ')).toHaveLength(MAX_TRIED_LISTED);
    expect(tried).toMatch(/ and 1 more$/);
    expect(tried.startsWith('xai/grok-primary (503)')).toBe(true);
  });
});
