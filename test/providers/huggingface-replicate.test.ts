/**
 * Hugging Face (router chat pass-through with aliases, tool calls, images, streams, feature
 * extraction embeddings) and Replicate (predictions with Prefer: wait, aliases, deployments and
 * version endpoints, images, synthetic streams, failures, token-count usage, dropped tools).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HF_CALL, HF_TEXT, HF_USAGE, startHuggingFaceMock } from '../mocks/huggingface-mock.ts';
import type { HttpMock } from '../mocks/http-mock.ts';
import { REPLICATE_TOKENS, startReplicateMock, type ReplicateMock } from '../mocks/replicate-mock.ts';
import {
  chatBody,
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from '../gateway/harness.ts';

let hf: HttpMock;
let rep: ReplicateMock;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  hf = await startHuggingFaceMock();
  rep = await startReplicateMock();
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('huggingface', hf.url, [
          key({
            value: 'hf_test',
            models: ['llama-3', 'minilm'],
            aliases: {
              'llama-3': 'meta-llama/Meta-Llama-3-8B-Instruct',
              minilm: 'sentence-transformers/all-MiniLM-L6-v2',
            },
          }),
        ]),
        provider('replicate', rep.url, [
          key({
            name: 'models',
            value: 'r8_test',
            models: ['llama-3', 'pinned'],
            aliases: {
              'llama-3': 'meta/meta-llama-3-70b-instruct',
              pinned:
                'meta/llama-2-70b-chat:02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3',
            },
          }),
          key({
            name: 'deploy',
            value: 'r8_test',
            weight: 0,
            models: ['llama-3'],
            aliases: { 'llama-3': 'acme/my-llama' },
            replicate_key_config: { use_deployments_endpoint: true },
          }),
        ]),
      ],
    }),
  );
  client = new OpenAI({ apiKey: 'unused', baseURL: gw.baseURL, maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => {
  await gw?.close();
  await hf?.close();
  await rep?.close();
});
beforeEach(() => {
  hf.reset();
  rep.reset();
});

describe('huggingface adapter', () => {
  it('passes chat through the router with the aliased model id, tools and images', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'Weather?' },
          { type: 'image_url' as const, image_url: { url: 'https://example.com/sky.jpg' } },
        ],
      },
    ];
    const first = await client.chat.completions.create({ model: 'huggingface/llama-3', messages, tools });
    expect(hf.requests[0]!.path).toBe('/v1/chat/completions');
    expect(hf.requests[0]!.body).toMatchObject({
      model: 'meta-llama/Meta-Llama-3-8B-Instruct',
      messages,
      tools,
    });
    expect(first.choices[0]!.message.tool_calls).toEqual([HF_CALL]);
    const second = await client.chat.completions.create({
      model: 'huggingface/llama-3',
      tools,
      messages: [
        ...messages,
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: HF_CALL.id, content: 'rain' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe(HF_TEXT);
    expect(second.usage).toMatchObject(HF_USAGE);
  });

  it('streams with usage captured', async () => {
    const stream = await client.chat.completions.create({
      model: 'huggingface/llama-3',
      messages: [{ role: 'user', content: 'DL?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(HF_TEXT);
    expect(usage).toMatchObject(HF_USAGE);
  });

  it('embeds through feature extraction and passes errors on', async () => {
    const response = await postJson(`${gw.url}/v1/embeddings`, {
      model: 'huggingface/minilm',
      input: ['a', 'b'],
    });
    expect(hf.requests[0]!.path).toBe(
      '/hf-inference/models/sentence-transformers/all-MiniLM-L6-v2/pipeline/feature-extraction',
    );
    expect(hf.requests[0]!.body).toEqual({ inputs: ['a', 'b'] });
    expect((response.body.data as Array<{ embedding: number[] }>)[1]!.embedding).toEqual([0.1, 0.2, 0.3]);
    hf.fail({ status: 503, body: { error: 'Model is currently loading', estimated_time: 20 } });
    const loading = await postJson(`${gw.url}/v1/chat/completions`, chatBody('huggingface/llama-3'));
    expect(loading.status).toBe(503);
    expect(errorOf(loading).message).toContain('Model is currently loading');
  });
});

describe('replicate adapter', () => {
  it('creates a prediction (Prefer: wait) and reads output and token counts', async () => {
    const response = await postJson(
      `${gw.url}/v1/chat/completions`,
      chatBody('replicate/llama-3', {
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Why is the sky blue?' },
              { type: 'image_url', image_url: { url: 'https://example.com/sky.png' } },
            ],
          },
        ],
        max_tokens: 64,
        temperature: 0.6,
        stop: ['END', 'STOP'],
        tools: [{ type: 'function', function: { name: 'f' } }],
      }),
    );
    const sent = rep.requests[0]!;
    expect(sent.path).toBe('/v1/models/meta/meta-llama-3-70b-instruct/predictions');
    expect(sent.headers.prefer).toBe('wait');
    expect(sent.body).toEqual({
      input: {
        prompt: 'Why is the sky blue?',
        system_prompt: 'Be brief.',
        image: 'https://example.com/sky.png',
        max_tokens: 64,
        temperature: 0.6,
        stop_sequences: 'END,STOP',
      },
    });
    expect((response.body.choices as Array<{ message: { content: string } }>)[0]!.message.content).toBe(
      REPLICATE_TOKENS.join(''),
    );
    expect(response.body.usage).toEqual({ prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 });
    expect(response.headers.get('x-heimdall-dropped-params')).toBe('tools');
  });

  it('uses the deployments and version endpoints', async () => {
    await postJson(`${gw.url}/v1/chat/completions`, chatBody('replicate/llama-3'), {
      'x-bf-api-key': 'deploy',
    });
    expect(rep.requests[0]!.path).toBe('/v1/deployments/acme/my-llama/predictions');
    await postJson(
      `${gw.url}/v1/chat/completions`,
      chatBody('replicate/pinned', {
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
          { role: 'user', content: 'Again' },
        ],
      }),
    );
    expect(rep.requests[1]!.path).toBe('/v1/predictions');
    expect(rep.requests[1]!.body).toEqual({
      version: '02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3',
      input: { prompt: 'User: Hi\nAssistant: Hello\nUser: Again\nAssistant:' },
    });
  });

  it('streams the finished prediction as chunks with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'replicate/llama-3',
      messages: [{ role: 'user', content: 'Sky?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(REPLICATE_TOKENS.join(''));
    expect(usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 9 });
  });

  it('reports failed predictions and API errors', async () => {
    rep.nextStatus = 'failed';
    const failed = await postJson(`${gw.url}/v1/chat/completions`, chatBody('replicate/llama-3'));
    expect(failed.status).toBe(502);
    expect(errorOf(failed)).toMatchObject({ code: 'prediction_failed' });
    expect(errorOf(failed).message).toContain('CUDA out of memory');
    rep.nextStatus = 'processing';
    const slow = await postJson(`${gw.url}/v1/chat/completions`, chatBody('replicate/llama-3'));
    expect(slow.status).toBe(504);
    rep.fail({
      status: 422,
      body: {
        title: 'Input validation failed',
        detail: '- input.max_tokens: Must be less than 4096',
        status: 422,
      },
    });
    const invalid = await postJson(`${gw.url}/v1/chat/completions`, chatBody('replicate/llama-3'));
    expect(invalid.status).toBe(422);
    expect(errorOf(invalid)).toMatchObject({ code: 'Input validation failed' });
    expect(errorOf(invalid).message).toContain('max_tokens');
  });
});
