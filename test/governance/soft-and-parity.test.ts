/**
 * Soft budgets follow Bifrost: admitted while usage < limit, so the request that crosses the
 * limit succeeds and the next is refused. Streamed requests are charged exactly what the same
 * non-streamed request is charged, for each adapter family present.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBudget, listLedgerEntries } from '../../db/index.ts';
import { chargeOf, post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

let mock: UsageMock;
let stack: Stack;

beforeAll(async () => {
  mock = await startUsageMock();
  const provider = (name: string) => ({
    keys: [{ name: `${name}-k`, value: 'sk', models: ['*'] }],
    network_config: { base_url: mock.url },
  });
  stack = await startStack({
    providers: {
      openai: provider('openai'),
      groq: provider('groq'),
      anthropic: provider('anthropic'),
      mistral: provider('mistral'),
      azure: {
        keys: [
          {
            name: 'az',
            value: 'az-key',
            models: ['*'],
            azure_key_config: {
              endpoint: mock.url,
              api_version: '2024-10-21',
              deployments: { 'gpt-4o': 'gpt4o' },
            },
          },
        ],
      },
    },
    governance: {
      budgets: [
        { id: 'soft', max_limit: 0.001, reset_duration: '1d', mode: 'soft' },
        { id: 'parity', max_limit: 1000, reset_duration: '1d', mode: 'strict' },
        { id: 'openai-slice', max_limit: 0.0005, reset_duration: '1d', mode: 'strict' },
      ],
      virtual_keys: [
        { id: 'vk-soft', name: 'soft', value: 'vk-soft-secret-value-0001', budget_id: 'soft' },
        { id: 'vk-parity', name: 'parity', value: 'vk-parity-secret-value-0001', budget_id: 'parity' },
        {
          id: 'vk-split',
          name: 'split',
          value: 'vk-split-secret-value-0001',
          provider_configs: [
            { provider: 'openai', weight: 100, budget_id: 'openai-slice' },
            { provider: 'groq', weight: 1 },
          ],
        },
      ],
    },
  });
});

afterAll(async () => {
  await stack?.close();
  await mock?.close();
});

describe('soft mode', () => {
  it('the request that crosses the limit succeeds, the next is refused', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await post(
        stack.url,
        {
          model: 'openai/gpt-4o',
          messages: [{ role: 'user', content: 'hi' }],
          mock: { prompt_tokens: 0, completion_tokens: 40 },
        },
        { 'x-bf-vk': 'vk-soft-secret-value-0001' },
      );
      statuses.push(reply.status);
    }
    // 400 µ$ each against 1,000 µ$: 0 → 400 → 800 → 1,200 (crossing, served) → refused.
    expect(statuses).toEqual([200, 200, 200, 402, 402]);
    await stack.settle();
    expect((await getBudget(stack.database, 'soft'))?.currentUsageMicros).toBe(1200);
  });
});

describe('streamed requests are charged like non-streamed ones', () => {
  const models = [
    'openai/gpt-4o',
    'groq/llama-3.3-70b-versatile',
    'mistral/mistral-large-latest',
    'anthropic/claude-3-5-sonnet-20241022',
    'azure/gpt-4o',
  ];
  it.each(models)('%s', async (model) => {
    const charges: number[] = [];
    for (const stream of [false, true]) {
      const body = {
        model,
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 500,
        stream,
        mock: { prompt_tokens: 123, completion_tokens: 456 },
      };
      charges.push((await chargeOf(stack, body, 'vk-parity-secret-value-0001', 'parity')).settled);
    }
    expect(charges[0]).toBeGreaterThan(0);
    expect(charges[1]).toBe(charges[0]);
  });
});

describe('a provider over its budget', () => {
  it('is skipped for the next provider of the key rather than failing the request', async () => {
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      const reply = await post(
        stack.url,
        {
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 20,
          mock: { prompt_tokens: 0, completion_tokens: 20 },
        },
        { 'x-bf-vk': 'vk-split-secret-value-0001' },
      );
      expect(reply.status, reply.text).toBe(200);
      served.push(reply.headers.get('x-heimdall-provider') ?? '');
    }
    // openai's slice (500 µ$) fits two requests of ~245 µ$ worst case; then groq serves.
    expect(served.filter((p) => p === 'groq').length).toBeGreaterThanOrEqual(3);
    expect(served.at(-1)).toBe('groq');
  });
});

describe('embeddings', () => {
  it('are charged for input tokens only', async () => {
    const response = await fetch(`${stack.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bf-vk': 'vk-parity-secret-value-0001' },
      body: JSON.stringify({
        model: 'openai/text-embedding-3-small',
        input: 'hello',
        mock: { prompt_tokens: 1_000_000 },
      }),
    });
    expect(response.status).toBe(200);
    await stack.settle();
    const settles = (await listLedgerEntries(stack.database, { budgetId: 'parity' })).filter(
      (e) => e.kind === 'settle',
    );
    // 1M tokens at $0.02/M = 20,000 µ$.
    expect(settles.at(-1)!.amountMicros).toBe(20_000);
  });
});

describe('the Anthropic route', () => {
  it('is governed too: the x-api-key virtual key is charged, an unknown one refused', async () => {
    const send = (key: string) =>
      fetch(`${stack.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'anthropic/claude-3-5-sonnet-20241022',
          max_tokens: 100,
          messages: [{ role: 'user', content: 'hi' }],
          mock: { prompt_tokens: 100, completion_tokens: 50 },
        }),
      });
    const ok = await send('vk-parity-secret-value-0001');
    expect(ok.status, await ok.clone().text()).toBe(200);
    await stack.settle();
    const settles = (await listLedgerEntries(stack.database, { budgetId: 'parity' })).filter(
      (e) => e.kind === 'settle',
    );
    // 100 × $3/M + 50 × $15/M = 1,050 µ$.
    expect(settles.at(-1)!.amountMicros).toBe(1050);
    expect((await send('sk-bf-nobody')).status).toBe(403);
  });
});
