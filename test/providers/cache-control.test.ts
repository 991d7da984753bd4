/**
 * `cache_control` markers of OpenAI-format requests (the shape LiteLLM and the AI
 * SDK send: on content parts, on whole messages, on tools, on system) reach Anthropic as Anthropic
 * takes them, Bedrock as `cachePoint` blocks and Vertex Claude like Anthropic; a provider that
 * cannot carry them names `cache_control` in `x-heimdall-dropped-params`. The official openai SDK
 * talks to the gateway; the mocks record the translated bodies.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderKeySnapshot } from '../../clients/contract/snapshot.ts';
import type { AttemptInfo } from '../../gateway/providers/adapter.ts';
import { vertex } from '../../gateway/providers/vertex/adapter.ts';
import type { JsonObject } from '../../gateway/core/types.ts';
import { startAnthropicMock, type AnthropicMock } from '../mocks/anthropic-mock.ts';
import { BEDROCK_API_KEY, startBedrockMock, type BedrockMock } from '../mocks/bedrock-mock.ts';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from '../gateway/harness.ts';

const EPHEMERAL = { type: 'ephemeral' } as const;
const HOUR = { type: 'ephemeral', ttl: '1h' } as const;
const LONG_RULES = 'You are a meticulous assistant. '.repeat(50);

/** LiteLLM / AI SDK shapes; the openai SDK's types do not know `cache_control`, so cast. */
const cachedRequest = {
  max_tokens: 64,
  messages: [
    {
      role: 'system',
      content: [
        { type: 'text', text: LONG_RULES, cache_control: EPHEMERAL },
        { type: 'text', text: 'Today is Monday.' },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Here is a long document.', cache_control: HOUR },
        { type: 'text', text: 'What is it about?' },
      ],
    },
    { role: 'assistant', content: 'A cat.' },
    { role: 'user', content: 'And the dog?', cache_control: EPHEMERAL },
  ],
  tools: [
    {
      type: 'function',
      function: { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: {} } },
      cache_control: EPHEMERAL,
    },
  ],
} as unknown as Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'model'>;

let anthropicMock: AnthropicMock;
let bedrockMock: BedrockMock;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  anthropicMock = await startAnthropicMock();
  bedrockMock = await startBedrockMock();
  const deployments = {
    'claude-sonnet': 'us.anthropic.claude-3-5-sonnet-20240620-v1:0',
    llama: 'meta.llama3-70b-instruct-v1:0',
  };
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('anthropic', anthropicMock.url, [key({ value: 'sk-ant-upstream' })]),
        provider('bedrock', bedrockMock.url, [
          key({
            value: BEDROCK_API_KEY,
            models: ['claude-sonnet', 'llama'],
            bedrock_key_config: { region: 'us-west-2', deployments },
          }),
        ]),
      ],
    }),
  );
  client = new OpenAI({ apiKey: 'unused', baseURL: gw.baseURL, maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gw?.close();
  await anthropicMock?.close();
  await bedrockMock?.close();
});

describe('cache_control to Anthropic', () => {
  it('carries markers on system, content parts, whole messages and tools; nothing reported dropped', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'anthropic/claude-3-7-sonnet-20250219', ...cachedRequest })
      .withResponse();
    expect(response.headers.get('x-heimdall-dropped-params')).toBeNull();
    const sent = anthropicMock.requests.at(-1)!.body as JsonObject;
    expect(sent.system).toEqual([
      { type: 'text', text: LONG_RULES, cache_control: EPHEMERAL },
      { type: 'text', text: 'Today is Monday.' },
    ]);
    expect(sent.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Here is a long document.', cache_control: HOUR },
          { type: 'text', text: 'What is it about?' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] },
      { role: 'user', content: [{ type: 'text', text: 'And the dog?', cache_control: EPHEMERAL }] },
    ]);
    expect(sent.tools).toEqual([
      {
        name: 'lookup',
        description: 'Look up',
        input_schema: { type: 'object', properties: {} },
        cache_control: EPHEMERAL,
      },
    ]);
  });

  it('keeps a system prompt without markers as one joined block (as before)', async () => {
    await client.chat.completions.create({
      model: 'anthropic/claude-3-7-sonnet-20250219',
      max_tokens: 16,
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'user', content: 'hi' },
      ],
    });
    expect((anthropicMock.requests.at(-1)!.body as JsonObject).system).toEqual([
      { type: 'text', text: 'a\nb' },
    ]);
  });
});

describe('cache_control to Bedrock Converse', () => {
  const point = { cachePoint: { type: 'default' } };

  it('becomes cachePoint blocks after the marked content for a Claude model', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'bedrock/claude-sonnet', ...cachedRequest })
      .withResponse();
    expect(response.headers.get('x-heimdall-dropped-params')).toBeNull();
    const sent = bedrockMock.requests.at(-1)!.body as JsonObject;
    expect(sent.system).toEqual([{ text: LONG_RULES }, point, { text: 'Today is Monday.' }]);
    expect(sent.messages).toEqual([
      { role: 'user', content: [{ text: 'Here is a long document.' }, point, { text: 'What is it about?' }] },
      { role: 'assistant', content: [{ text: 'A cat.' }] },
      { role: 'user', content: [{ text: 'And the dog?' }, point] },
    ]);
    expect((sent.toolConfig as JsonObject).tools).toEqual([
      {
        toolSpec: {
          name: 'lookup',
          description: 'Look up',
          inputSchema: { json: { type: 'object', properties: {} } },
        },
      },
      point,
    ]);
  });

  it('names cache_control in x-heimdall-dropped-params for a model without prompt caching', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'bedrock/llama', ...cachedRequest })
      .withResponse();
    expect(response.headers.get('x-heimdall-dropped-params')).toBe('cache_control');
    expect(JSON.stringify(bedrockMock.requests.at(-1)!.body)).not.toContain('cachePoint');
  });
});

describe('cache_control to Vertex Claude', () => {
  it('is carried like Anthropic (same translation, model in the path)', () => {
    const info: AttemptInfo = {
      operation: 'chat',
      stream: false,
      provider: { name: 'vertex', keys: [] },
      key: key({ value: '' }) as ProviderKeySnapshot,
      upstreamModel: 'claude-3-5-sonnet-v2@20241022',
    };
    const payload = vertex.encodeRequest!(cachedRequest as unknown as JsonObject, info);
    expect(info.dropped).toEqual([]);
    expect((payload.system as JsonObject[])[0]).toMatchObject({ cache_control: EPHEMERAL });
    expect((payload.tools as JsonObject[])[0]).toMatchObject({ cache_control: EPHEMERAL });
    expect(payload.model).toBeUndefined();
  });
});
