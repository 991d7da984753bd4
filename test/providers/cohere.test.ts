/** The Cohere v2 adapter: chat, SSE stream, tools both ways, images, embed, errors, billed usage. */
import { describe, expect, it } from 'vitest';
import { COHERE_CALL, COHERE_TEXT, startCohereMock } from '../mocks/cohere-mock.ts';
import { chatBody, errorOf, key, postJson, provider } from '../gateway/harness.ts';
import { gatewayOverMock } from './provider-suite.ts';

const f = gatewayOverMock(startCohereMock, (mock) => [
  provider('cohere', mock.url, [key({ value: 'co-key' })]),
]);
const MODEL = 'cohere/command-a-03-2025';

describe('cohere adapter', () => {
  it('translates a plain chat with v2 parameter names and billed usage', async () => {
    const response = await postJson(
      `${f.gw.url}/v1/chat/completions`,
      chatBody(MODEL, {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'What are LLMs?' },
        ],
        max_tokens: 100,
        top_p: 0.8,
        top_k: 40,
        stop: ['END'],
        seed: 1,
        response_format: { type: 'json_object' },
      }),
    );
    expect(response.status).toBe(200);
    expect(f.mock.requests[0]!.headers.authorization).toBe('Bearer co-key');
    expect(f.mock.requests[0]!.body).toEqual({
      model: 'command-a-03-2025',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What are LLMs?' },
      ],
      p: 0.8,
      k: 40,
      seed: 1,
      max_tokens: 100,
      stop_sequences: ['END'],
      response_format: { type: 'json_object' },
    });
    const choice = (
      response.body.choices as Array<{ message: { content: string }; finish_reason: string }>
    )[0]!;
    expect(choice.message.content).toBe(COHERE_TEXT);
    expect(choice.finish_reason).toBe('stop');
    expect(response.body.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 18,
      total_tokens: 23,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it('streams typed SSE events into chunks with the final usage', async () => {
    const stream = await f.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'LLMs?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(f.mock.requests[0]!.body.stream).toBe(true);
    expect(text).toBe(COHERE_TEXT);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 18 });
  });

  it('round-trips tool calls (plain and streamed) and sends images', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { location: { type: 'string' } } },
        },
      },
    ];
    const first = await f.client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
      tools,
      tool_choice: 'required',
    });
    expect(f.mock.requests[0]!.body.tool_choice).toBe('REQUIRED');
    expect((f.mock.requests[0]!.body.messages as Array<{ content: unknown }>)[0]!.content).toEqual([
      { type: 'text', text: 'Weather?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ]);
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(first.choices[0]!.message.tool_calls).toEqual([COHERE_CALL]);
    await f.client.chat.completions.create({
      model: MODEL,
      tools,
      messages: [
        { role: 'user', content: 'Weather?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: COHERE_CALL.id, content: '24C sunny' },
      ],
    });
    expect((f.mock.requests[1]!.body.messages as unknown[]).slice(1)).toEqual([
      { role: 'assistant', tool_calls: [COHERE_CALL] },
      { role: 'tool', tool_call_id: COHERE_CALL.id, content: '24C sunny' },
    ]);
    const stream = await f.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather?' }],
      tools,
      stream: true,
    });
    let args = '';
    for await (const chunk of stream)
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    expect(JSON.parse(args)).toEqual({ location: 'Toronto' });
  });

  it('embeds with input_type and billed tokens', async () => {
    const response = await postJson(`${f.gw.url}/v1/embeddings`, {
      model: 'cohere/embed-v4.0',
      input: ['hello', 'world'],
    });
    expect(f.mock.requests[0]!.body).toEqual({
      model: 'embed-v4.0',
      texts: ['hello', 'world'],
      input_type: 'search_document',
      embedding_types: ['float'],
    });
    expect((response.body.data as unknown[]).length).toBe(2);
    expect(response.body.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
  });

  it('passes errors on and reports dropped params', async () => {
    f.mock.fail({
      status: 429,
      body: { id: 'x', message: 'You are using a Trial key, which is limited to 10 API calls / minute.' },
    });
    const limited = await postJson(`${f.gw.url}/v1/chat/completions`, chatBody(MODEL));
    expect(limited.status).toBe(429);
    expect(errorOf(limited).message).toContain('Trial key');
    const dropped = await postJson(
      `${f.gw.url}/v1/chat/completions`,
      chatBody(MODEL, { logit_bias: { 1: 2 }, n: 3 }),
    );
    expect(dropped.headers.get('x-heimdall-dropped-params')).toBe('logit_bias,n');
  });
});
