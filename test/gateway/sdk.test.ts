/**
 * Acceptance: the official `openai` SDK pointed at Heimdall completes chat (plain and streamed),
 * legacy completions, embeddings, responses and models-list calls against a loopback mock.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../gateway/create-gateway.ts';
import { MOCK_TEXT, MOCK_USAGE, startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from './harness.ts';

let mock: OpenAIMock;
let gw: RunningGateway;
let client: OpenAI;
const settled: AttemptRecord[] = [];

beforeAll(async () => {
  mock = await startOpenAIMock();
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('openai', mock.url, [
          key({ value: 'sk-upstream', models: ['gpt-4o-mini', 'text-embedding-3-small'] }),
        ]),
      ],
    }),
    { onAttemptSettled: (_ctx, attempt) => void settled.push(attempt) },
  );
  client = new OpenAI({ apiKey: 'sk-client-unused', baseURL: gw.baseURL, maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
});

beforeEach(() => {
  mock.reset();
  settled.length = 0;
});

describe('openai SDK against Heimdall', () => {
  it('completes a plain chat and reports usage, provider headers and extra_fields', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(MOCK_TEXT);
    expect(data.usage?.total_tokens).toBe(MOCK_USAGE.total_tokens);
    expect(response.headers.get('x-heimdall-provider')).toBe('openai');
    expect(response.headers.get('x-heimdall-model')).toBe('gpt-4o-mini');
    const extra = (data as unknown as { extra_fields: Record<string, unknown> }).extra_fields;
    expect(extra).toMatchObject({ provider: 'openai', model_requested: 'gpt-4o-mini', fallback_index: 0 });
    expect(typeof extra.latency).toBe('number');
    // The provider got its own key and the bare model id, never the client's key or gateway fields.
    expect(mock.requests[0]?.headers.authorization).toBe('Bearer sk-upstream');
    expect(mock.requests[0]?.body.model).toBe('gpt-4o-mini');
  });

  it('streams chat: text equals the mock text exactly and the final usage is reported', async () => {
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(MOCK_TEXT);
    expect(usage).toEqual(MOCK_USAGE);
  });

  it('injects include_usage upstream, captures usage, and hides the usage chunk when not asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    let sawUsageChunk = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices.length === 0) sawUsageChunk = true;
    }
    expect(text).toBe(MOCK_TEXT);
    expect(sawUsageChunk).toBe(false);
    expect(mock.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    expect(settled[0]?.usage).toMatchObject({ inputTokens: 11, outputTokens: 17, totalTokens: 28 });
  });

  it('completes a legacy completion', async () => {
    const completion = await client.completions.create({ model: 'openai/gpt-4o-mini', prompt: 'Say hi' });
    expect(completion.choices[0]?.text).toBe(MOCK_TEXT);
    expect(mock.requests[0]?.url).toBe('/v1/completions');
  });

  it('streams a legacy completion', async () => {
    const stream = await client.completions.create({
      model: 'openai/gpt-4o-mini',
      prompt: 'Say hi',
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(MOCK_TEXT);
  });

  it('creates embeddings', async () => {
    const result = await client.embeddings.create({
      model: 'openai/text-embedding-3-small',
      input: 'hello',
      encoding_format: 'float',
    });
    expect(result.data[0]?.embedding).toEqual([0.1, 0.2, 0.3]);
    expect(result.usage.prompt_tokens).toBe(5);
  });

  it('creates a response (plain and streamed)', async () => {
    const response = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'hi' });
    expect(response.output_text).toBe(MOCK_TEXT);
    expect(response.usage?.total_tokens).toBe(28);

    const stream = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'hi', stream: true });
    let text = '';
    let completed = false;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = true;
    }
    expect(text).toBe(MOCK_TEXT);
    expect(completed).toBe(true);
    expect(settled.at(-1)?.usage).toMatchObject({ inputTokens: 11, outputTokens: 17 });
  });

  it('lists models as provider/model', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['openai/gpt-4o-mini', 'openai/text-embedding-3-small']);
    const one = await client.models.retrieve('openai/gpt-4o-mini');
    expect(one.owned_by).toBe('openai');
  });
});
