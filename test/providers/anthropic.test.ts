/**
 * The Anthropic adapter behind the OpenAI-compatible routes: request shape at a loopback
 * Anthropic mock, answers and streams translated back, tools both ways, images, thinking,
 * usage with cache reads/writes, stop reasons, beta headers, dropped params, errors.
 */
import { describe, expect, it } from 'vitest';
import { ANTHROPIC_TEXT, anthropicError, startAnthropicMock, TOOL_USE } from '../mocks/anthropic-mock.ts';
import { chatBody, errorOf, key, postJson, provider } from '../gateway/harness.ts';
import { gatewayOverMock } from './provider-suite.ts';

const ANTHROPIC_NETWORK = {
  beta_header_overrides: { 'prompt-caching-2024-07-31': true, 'redact-thinking-': false },
};
const f = gatewayOverMock(startAnthropicMock, (mock) => [
  provider('anthropic', mock.url, [key({ value: 'sk-ant-upstream' })], { network_config: ANTHROPIC_NETWORK }),
]);
const MODEL = 'anthropic/claude-3-7-sonnet-20250219';

const chat = (extra: Record<string, unknown> = {}) =>
  postJson(`${f.gw.url}/v1/chat/completions`, chatBody(MODEL, extra));

describe('anthropic adapter', () => {
  it('translates a plain chat: documented request shape, text, stop reason, usage with cache tokens', async () => {
    const response = await chat({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello' },
      ],
      stop: 'END',
      temperature: 0.5,
      top_k: 5,
    });
    expect(response.status).toBe(200);
    const sent = f.mock.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(sent.body).toEqual({
      model: 'claude-3-7-sonnet-20250219',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      max_tokens: 4096,
      system: [{ type: 'text', text: 'You are terse.' }],
      temperature: 0.5,
      top_k: 5,
      stop_sequences: ['END'],
    });
    const body = response.body as {
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: unknown;
    };
    expect(body.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
    expect(body.choices[0]!.finish_reason).toBe('stop');
    expect(body.usage).toEqual({
      prompt_tokens: 135,
      completion_tokens: 15,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 10 },
    });
    expect(f.settled[0]!.usage).toEqual({
      inputTokens: 135,
      outputTokens: 15,
      totalTokens: 150,
      cachedInputTokens: 100,
      cacheWriteInputTokens: 10,
    });
    expect(response.headers.get('x-heimdall-dropped-params')).toBeNull();
  });

  it('maps stop reasons: max_tokens → length, refusal → content_filter', async () => {
    f.mock.overrides = { stop_reason: 'max_tokens' };
    const length = await chat({ max_tokens: 5 });
    expect(f.mock.requests[0]!.body.max_tokens).toBe(5);
    expect((length.body.choices as Array<{ finish_reason: string }>)[0]!.finish_reason).toBe('length');
    f.mock.overrides = { stop_reason: 'refusal' };
    const refusal = await chat();
    expect((refusal.body.choices as Array<{ finish_reason: string }>)[0]!.finish_reason).toBe(
      'content_filter',
    );
  });

  it('streams: text, finish reason and the usage chunk; usage captured even when not asked', async () => {
    const stream = await f.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(f.mock.requests[0]!.body.stream).toBe(true);
    expect(f.mock.requests[0]!.body.stream_options).toBeUndefined();
    expect(text).toBe(ANTHROPIC_TEXT);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({
      prompt_tokens: 135,
      completion_tokens: 15,
      prompt_tokens_details: { cached_tokens: 100 },
    });

    const quiet = await postJson(`${f.gw.url}/v1/chat/completions`, chatBody(MODEL, { stream: true }));
    expect(quiet.text).not.toContain('"usage"');
    expect(quiet.text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(f.settled[1]!.usage).toMatchObject({ inputTokens: 135, outputTokens: 15, cachedInputTokens: 100 });
  });

  it('round-trips a tool call: tools and tool_choice out, tool_use back, tool_result sent', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { location: { type: 'string' } } },
        },
      },
    ];
    const first = await f.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in SF?' }],
      tools,
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(f.mock.requests[0]!.body.tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: tools[0]!.function.parameters },
    ]);
    expect(f.mock.requests[0]!.body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ id: TOOL_USE.id, type: 'function' });
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual(TOOL_USE.input);

    const second = await f.client.chat.completions.create({
      model: MODEL,
      tools,
      messages: [
        { role: 'user', content: 'Weather in SF?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: '15 degrees' },
      ],
    });
    const sent = f.mock.requests[1]!.body.messages as Array<{
      role: string;
      content: Array<Record<string, unknown>>;
    }>;
    expect(sent[1]!.content.at(-1)).toEqual({
      type: 'tool_use',
      id: TOOL_USE.id,
      name: 'get_weather',
      input: TOOL_USE.input,
    });
    expect(sent[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: TOOL_USE.id, content: '15 degrees' }],
    });
    expect(second.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
  });

  it('streams a tool call with its arguments assembled from input_json_delta', async () => {
    const stream = await f.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      stream: true,
    });
    let args = '';
    let id: string | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      id ??= delta?.id;
      args += delta?.function?.arguments ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
    }
    expect(id).toBe(TOOL_USE.id);
    expect(JSON.parse(args)).toEqual(TOOL_USE.input);
    expect(finish).toBe('tool_calls');
  });

  it('sends images as base64 and URL sources', async () => {
    await chat({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    const content = (f.mock.requests[0]!.body.messages as Array<{ content: unknown[] }>)[0]!.content;
    expect(content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('turns reasoning_effort into extended thinking and thinking blocks into reasoning_content', async () => {
    f.mock.overrides = {
      content: [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig' },
        { type: 'text', text: 'Done.' },
      ],
    };
    const response = await chat({ reasoning_effort: 'medium', max_tokens: 1000, temperature: 0.2 });
    const sent = f.mock.requests[0]!.body;
    expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(sent.max_tokens).toBeGreaterThan(8192);
    expect(sent.temperature).toBeUndefined();
    expect(response.headers.get('x-heimdall-dropped-params')).toBe('temperature');
    const message = (response.body.choices as Array<{ message: Record<string, unknown> }>)[0]!.message;
    expect(message).toMatchObject({ content: 'Done.', reasoning_content: 'Let me think.' });
  });

  it('reports parameters Anthropic cannot take in x-heimdall-dropped-params', async () => {
    const response = await chat({ n: 2, logit_bias: { 1: 1 }, seed: 7, presence_penalty: 0 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-heimdall-dropped-params')).toBe('logit_bias,n,presence_penalty,seed');
    expect(f.mock.requests[0]!.body.n).toBeUndefined();
  });

  it('keeps the provider status and error type of an error response', async () => {
    f.mock.fail({ status: 529, body: anthropicError('overloaded_error', 'Overloaded') });
    const response = await chat();
    expect(response.status).toBe(529);
    expect(errorOf(response)).toMatchObject({ type: 'upstream_error', code: 'overloaded_error' });
    expect(errorOf(response).message).toContain('Overloaded');
    f.mock.fail({
      status: 400,
      body: anthropicError('invalid_request_error', 'messages: roles must alternate'),
    });
    const bad = await chat();
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({ code: 'invalid_request_error' });
  });

  it('ends a stream that fails mid-way with an error event', async () => {
    f.mock.errorAfter = 4;
    const response = await postJson(`${f.gw.url}/v1/chat/completions`, chatBody(MODEL, { stream: true }));
    // The OpenAI convention the relay keeps: an error object in the data (the SDKs throw on it).
    expect(response.text).toContain('data: {"error":{"message":"Overloaded"');
    expect(response.text).not.toContain('[DONE]');
    expect(f.settled[0]!.error?.code).toBe('upstream_stream_error');
  });
});
