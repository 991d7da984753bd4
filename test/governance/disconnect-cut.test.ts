/**
 * Issue 12, item 1: streams that end without provider usage are charged what they relayed — a
 * provider that closes the connection mid-stream (content or tool-call deltas), and an official
 * OpenAI SDK client that aborts its stream — with a normal settle on the ledger and
 * `usage_estimated` on the log row. A complete stream keeps the provider's own usage.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLedgerEntries, listRequestLogs } from '../../db/index.ts';
import { Prices, usageCost } from '../../gateway/governance/prices.ts';
import { readStream, tokenChunks } from './support/disconnect-client.ts';
import { startStreamMock, type StreamMock } from './support/disconnect-mock.ts';
import { startStack, type Stack } from './support/stack.ts';

const VK = 'sk-bf-disconnect-soft-0001';
const PROMPT = 'Tell me about budgets.';
const INPUT_TOKENS = countTokens(PROMPT) + 3 + 3;

let mock: StreamMock;
let stack: Stack;

beforeAll(async () => {
  mock = await startStreamMock();
  stack = await startStack({
    client: { enable_logging: true },
    providers: {
      openai: {
        keys: [{ name: 'k', value: 'sk-k', weight: 1, models: ['*'] }],
        network_config: { base_url: mock.url },
      },
    },
    governance: {
      budgets: [{ id: 'soft-hundred', max_limit: 100, reset_duration: '1d' }],
      virtual_keys: [{ id: 'vk-soft', name: 'soft', value: VK, budget_id: 'soft-hundred' }],
    },
  });
});

afterAll(async () => {
  await stack?.close();
  await mock?.close();
});

const hit = new Prices([]).lookup('openai', 'gpt-4o')!;
const costOf = (outputTokens: number) =>
  usageCost(hit, { inputTokens: INPUT_TOKENS, outputTokens, totalTokens: INPUT_TOKENS + outputTokens });

/**
 * The request's ledger entries and log row, once settled. A client that hung up may be done before
 * the gateway has noticed, so this waits (a bounded number of flushes) for the row.
 */
async function charged(requestId: string) {
  for (let i = 0; ; i++) {
    await stack.settle();
    const logs = await listRequestLogs(stack.database, { limit: 1000 });
    const log = logs.find((l) => l.id === requestId);
    if (log || i === 100) {
      const entries = await listLedgerEntries(stack.database, { requestId });
      return { entries, log: log! };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function body(mockSpec: Record<string, unknown>) {
  return {
    model: 'openai/gpt-4o',
    messages: [{ role: 'user', content: PROMPT }],
    stream: true,
    mock: mockSpec,
  };
}

describe('streams ending without provider usage', () => {
  it('a provider cut mid-stream is charged the delivered estimate, logged with usage_estimated', async () => {
    const texts = tokenChunks(6, 50);
    const read = await readStream(stack.url, body({ texts, cut_after: 3 }), { 'x-bf-vk': VK });
    expect(read.status).toBe(200);
    expect(read.contents).toEqual(texts.slice(0, 3));
    expect(read.errorCode).toBe('upstream_connection_reset');
    const { entries, log } = await charged(read.requestId!);
    const expected = costOf(countTokens(read.contents.join('')));
    expect(entries.filter((e) => e.kind === 'settle').map((e) => e.amountMicros)).toEqual([expected]);
    expect(entries.some((e) => e.kind === 'release' && e.amountMicros > 0)).toBe(false);
    expect(log).toMatchObject({
      statusCode: 502,
      usageEstimated: true,
      inputTokens: INPUT_TOKENS,
      outputTokens: 150,
      costMicros: expected,
    });
  });

  it('tool-call argument deltas count as delivered output', async () => {
    const args = ['{"query": "monthly', ' budget for the', ' platform team', ' in 2026"}'];
    const read = await readStream(stack.url, body({ tool_args: args, cut_after: 3 }), { 'x-bf-vk': VK });
    expect(read.toolArgs).toEqual(args.slice(0, 3));
    const { log } = await charged(read.requestId!);
    const delivered = countTokens('lookup') + args.slice(0, 3).reduce((n, a) => n + countTokens(a), 0);
    expect(log).toMatchObject({
      usageEstimated: true,
      outputTokens: delivered,
      costMicros: costOf(delivered),
    });
  });

  it('the OpenAI SDK aborting its stream is charged what it received, logged as 499', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: VK, maxRetries: 0 });
    const controller = new AbortController();
    const texts = tokenChunks(8, 40);
    // Hung up before the provider's long pause: what the SDK yielded is what the gateway wrote
    // (earlier, the SDK may hold chunks the gateway already delivered but it has not yielded).
    const params = body({ texts, interval_ms: 5, last_pause_ms: 400 });
    const { data: stream, response } = await client.chat.completions
      .create(params as unknown as ChatCompletionCreateParamsStreaming, { signal: controller.signal })
      .withResponse();
    const received: string[] = [];
    // The SDK ends the iteration quietly when its signal aborts.
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) received.push(content);
      if (received.length === 7) controller.abort();
    }
    expect(controller.signal.aborted).toBe(true);
    const { log } = await charged(response.headers.get('x-request-id')!);
    expect(received).toEqual(texts.slice(0, 7));
    expect(log).toMatchObject({
      statusCode: 499,
      usageEstimated: true,
      outputTokens: 280,
      costMicros: costOf(280),
    });
  });

  it('a complete stream keeps the provider usage (not estimated)', async () => {
    const texts = tokenChunks(2, 10);
    const read = await readStream(stack.url, body({ texts, completion_tokens: 77 }), { 'x-bf-vk': VK });
    expect(read.contents).toEqual(texts);
    const { log } = await charged(read.requestId!);
    expect(log).toMatchObject({ statusCode: 200, usageEstimated: false, inputTokens: 10, outputTokens: 77 });
  });
});
