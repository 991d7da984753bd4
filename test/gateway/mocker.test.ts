/**
 * The mocker plugin answers without calling the provider: rules by provider, model and message
 * regex, weighted success/error responses, latency, plain and streamed, default passthrough.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAIMock, MOCK_TEXT, type OpenAIMock } from '../mocks/openai-mock.ts';
import {
  chatBody,
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from './harness.ts';

const MOCKED = 'Mocked answer, with 多字节 characters and emoji 🎉 intact.';

let upstream: OpenAIMock;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startOpenAIMock();
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('openai', upstream.url, [
          key({
            value: 'env.HEIMDALL_TEST_UNSET_KEY',
            models: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'],
          }),
        ]),
      ],
      plugins: [
        {
          name: 'mocker',
          enabled: true,
          version: 1,
          config: {
            rules: [
              {
                name: 'refuse',
                conditions: { message_regex: '(?i)please fail' },
                responses: [{ weight: 1, type: 'error', status_code: 503, error_message: 'mock overload' }],
              },
              {
                name: 'mini',
                conditions: { providers: ['openai'], models: ['gpt-4o-mini', 'text-embedding-3-small'] },
                latency_ms: 30,
                responses: [
                  {
                    weight: 1,
                    type: 'success',
                    content: MOCKED,
                    usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 },
                  },
                ],
              },
            ],
            default_behavior: 'passthrough',
          },
        },
      ],
    }),
  );
  client = new OpenAI({ apiKey: 'unused', baseURL: gw.baseURL, maxRetries: 0 });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.reset();
  process.env.HEIMDALL_TEST_UNSET_KEY = 'sk-real';
});

describe('mocker plugin', () => {
  it('answers a matching chat without calling the provider (no key needed)', async () => {
    delete process.env.HEIMDALL_TEST_UNSET_KEY;
    const started = Date.now();
    const completion = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(completion.choices[0]?.message.content).toBe(MOCKED);
    expect(completion.usage?.total_tokens).toBe(12);
    expect(upstream.requests).toHaveLength(0);
  });

  it('streams a mocked answer exactly, with usage only when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(MOCKED);
    expect(usage?.completion_tokens).toBe(9);

    const plain = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of plain) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
  });

  it('mocks responses (plain and streamed) and embeddings', async () => {
    const response = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'hi' });
    expect(response.output_text).toBe(MOCKED);
    const stream = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'hi', stream: true });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe(MOCKED);
    const embeddings = await client.embeddings.create({
      model: 'openai/text-embedding-3-small',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    expect(embeddings.data).toHaveLength(2);
    expect(upstream.requests).toHaveLength(0);
  });

  it('returns a mocked error with its status as an upstream error', async () => {
    const response = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'Please FAIL now' }],
    });
    expect(response.status).toBe(503);
    expect(errorOf(response)).toMatchObject({
      type: 'upstream_error',
      message: 'openai responded 503: mock overload',
    });
  });

  it('passes through to the provider when no rule matches', async () => {
    const response = await postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
    expect(response.status).toBe(200);
    expect((response.body.choices as Array<{ message: { content: string } }>)[0]?.message.content).toBe(
      MOCK_TEXT,
    );
    expect(upstream.requests).toHaveLength(1);
  });
});
